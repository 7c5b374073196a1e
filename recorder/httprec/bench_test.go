package httprec

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
)

// benchTransport posts a PartnerStack-sized payload to a minimal loopback
// receiver, 8 requests in flight, through rt (wrapped by wrap when set).
func benchTransport(b *testing.B, wrap func(http.RoundTripper) http.RoundTripper) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"ok":true}`))
	}))
	defer srv.Close()
	base := &http.Transport{MaxIdleConnsPerHost: 16}
	defer base.CloseIdleConnections()
	var rt http.RoundTripper = base
	if wrap != nil {
		rt = wrap(base)
	}
	client := &http.Client{Transport: rt}
	payload := bytes.Repeat([]byte(`{"key":"appl_8WePUs6tWFsW4h","x":1},`), 20)
	b.SetParallelism(4) // 4 x GOMAXPROCS(2) = 8 in flight
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			resp, err := client.Post(srv.URL, "application/json", bytes.NewReader(payload))
			if err != nil {
				b.Error(err)
				return
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
	})
}

func BenchmarkTransport_Bare(b *testing.B) { benchTransport(b, nil) }

func BenchmarkTransport_Recorded(b *testing.B) {
	store := openStore(b)
	benchTransport(b, func(rt http.RoundTripper) http.RoundTripper { return Transport(rt, store) })
	if err := store.Flush(); err != nil {
		b.Fatal(err)
	}
	if store.Len() < b.N {
		b.Fatalf("recorded %d of %d", store.Len(), b.N)
	}
}
