package mock

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
)

// The mock's bar: at least 80% of the requests per second of a bare
// net/http handler that answers the same bytes, over real loopback HTTP
// with keep-alive clients. Compare ns/op of the pairs in one run:
//
//	go test -run '^$' -bench 'Server_|Bare_' -benchtime 3s ./mock/
//
// A create is durable before its 200, so its cost is mostly the disk's
// fsync latency; concurrent creates share one write (group commit), which
// is why the clients=64 runs come closer to the bare handler.

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

// rotatingAPI serves each request with a Server whose store is renewed
// (a new state folder) every `every` creates. A sandbox holds dozens of
// webhooks, not b.N of them: without renewal the benchmark would measure
// rewriting an ever larger webhooks.json. Every create is still durable
// (temp file, fsync, rename, fsync of the folder) before its 200.
type rotatingAPI struct {
	b     *testing.B
	every int64
	n     atomic.Int64
	cur   atomic.Pointer[Server]
}

func (ra *rotatingAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if ra.n.Add(1)%ra.every == 0 {
		st, err := OpenStore(ra.b.TempDir())
		if err != nil {
			panic(err)
		}
		ra.cur.Store(NewServer(st, Options{PublicKey: testPublic, SecretKey: testSecret, Version: "9.9.9-test"}))
	}
	ra.cur.Load().ServeHTTP(w, r)
}

func BenchmarkServer_Create(b *testing.B) {
	ra := &rotatingAPI{b: b, every: 100}
	ra.cur.Store(newTestAPI(b).srv)
	ts := httptest.NewServer(ra)
	b.Cleanup(ts.Close)
	forClients(b, func(b *testing.B, n int) { benchLoop(b, n, ts.URL+"/api/v2/webhooks", "POST", benchBody) })
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
