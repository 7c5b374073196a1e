package psboxtest

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/psbox-dev/psbox/fixtures"
	"github.com/psbox-dev/psbox/mock/delivery"
	"github.com/psbox-dev/psbox/receiver"
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
	dc := delivery.Config{Sign: scheme, Secret: secret}
	s, err := dc.NewSender(delivery.Options{UserAgent: userAgent})
	if err != nil {
		t.Fatalf("psboxtest.SignedRequest: %v", err)
	}
	defer s.Close()
	req, err := s.Request(context.Background(), delivery.Delivery{Event: event, Target: "http://127.0.0.1/webhooks", Body: body})
	if err != nil {
		t.Fatalf("psboxtest.SignedRequest: %v", err)
	}
	return req
}

// Tolerance is how far a Standard Webhooks timestamp may be from now for
// Verify (the Standard Webhooks libraries' five minutes).
const Tolerance = receiver.DefaultTolerance

// Verify checks a delivery's signature as a receiver should: for
// "standard-webhooks", webhook-id, webhook-timestamp (within Tolerance of
// now) and one matching "v1," signature in webhook-signature; for
// "hmac-sha256", "sha256=" + hex HMAC-SHA256 of the body in
// X-Psbox-Signature. It is the verification of psbox receive --verify
// (receiver.Verify).
func Verify(scheme, secret string, h http.Header, body []byte) error {
	return receiver.Verify(scheme, secret, h, body, time.Now())
}
