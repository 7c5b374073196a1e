package delivery

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/psbox-dev/psbox/internal/httpheader"
)

// Signing schemes for Options.Sign. PartnerStack documents no signature;
// both are psbox's additions for receivers that verify one.
const (
	SignNone             = ""
	SignStandardWebhooks = "standard-webhooks"
	SignHMACSHA256       = "hmac-sha256"
)

// DefaultSignatureHeader carries the hmac-sha256 signature unless
// Options.SignatureHeader names another header.
const DefaultSignatureHeader = "X-Psbox-Signature"

// signer adds signature headers to one attempt's request.
type signer interface {
	sign(h http.Header, id string, unixSeconds int64, body []byte)
}

func newSigner(o Options) (signer, error) {
	switch o.Sign {
	case SignNone:
		if o.Secret != "" {
			return nil, errors.New("a secret was given without a signing scheme; add --sign standard-webhooks or --sign hmac-sha256")
		}
		return nil, nil
	case SignStandardWebhooks:
		key, err := DecodeStandardSecret(o.Secret)
		if err != nil {
			return nil, err
		}
		return standardSigner{key: key}, nil
	case SignHMACSHA256:
		if o.Secret == "" {
			return nil, errors.New("--sign hmac-sha256 needs a secret; add --secret S")
		}
		name := o.SignatureHeader
		if name == "" {
			name = DefaultSignatureHeader
		}
		if !httpheader.ValidName(name) {
			return nil, fmt.Errorf("signature header %q is not a valid header name; use e.g. %s", name, DefaultSignatureHeader)
		}
		return hmacSigner{key: []byte(o.Secret), header: http.CanonicalHeaderKey(name)}, nil
	default:
		return nil, fmt.Errorf("unknown signing scheme %q; use standard-webhooks or hmac-sha256", o.Sign)
	}
}

// DecodeStandardSecret checks a Standard Webhooks secret ("whsec_" followed
// by base64 of 24 to 64 bytes) and returns the key bytes.
func DecodeStandardSecret(secret string) ([]byte, error) {
	const hint = `a Standard Webhooks secret is "whsec_" followed by base64 of 24 to 64 random bytes, e.g. whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw`
	if secret == "" {
		return nil, errors.New("--sign standard-webhooks needs --secret; " + hint)
	}
	b64, ok := strings.CutPrefix(secret, "whsec_")
	if !ok {
		return nil, errors.New(`the secret does not start with "whsec_"; ` + hint)
	}
	key, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		return nil, errors.New("the secret after \"whsec_\" is not valid base64; " + hint)
	}
	if len(key) < 24 || len(key) > 64 {
		return nil, fmt.Errorf("the secret decodes to %d bytes; %s", len(key), hint)
	}
	return key, nil
}

// StandardSignature is the Standard Webhooks signature header value for one
// message: "v1," + base64(HMAC-SHA256(key, id + "." + timestamp + "." + body)).
func StandardSignature(key []byte, id string, unixSeconds int64, body []byte) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(id))
	m.Write([]byte{'.'})
	m.Write([]byte(strconv.FormatInt(unixSeconds, 10)))
	m.Write([]byte{'.'})
	m.Write(body)
	return "v1," + base64.StdEncoding.EncodeToString(m.Sum(nil))
}

type standardSigner struct{ key []byte }

func (s standardSigner) sign(h http.Header, id string, ts int64, body []byte) {
	h.Set("Webhook-Id", id)
	h.Set("Webhook-Timestamp", strconv.FormatInt(ts, 10))
	h.Set("Webhook-Signature", StandardSignature(s.key, id, ts, body))
}

// hmacSigner puts "sha256=" + hex(HMAC-SHA256(secret, body)) in a named
// header (the GitHub style; psbox's choice).
type hmacSigner struct {
	key    []byte
	header string
}

func (s hmacSigner) sign(h http.Header, _ string, _ int64, body []byte) {
	h.Set(s.header, HMACSignature(s.key, body))
}

// HMACSignature is the hmac-sha256 scheme's header value for one body:
// "sha256=" + hex(HMAC-SHA256(key, body)).
func HMACSignature(key, body []byte) string {
	m := hmac.New(sha256.New, key)
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}
