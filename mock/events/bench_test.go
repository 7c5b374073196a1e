package events

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/psbox-dev/psbox/recorder"
	"github.com/psbox-dev/psbox/recorder/httprec"
)

// benchPayload is about the size of a built application_created payload.
var benchPayload = bytes.Repeat([]byte(`{"key":"appl_8WePUs6tWFsW4h","email":"jane@example.com"},`), 14)

func benchServer(b *testing.B) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"received":true}`))
	}))
	b.Cleanup(srv.Close)
	return srv
}

// BenchmarkSend is the sender's cost per delivery against a loopback
// receiver; compare with BenchmarkBareClient.
func BenchmarkSend(b *testing.B) {
	srv := benchServer(b)
	s, err := New(Options{Concurrency: 16})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	b.SetParallelism(8)
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if r := s.Send(b.Context(), Delivery{Event: "application_created", Target: srv.URL, Body: benchPayload}); !r.OK {
				b.Error(r.Err)
			}
		}
	})
}

// BenchmarkBareClient is a bare net/http client posting the same payload.
func BenchmarkBareClient(b *testing.B) {
	srv := benchServer(b)
	c := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 16}}
	b.SetParallelism(8)
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			req, _ := http.NewRequest(http.MethodPost, srv.URL, bytes.NewReader(benchPayload))
			req.Header.Set("Content-Type", "application/json")
			resp, err := c.Do(req)
			if err != nil {
				b.Error(err)
				continue
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
	})
}

// BenchmarkSend_Recorded is BenchmarkSend with recording on: the recording
// transport and a real Store (group commit with fsync) in a temporary
// folder, as psbox trigger runs by default.
func BenchmarkSend_Recorded(b *testing.B) {
	srv := benchServer(b)
	store, err := recorder.Open(b.TempDir(), recorder.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer store.Close()
	s, err := New(Options{Concurrency: 16, Wrap: func(rt http.RoundTripper) http.RoundTripper { return httprec.Transport(rt, store) }})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	b.SetParallelism(8)
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if r := s.Send(b.Context(), Delivery{Event: "application_created", Target: srv.URL, Body: benchPayload}); !r.OK {
				b.Error(r.Err)
			}
		}
	})
	if err := store.Flush(); err != nil {
		b.Fatal(err)
	}
}
