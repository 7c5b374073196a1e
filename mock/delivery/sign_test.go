package delivery

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"
)

// verifyStandard is an independent Standard Webhooks verifier: it decodes
// the secret, recomputes HMAC-SHA256 over "id.timestamp.body" and compares it
// with each "v1," signature in the header.
func verifyStandard(secret string, h http.Header, body []byte) error {
	key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, "whsec_"))
	if err != nil {
		return err
	}
	id, ts := h.Get("webhook-id"), h.Get("webhook-timestamp")
	if id == "" || ts == "" {
		return errors.New("missing webhook-id or webhook-timestamp")
	}
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(id + "." + ts + "." + string(body)))
	want := mac.Sum(nil)
	for _, sig := range strings.Fields(h.Get("webhook-signature")) {
		v, b64, ok := strings.Cut(sig, ",")
		if !ok || v != "v1" {
			continue
		}
		got, err := base64.StdEncoding.DecodeString(b64)
		if err == nil && hmac.Equal(got, want) {
			return nil
		}
	}
	return errors.New("no matching v1 signature")
}

func TestStandardSignature_KnownAnswer(t *testing.T) {
	// The published Standard Webhooks test vector.
	key, err := DecodeStandardSecret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
	if err != nil {
		t.Fatal(err)
	}
	got := StandardSignature(key, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, []byte(`{"test": 2432232314}`))
	if want := "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="; got != want {
		t.Errorf("signature = %s, want %s", got, want)
	}
}

func TestSender_StandardWebhooksSignatureVerifies(t *testing.T) {
	const secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	type got struct {
		h    http.Header
		body []byte
	}
	ch := make(chan got, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		ch <- got{r.Header.Clone(), b}
	}))
	defer srv.Close()
	s := newTestSender(t, Options{Sign: SignStandardWebhooks, Secret: secret})
	r := s.Send(t.Context(), Delivery{ID: "dlv_sig", Event: "application_created", Target: srv.URL, Body: []byte(body)})
	if !r.OK {
		t.Fatalf("send: %+v", r)
	}
	g := <-ch
	if err := verifyStandard(secret, g.h, g.body); err != nil {
		t.Errorf("independent verifier: %v (headers %v)", err, g.h)
	}
	if g.h.Get("webhook-id") != "dlv_sig" {
		t.Errorf("webhook-id = %q, want the delivery id", g.h.Get("webhook-id"))
	}
	ts, _ := strconv.ParseInt(g.h.Get("webhook-timestamp"), 10, 64)
	if d := time.Since(time.Unix(ts, 0)); d < -time.Minute || d > time.Minute {
		t.Errorf("webhook-timestamp %d is not now", ts)
	}
	if err := verifyStandard(secret, g.h, append(g.body, ' ')); err == nil {
		t.Errorf("a changed body still verifies")
	}
}

func TestSender_HMACSignature(t *testing.T) {
	ch := make(chan http.Header, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { ch <- r.Header.Clone() }))
	defer srv.Close()
	s := newTestSender(t, Options{Sign: SignHMACSHA256, Secret: "s3cret", SignatureHeader: "x-signature"})
	if r := send(t, s, srv.URL); !r.OK {
		t.Fatalf("send: %+v", r)
	}
	mac := hmac.New(sha256.New, []byte("s3cret"))
	mac.Write([]byte(body))
	want := "sha256=" + hexString(mac.Sum(nil))
	if got := (<-ch).Get("X-Signature"); got != want {
		t.Errorf("X-Signature = %q, want %q", got, want)
	}
}

func hexString(b []byte) string {
	const digits = "0123456789abcdef"
	out := make([]byte, 0, 2*len(b))
	for _, c := range b {
		out = append(out, digits[c>>4], digits[c&15])
	}
	return string(out)
}
