package delivery

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
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
	sendParallel(b, s, srv.URL)
}

// sendParallel sends deliveries from 8 goroutines per CPU until b is done.
func sendParallel(b *testing.B, s *Sender, target string) {
	b.SetParallelism(8)
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if r := s.Send(b.Context(), Delivery{Event: "application_created", Target: target, Body: benchPayload}); !r.OK {
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
	sendParallel(b, s, srv.URL)
	if err := store.Flush(); err != nil {
		b.Fatal(err)
	}
}

// cannedRT answers every request at once from memory, as a receiver on
// loopback would (status, headers, a short body): with it the two
// benchmarks below measure the sender's and the recorder's own CPU per
// delivery, free of network and receiver noise.
type cannedRT struct{}

func (cannedRT) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Body != nil {
		io.Copy(io.Discard, req.Body)
		req.Body.Close()
	}
	const body = `{"received":true}`
	return &http.Response{
		StatusCode:    200,
		Header:        http.Header{"Content-Type": {"application/json"}, "Content-Length": {"17"}, "Date": {"Fri, 27 Nov 2026 03:13:00 GMT"}},
		Body:          io.NopCloser(strings.NewReader(body)),
		ContentLength: int64(len(body)),
		Request:       req,
	}, nil
}

func benchInMemory(b *testing.B, record bool) {
	var wrap func(http.RoundTripper) http.RoundTripper
	if record {
		store, err := recorder.Open(b.TempDir(), recorder.Options{AppendOnly: true})
		if err != nil {
			b.Fatal(err)
		}
		defer func() {
			if err := store.Close(); err != nil {
				b.Fatal(err)
			}
		}()
		wrap = func(http.RoundTripper) http.RoundTripper { return httprec.Transport(cannedRT{}, store) }
	} else {
		wrap = func(http.RoundTripper) http.RoundTripper { return cannedRT{} }
	}
	s, err := New(Options{Concurrency: 16, Wrap: wrap})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	b.ReportAllocs()
	for b.Loop() {
		if r := s.Send(b.Context(), Delivery{Event: "application_created", Target: "http://127.0.0.1:9/webhooks", Body: benchPayload}); !r.OK {
			b.Fatal(r.Err)
		}
	}
}

// BenchmarkInMemory_Plain and BenchmarkInMemory_Recorded: the difference
// is what recording costs a delivery in CPU (transport, encoding, log).
func BenchmarkInMemory_Plain(b *testing.B)    { benchInMemory(b, false) }
func BenchmarkInMemory_Recorded(b *testing.B) { benchInMemory(b, true) }
