package psboxtest_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/psbox-dev/psbox/psboxtest"
)

// In these examples test(func(t testing.TB) {...}) stands for a test
// function: in your own tests use its t.

// ack is a receiver that acknowledges every delivery.
var ack = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	io.WriteString(w, `{"ok":true}`)
})

func ExampleStart() {
	test(func(t testing.TB) {
		receiver := httptest.NewServer(ack)
		defer receiver.Close()

		sb := psboxtest.Start(t) // closed by t.Cleanup
		sb.Subscribe(t, receiver.URL, "application_created")
		d := sb.Fire(t, "application_created")[0]
		fmt.Println(d.Event, d.Status, string(d.Answer))
	})
	// Output: application_created 200 {"ok":true}
}

func ExampleWithSigning() {
	test(func(t testing.TB) {
		const secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
		receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			body, _ := io.ReadAll(r.Body)
			if err := psboxtest.Verify("standard-webhooks", secret, r.Header, body); err != nil {
				http.Error(w, err.Error(), http.StatusUnauthorized)
			}
		}))
		defer receiver.Close()

		sb := psboxtest.Start(t, psboxtest.WithSigning("standard-webhooks", secret), psboxtest.WithTarget(receiver.URL))
		fmt.Println(sb.Fire(t, "partnership_created")[0].Status)
	})
	// Output: 200
}

func ExampleWithHeader() {
	test(func(t testing.TB) {
		receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			fmt.Println("X-Api-Key:", r.Header.Get("X-Api-Key"))
		}))
		defer receiver.Close()

		sb := psboxtest.Start(t, psboxtest.WithHeader("X-Api-Key", "k_test"), psboxtest.WithTarget(receiver.URL))
		sb.Fire(t, "customer_created")
	})
	// Output: X-Api-Key: k_test
}

func ExampleWithSeed() {
	test(func(t testing.TB) {
		receiver := httptest.NewServer(ack)
		defer receiver.Close()

		a := psboxtest.Start(t, psboxtest.WithSeed(7), psboxtest.WithTarget(receiver.URL))
		b := psboxtest.Start(t, psboxtest.WithSeed(7), psboxtest.WithTarget(receiver.URL))
		fmt.Println(string(a.Fire(t, "application_created")[0].Body) == string(b.Fire(t, "application_created")[0].Body))
	})
	// Output: true
}

func ExampleWithTarget() {
	test(func(t testing.TB) {
		receiver := httptest.NewServer(ack)
		defer receiver.Close()

		// No subscription: events go to the target.
		sb := psboxtest.Start(t, psboxtest.WithTarget(receiver.URL))
		d := sb.Fire(t, "deal.created")[0]
		fmt.Println(d.Target == receiver.URL, d.Status)
	})
	// Output: true 200
}

func ExampleSandbox_URL() {
	test(func(t testing.TB) {
		sb := psboxtest.Start(t)
		resp, err := http.Get(sb.URL() + "/_psbox/health") // no auth needed
		if err != nil {
			t.Fatalf("%v", err)
		}
		resp.Body.Close()
		fmt.Println(resp.StatusCode)
	})
	// Output: 200
}

func ExampleSandbox_PublicKey() {
	test(func(t testing.TB) {
		sb := psboxtest.Start(t)
		req, _ := http.NewRequest("GET", sb.URL()+"/api/v2/webhooks", nil)
		req.SetBasicAuth(sb.PublicKey(), sb.SecretKey()) // as PartnerStack's API takes them
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatalf("%v", err)
		}
		resp.Body.Close()
		fmt.Println(resp.StatusCode)
	})
	// Output: 200
}

func ExampleSandbox_SecretKey() {
	test(func(t testing.TB) {
		sb := psboxtest.Start(t)
		req, _ := http.NewRequest("GET", sb.URL()+"/api/v2/webhooks", nil)
		req.Header.Set("Authorization", "Bearer "+sb.SecretKey())
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatalf("%v", err)
		}
		resp.Body.Close()
		fmt.Println(resp.StatusCode)
	})
	// Output: 200
}

