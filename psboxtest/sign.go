package psboxtest

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/psbox-dev/psbox/fixtures"
	"github.com/psbox-dev/psbox/mock/events"
)

// SignedRequestSeed is the seed of SignedRequest's payloads.
const SignedRequestSeed = 1

// SignedRequest returns a delivery request for event, signed now with
// scheme and secret ("standard-webhooks" and a whsec_ secret, or
// "hmac-sha256"; an empty scheme signs nothing), for a handler's unit test:
//
//	rr := httptest.NewRecorder()
//	handler.ServeHTTP(rr, psboxtest.SignedRequest(t, "application_created", "standard-webhooks", secret))
//
// It carries exactly what psbox sends: the payload built with
// SignedRequestSeed and edits (PATH=VALUE or -PATH, as Fire's), psbox's
// headers and the signature. Its URL is http://127.0.0.1/webhooks.
func SignedRequest(t testing.TB, event, scheme, secret string, edits ...string) *http.Request {
	t.Helper()
	ed, err := parseEdits(edits)
	if err != nil {
		t.Fatalf("psboxtest.SignedRequest(%s): %v", event, err)
	}
	body, err := fixtures.Build(event, SignedRequestSeed, ed...)
	if err != nil {
		t.Fatalf("psboxtest.SignedRequest(%s): %v", event, err)
	}
	dc := events.Config{Sign: scheme, Secret: secret}
	s, err := dc.NewSender(events.Options{UserAgent: userAgent})
	if err != nil {
		t.Fatalf("psboxtest.SignedRequest: %v", err)
	}
	defer s.Close()
	req, err := s.Request(context.Background(), events.Delivery{Event: event, Target: "http://127.0.0.1/webhooks", Body: body})
	if err != nil {
		t.Fatalf("psboxtest.SignedRequest: %v", err)
	}
	return req
}

// Tolerance is how far a Standard Webhooks timestamp may be from now for
// Verify (the Standard Webhooks libraries' five minutes).
const Tolerance = 5 * time.Minute

// Verify checks a delivery's signature as a receiver should: for
// "standard-webhooks", webhook-id, webhook-timestamp (within Tolerance of
// now) and one matching "v1," signature in webhook-signature; for
// "hmac-sha256", "sha256=" + hex HMAC-SHA256 of the body in
// X-Psbox-Signature. It is written apart from psbox's signer, so a mistake
// in one is not repeated in the other.
func Verify(scheme, secret string, h http.Header, body []byte) error {
	switch scheme {
	case events.SignStandardWebhooks:
		key, err := events.DecodeStandardSecret(secret)
		if err != nil {
			return err
		}
		id, ts, sigs := h.Get("Webhook-Id"), h.Get("Webhook-Timestamp"), h.Get("Webhook-Signature")
		if id == "" || ts == "" || sigs == "" {
			return errors.New("no Standard Webhooks signature (webhook-id, webhook-timestamp, webhook-signature)")
		}
		sec, err := strconv.ParseInt(ts, 10, 64)
		if err != nil {
			return fmt.Errorf("webhook-timestamp %q is not a Unix time in seconds", ts)
		}
		if d := time.Since(time.Unix(sec, 0)); d > Tolerance || d < -Tolerance {
			return fmt.Errorf("webhook-timestamp is %s from now, more than %s", d.Round(time.Second), Tolerance)
		}
		mac := hmac.New(sha256.New, key)
		fmt.Fprintf(mac, "%s.%d.", id, sec)
		mac.Write(body)
		want := mac.Sum(nil)
		for _, s := range strings.Fields(sigs) {
			if b64, ok := strings.CutPrefix(s, "v1,"); ok {
				if got, err := base64.StdEncoding.DecodeString(b64); err == nil && hmac.Equal(got, want) {
					return nil
				}
			}
		}
		return errors.New("the signature does not match: wrong secret, or the body was changed")
	case events.SignHMACSHA256:
		if secret == "" {
			return errors.New("hmac-sha256 needs a secret")
		}
		got := h.Get(events.DefaultSignatureHeader)
		hexSig, ok := strings.CutPrefix(got, "sha256=")
		sig, err := hex.DecodeString(hexSig)
		if got == "" || !ok || err != nil {
			return fmt.Errorf("no %s: sha256=<hex> header", events.DefaultSignatureHeader)
		}
		mac := hmac.New(sha256.New, []byte(secret))
		mac.Write(body)
		if !hmac.Equal(sig, mac.Sum(nil)) {
			return errors.New("the signature does not match: wrong secret, or the body was changed")
		}
		return nil
	}
	return fmt.Errorf("unknown signing scheme %q; use standard-webhooks or hmac-sha256", scheme)
}
