package receiver

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/psbox-dev/psbox/fixtures"
	"github.com/psbox-dev/psbox/mock/delivery"
)

// benchBody is an application_created payload of the usual size, with a
// key that differs per delivery so every one is acted on.
func benchBody(i int) []byte {
	return fmt.Appendf(nil, `{"event":"application_created","created_at":1700000000000,"data":{"key":"app_%08d","email":"ada@example.com","first_name":"Ada","last_name":"Lovelace","company":"Analytical Engines","website":"https://example.com","status":"pending","form_data":{"country":"GB","phone":"+44 20 7946 0000","audience":"developers"},"group":{"key":"grp_default","name":"Default"},"created_at":1700000000000,"updated_at":1700000000000}}`, i)
}

// BenchmarkServeQuiet is one delivery through the handler with --quiet, the
// cost psbox receive adds over reading the body and answering (compare
// BenchmarkBareSink).
func BenchmarkServeQuiet(b *testing.B) {
	rc := New(io.Discard, Options{Quiet: true})
	benchServe(b, rc)
}

// BenchmarkBareSink reads the body and answers 200, like bench/receiver.
func BenchmarkBareSink(b *testing.B) {
	benchServe(b, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"received":true}`))
	}))
}

func benchServe(b *testing.B, h http.Handler) {
	bodies := make([][]byte, 1024)
	for i := range bodies {
		bodies[i] = benchBody(i)
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		r := httptest.NewRequest(http.MethodPost, "/webhooks", bytes.NewReader(bodies[i%len(bodies)]))
		r.Header.Set(delivery.HeaderEvent, "application_created")
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code != http.StatusOK {
			b.Fatalf("answered %d: %s", w.Code, w.Body)
		}
		i++
	}
}

// BenchmarkEntity: the one reading of each body, by the receiver's
// scanner and by encoding/json (fixtures.ParseEntity), on the payload
// psbox sends most.
func BenchmarkEntity(b *testing.B) {
	body, err := fixtures.Build("application_created", 1)
	if err != nil {
		b.Fatal(err)
	}
	for _, c := range []struct {
		name  string
		parse func([]byte) (fixtures.Entity, bool)
	}{{"scan", entityOf}, {"encoding-json", fixtures.ParseEntity}} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(body)))
			for b.Loop() {
				if e, ok := c.parse(body); !ok || e.Key == "" {
					b.Fatalf("%+v %v", e, ok)
				}
			}
		})
	}
}
