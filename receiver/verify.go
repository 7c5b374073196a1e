package receiver

import (
	"crypto/hmac"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/psbox-dev/psbox/mock/delivery"
)

// DefaultTolerance is how far a Standard Webhooks timestamp may be from the
// receiver's clock (the Standard Webhooks libraries' five minutes).
const DefaultTolerance = 5 * time.Minute

// A verifier checks one delivery's signature: the receiving side (headers,
// timestamp window, the list of signatures). The MAC itself comes from the
// signer's delivery.StandardSignature and delivery.HMACSignature, one
// computation for both sides; verify_test.go holds it to the Standard
// Webhooks test vectors, and the delivery tests check psbox's signatures
// with an implementation of their own.
type verifier interface {
	verify(h http.Header, body []byte, now time.Time) error
}

func newVerifier(o Options) (verifier, error) {
	switch o.Verify {
	case "":
		if o.Secret != "" {
			return nil, errors.New("--secret was given without --verify; add --verify standard-webhooks or --verify hmac-sha256")
		}
		return nil, nil
	case delivery.SignStandardWebhooks:
		key, err := delivery.DecodeStandardSecret(o.Secret)
		if err != nil {
			return nil, errors.New(strings.Replace(err.Error(), "--sign standard-webhooks", "--verify standard-webhooks", 1))
		}
		tol := o.Tolerance
		if tol <= 0 {
			tol = DefaultTolerance
		}
		return standardVerifier{key: key, tolerance: tol}, nil
	case delivery.SignHMACSHA256:
		if o.Secret == "" {
			return nil, errors.New("--verify hmac-sha256 needs a secret; add --secret S")
		}
		name := o.SignatureHeader
		if name == "" {
			name = delivery.DefaultSignatureHeader
		}
		return hmacVerifier{key: []byte(o.Secret), header: name}, nil
	}
	return nil, fmt.Errorf("--verify %q: use standard-webhooks or hmac-sha256", o.Verify)
}

// standardVerifier checks webhook-id, webhook-timestamp and
// webhook-signature as the Standard Webhooks specification says: the
// timestamp within the tolerance, and one of the space-separated "v1,"
// signatures equal to base64(HMAC-SHA256(key, id.timestamp.body)).
type standardVerifier struct {
	key       []byte
	tolerance time.Duration
}

func (v standardVerifier) verify(h http.Header, body []byte, now time.Time) error {
	id, ts, sigs := h.Get("Webhook-Id"), h.Get("Webhook-Timestamp"), h.Get("Webhook-Signature")
	if id == "" || ts == "" || sigs == "" {
		return errors.New("no Standard Webhooks signature (webhook-id, webhook-timestamp, webhook-signature)")
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return fmt.Errorf("webhook-timestamp %q is not a Unix time in seconds", ts)
	}
	at := time.Unix(sec, 0)
	switch {
	case at.Before(now.Add(-v.tolerance)):
		return fmt.Errorf("the signature is stale: signed %s ago, more than %s", now.Sub(at).Round(time.Second), v.tolerance)
	case at.After(now.Add(v.tolerance)):
		return fmt.Errorf("the signature is from the future: signed %s ahead, more than %s", at.Sub(now).Round(time.Second), v.tolerance)
	}
	want := []byte(delivery.StandardSignature(v.key, id, sec, body))
	for _, s := range strings.Fields(sigs) {
		if hmac.Equal([]byte(s), want) {
			return nil
		}
	}
	return errors.New("the signature does not match: wrong secret, or the body was changed")
}

// hmacVerifier checks "sha256=" + hex(HMAC-SHA256(secret, body)) in a
// named header.
type hmacVerifier struct {
	key    []byte
	header string
}

func (v hmacVerifier) verify(h http.Header, body []byte, _ time.Time) error {
	got := h.Get(v.header)
	if got == "" {
		return fmt.Errorf("no %s signature header", v.header)
	}
	hexSig, ok := strings.CutPrefix(got, "sha256=")
	if _, err := hex.DecodeString(hexSig); !ok || err != nil {
		return fmt.Errorf("%s is not sha256=<hex>", v.header)
	}
	if !hmac.Equal([]byte(strings.ToLower(got)), []byte(delivery.HMACSignature(v.key, body))) {
		return errors.New("the signature does not match: wrong secret, or the body was changed")
	}
	return nil
}

// Verify checks one delivery's signature with scheme ("standard-webhooks"
// or "hmac-sha256", the header X-Psbox-Signature) and secret, as
// psbox receive --verify does: a Standard Webhooks timestamp must be within
// DefaultTolerance of now. It is the one verification psbox has; psboxtest
// and the built-in receiver both call it.
func Verify(scheme, secret string, h http.Header, body []byte, now time.Time) error {
	if scheme == "" {
		return errors.New("no signing scheme given; use standard-webhooks or hmac-sha256")
	}
	v, err := newVerifier(Options{Verify: scheme, Secret: secret})
	if err != nil {
		return err
	}
	return v.verify(h, body, now)
}
