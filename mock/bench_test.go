package mock

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strconv"
	"strings"
	"testing"
)

// The mock's bar: at least 80% of the requests per second of a bare
// net/http handler that answers the same bytes, over real loopback HTTP
// with keep-alive clients. Compare ns/op of the pairs in one run:
//
//	go test -run '^$' -bench 'Server_|Bare_' -benchtime 3s ./mock/
//
// A create is answered once its line is in webhooks.journal (one write to
// the page cache, no fsync on the request's path); the journal is fsynced
// in the background, many creates sharing one fsync (group commit), and
// compacted into webhooks.json when the store is closed.

const benchBody = `{"target":"https://example.com/webhooks","events":["application_created","customer.created"]}`

func benchClient(b *testing.B) *http.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = 256
	b.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr}
}

// benchClients are the client concurrencies each benchmark runs at.
var benchClients = []int{8, 64}

// benchLoop sends requests from `clients` parallel keep-alive clients and
// fails on any answer other than 200.
func benchLoop(b *testing.B, clients int, url, method, body string) {
	client := benchClient(b)
	b.SetParallelism(max(1, clients/runtime.GOMAXPROCS(0)))
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			var rd io.Reader
			if body != "" {
				rd = strings.NewReader(body)
			}
			req, _ := http.NewRequest(method, url, rd)
			req.SetBasicAuth(testPublic, testSecret)
			if body != "" {
				req.Header.Set("Content-Type", "application/json")
			}
			resp, err := client.Do(req)
			if err != nil {
				b.Error(err)
				return
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 {
				b.Errorf("status %d", resp.StatusCode)
				return
			}
		}
	})
}

func forClients(b *testing.B, f func(b *testing.B, clients int)) {
	for _, n := range benchClients {
		b.Run("clients="+strconv.Itoa(n), func(b *testing.B) { f(b, n) })
	}
}

// fixedAnswer captures what the real server answers, so the bare handler
// can send the very same bytes.
func fixedAnswer(b *testing.B, a *testAPI, method, path, body string) (http.Header, []byte) {
	rr := a.sendRequest(b, method, path, body)
	if rr.Code != 200 {
		b.Fatalf("%s %s: %d %s", method, path, rr.Code, rr.Body)
	}
	return rr.Header(), rr.Body.Bytes()
}

func bareServer(b *testing.B, hdr http.Header, payload []byte, readBody bool) *httptest.Server {
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if readBody {
			io.Copy(io.Discard, r.Body)
		}
		for k, v := range hdr {
			w.Header()[k] = v
		}
		w.WriteHeader(200)
		w.Write(payload)
	}))
	b.Cleanup(ts.Close)
	return ts
}

func seedWebhooks(b *testing.B, a *testAPI, n int) {
	for range n {
		if _, err := a.store.Create("https://example.com/webhooks", []string{"application_created", "customer.created"}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkServer_List(b *testing.B) {
	a := newTestAPI(b)
	seedWebhooks(b, a, 50)
	ts := httptest.NewServer(a.srv)
	b.Cleanup(ts.Close)
	forClients(b, func(b *testing.B, n int) { benchLoop(b, n, ts.URL+"/api/v2/webhooks?limit=10", "GET", "") })
}

func BenchmarkBare_List(b *testing.B) {
	a := newTestAPI(b)
	seedWebhooks(b, a, 50)
	hdr, payload := fixedAnswer(b, a, "GET", "/api/v2/webhooks?limit=10", "")
	ts := bareServer(b, hdr, payload, false)
	forClients(b, func(b *testing.B, n int) { benchLoop(b, n, ts.URL+"/api/v2/webhooks?limit=10", "GET", "") })
}

// BenchmarkServer_Create starts each run on an empty store in a fresh
// folder, as the bare handler starts with no state: a run of b.N creates
// ends with b.N webhooks (tens of thousands, far more than any real
// account). The snapshot is only written by Close, after the timer.
func BenchmarkServer_Create(b *testing.B) {
	forClients(b, func(b *testing.B, n int) {
		a := newTestAPI(b)
		ts := httptest.NewServer(a.srv)
		b.Cleanup(ts.Close)
		fsyncs, writes := a.store.fsyncs(), a.store.writes.Load()
		benchLoop(b, n, ts.URL+"/api/v2/webhooks", "POST", benchBody)
		b.ReportMetric(float64(a.store.fsyncs()-fsyncs)/float64(b.N), "fsyncs/op")
		b.ReportMetric(float64(a.store.writes.Load()-writes)/float64(b.N), "writes/op")
	})
}

func BenchmarkBare_Create(b *testing.B) {
	a := newTestAPI(b)
	hdr, payload := fixedAnswer(b, a, "POST", "/api/v2/webhooks", benchBody)
	if !bytes.Contains(payload, []byte("Webhook created")) {
		b.Fatalf("unexpected create answer %s", payload)
	}
	ts := bareServer(b, hdr, payload, true)
	forClients(b, func(b *testing.B, n int) { benchLoop(b, n, ts.URL+"/api/v2/webhooks", "POST", benchBody) })
}

// BenchmarkStoreOnly_Create is a diagnostic, not a bar: the bare handler
// plus Store.Create with fixed fields, so the store's share of a create's
// cost shows apart from the handler's decoding, validation and encoding.
func BenchmarkStoreOnly_Create(b *testing.B) {
	a := newTestAPI(b)
	hdr, payload := fixedAnswer(b, a, "POST", "/api/v2/webhooks", benchBody)
	events := []string{"application_created", "customer.created"}
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		if _, err := a.store.Create("https://example.com/webhooks", events); err != nil {
			http.Error(w, err.Error(), 500)
			return
		}
		for k, v := range hdr {
			w.Header()[k] = v
		}
		w.WriteHeader(200)
		w.Write(payload)
	}))
	b.Cleanup(ts.Close)
	forClients(b, func(b *testing.B, n int) { benchLoop(b, n, ts.URL+"/api/v2/webhooks", "POST", benchBody) })
}

// BenchmarkHandler_Create is a diagnostic, not a bar: the handler alone
// (auth, routing, decoding, validation, store, journal write, answer) on
// in-memory requests, one at a time, so ns/op is its CPU per create.
func BenchmarkHandler_Create(b *testing.B) {
	a := newTestAPI(b)
	hdr := http.Header{"Content-Type": {"application/json"}}
	b.ReportAllocs()
	for b.Loop() {
		r := httptest.NewRequest("POST", "/api/v2/webhooks", strings.NewReader(benchBody))
		r.Header = hdr.Clone()
		r.SetBasicAuth(testPublic, testSecret)
		rr := httptest.NewRecorder()
		a.srv.ServeHTTP(rr, r)
		if rr.Code != 200 {
			b.Fatalf("status %d: %s", rr.Code, rr.Body)
		}
	}
}