func ExampleSandbox_Client() {
	test(func(t testing.TB) {
		sb := psboxtest.Start(t)
		// The code under test creates its webhook through the API.
		resp, err := sb.Client().Post(sb.URL()+"/api/v2/webhooks", "application/json",
			strings.NewReader(`{"target": "http://127.0.0.1:3000/webhooks", "events": ["application_created"]}`))
		if err != nil {
			t.Fatalf("%v", err)
		}
		resp.Body.Close()
		fmt.Println(resp.StatusCode)
	})
	// Output: 200
}

func ExampleSandbox_Subscribe() {
	test(func(t testing.TB) {
		sb := psboxtest.Start(t)
		key := sb.Subscribe(t, "http://127.0.0.1:3000/webhooks", "application_created", "application_approved")
		fmt.Println(strings.HasPrefix(key, "whook_"))
	})
	// Output: true
}

func ExampleSandbox_Fire() {
	test(func(t testing.TB) {
		receiver := httptest.NewServer(ack)
		defer receiver.Close()

		sb := psboxtest.Start(t, psboxtest.WithTarget(receiver.URL))
		d := sb.Fire(t, "application_created", "content.email=jane@example.com", "-decline_reason")[0]
		fmt.Println(d.Status, strings.Contains(string(d.Body), `"email":"jane@example.com"`), strings.Contains(string(d.Body), "decline_reason"))
	})
	// Output: 200 true false
}

func ExampleSandbox_Deliveries() {
	test(func(t testing.TB) {
		receiver := httptest.NewServer(ack)
		defer receiver.Close()

		sb := psboxtest.Start(t, psboxtest.WithTarget(receiver.URL))
		sb.Fire(t, "application_created")
		sb.Fire(t, "application_approved")
		for _, d := range sb.Deliveries() {
			fmt.Println(d.Event, d.Status)
		}
	})
	// Output:
	// application_created 200
	// application_approved 200
}

func ExampleSandbox_WaitFor() {
	test(func(t testing.TB) {
		receiver := httptest.NewServer(ack)
		defer receiver.Close()

		sb := psboxtest.Start(t, psboxtest.WithTarget(receiver.URL))
		go func() {
			// The code under test fires through the HTTP API, as a test suite in any language can.
			resp, err := sb.Client().Post(sb.URL()+"/_psbox/events", "application/json", strings.NewReader(`{"event": "deal.created"}`))
			if err == nil {
				resp.Body.Close()
			}
		}()
		d := sb.WaitFor(t, func(d psboxtest.Delivery) bool { return d.Event == "deal.created" }, 5*time.Second)
		fmt.Println(d.Event, d.Status)
	})
	// Output: deal.created 200
}

// RunCases needs the test's *testing.T (each case is a t.Run subtest), so
// this example is compiled, not run.
func ExampleRunCases() {
	var t *testing.T // your test's t: func TestContract(t *testing.T) { ... }
	srv := httptest.NewServer(ack)
	defer srv.Close()
	psboxtest.RunCases(t, srv.URL, "testdata/cases") // a case file or a folder of them
}

// Compiled, not run, for the reason ExampleRunCases gives.
func ExampleRunCasesHandler() {
	var t *testing.T // your test's t
	psboxtest.RunCasesHandler(t, ack, "testdata/cases.json")
}

func ExampleSignedRequest() {
	test(func(t testing.TB) {
		const secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
		handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			body, _ := io.ReadAll(r.Body)
			if err := psboxtest.Verify("standard-webhooks", secret, r.Header, body); err != nil {
				http.Error(w, err.Error(), http.StatusUnauthorized)
				return
			}
			w.WriteHeader(http.StatusNoContent)
		})
		rr := httptest.NewRecorder()
		handler.ServeHTTP(rr, psboxtest.SignedRequest(t, "application_approved", "standard-webhooks", secret, "content.first_name=Ada"))
		fmt.Println(rr.Code)
	})
	// Output: 204
}

func ExampleVerify() {
	test(func(t testing.TB) {
		req := psboxtest.SignedRequest(t, "application_created", "hmac-sha256", "s3cret")
		body, _ := io.ReadAll(req.Body)
		fmt.Println(psboxtest.Verify("hmac-sha256", "s3cret", req.Header, body))
		fmt.Println(psboxtest.Verify("hmac-sha256", "guess", req.Header, body))
	})
	// Output:
	// <nil>
	// the signature does not match: wrong secret, or the body was changed
}
