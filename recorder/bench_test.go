package recorder

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"
)

// BenchmarkStore_Append measures durable appends: every exchange is written
// and fsynced by group commit before the clock stops.
func BenchmarkStore_Append(b *testing.B) {
	s, err := Open(b.TempDir(), Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	exs := make([]Exchange, 1024)
	for i := range exs {
		exs[i] = sampleExchange(i)
	}
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			if _, err := s.Append(exs[i%len(exs)]); err != nil {
				b.Error(err)
				return
			}
			i++
		}
	})
	if err := s.Flush(); err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "exchanges/s")
}

var loadDir string

// writeLog writes n realistic exchanges once per test binary.
func writeLog(b *testing.B, n int) string {
	if loadDir != "" {
		return loadDir
	}
	dir, err := os.MkdirTemp("", "psbox-bench-*")
	if err != nil {
		b.Fatal(err)
	}
	s, err := Open(dir, Options{MaxBatch: 4096})
	if err != nil {
		b.Fatal(err)
	}
	for i := range n {
		s.Append(sampleExchange(i))
	}
	if err := s.Close(); err != nil {
		b.Fatal(err)
	}
	loadDir = dir
	return dir
}

// BenchmarkStore_Load100k opens a log of 100,000 exchanges and reads the
// summary of every one (what the UI's history costs; the bar: under 1 s),
// reporting the heap kept afterwards.
func BenchmarkStore_Load100k(b *testing.B) {
	const n = 100_000
	dir := writeLog(b, n)
	b.Cleanup(func() { os.RemoveAll(loadDir); loadDir = "" })
	fi, _ := os.Stat(filepath.Join(dir, FileName))
	var keep []Summary
	b.ResetTimer()
	for range b.N {
		s, err := Open(dir, Options{ReadOnly: true})
		if err != nil {
			b.Fatal(err)
		}
		keep = keep[:0]
		s.EachSummary(Filter{}, 8192, func(batch []Summary) bool { keep = append(keep, batch...); return true })
		if len(keep) != n {
			b.Fatalf("loaded %d, want %d", len(keep), n)
		}
		s.Close()
	}
	b.StopTimer()
	var ms runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&ms)
	b.ReportMetric(float64(ms.HeapAlloc)/(1<<20), "MB-heap")
	b.ReportMetric(float64(fi.Size())/(1<<20), "MB-file")
	runtime.KeepAlive(keep)
}

// BenchmarkStore_Get100k finds one exchange from the middle of a log of
// 100,000 by its ID.
func BenchmarkStore_Get100k(b *testing.B) {
	dir := writeLog(b, 100_000)
	b.Cleanup(func() { os.RemoveAll(loadDir); loadDir = "" })
	s, err := Open(dir, Options{ReadOnly: true})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	var id string
	i := 0
	s.Scan(Filter{}, func(_ []byte, sm *Summary) error {
		if i++; i == 50_000 {
			id = sm.ID
		}
		return nil
	})
	b.ResetTimer()
	for range b.N {
		if _, ok := s.Get(id); !ok {
			b.Fatal("not found")
		}
	}
}

func BenchmarkStore_ListLimit50(b *testing.B) {
	dir := writeLog(b, 100_000)
	b.Cleanup(func() { os.RemoveAll(loadDir); loadDir = "" })
	s, err := Open(dir, Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	b.ResetTimer()
	for range b.N {
		if got := s.List(Filter{Failed: true, Limit: 50}); len(got) != 50 {
			b.Fatal(fmt.Sprint(len(got)))
		}
	}
}

// BenchmarkStore_ListAll100k reads every exchange of a 100,000 log back in
// full (what a caller without a Limit pays).
func BenchmarkStore_ListAll100k(b *testing.B) {
	dir := writeLog(b, 100_000)
	b.Cleanup(func() { os.RemoveAll(loadDir); loadDir = "" })
	s, err := Open(dir, Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	b.ResetTimer()
	for range b.N {
		if got := s.List(Filter{}); len(got) != 100_000 {
			b.Fatal(len(got))
		}
	}
}

// deliveryExchange is what psbox trigger records for one delivery: four
// request headers, one of them different every time, a repeated body and a
// receiver's short answer.
func deliveryExchange(i int) Exchange {
	id := fmt.Sprintf("dlv_%014d", i)
	return Exchange{
		Kind: KindDelivery, DeliveryID: id, Event: "application_created", Attempt: 1,
		Target: "http://127.0.0.1:37781/webhooks",
		Request: Request{
			Method: "POST", URL: "http://127.0.0.1:37781/webhooks",
			Headers: map[string][]string{
				"Content-Type":     {"application/json"},
				"User-Agent":       {"psbox/0.1.0-dev"},
				"X-Psbox-Delivery": {id},
				"X-Psbox-Event":    {"application_created"},
			},
			Body: sampleExchange(0).Request.Body,
		},
		Response: &Response{
			Status: 200,
			Headers: map[string][]string{
				"Content-Length": {"17"}, "Content-Type": {"application/json"},
				"Date": {"Fri, 27 Nov 2026 02:49:56 GMT"},
			},
			Body: Body(`{"received":true}`),
		},
		Start:    time.Date(2026, 11, 27, 2, 49, 56, 702945008, time.UTC).Add(time.Duration(i) * time.Microsecond),
		Duration: 304797,
	}
}

// BenchmarkEncodeDelivery measures the CPU Append spends on one delivery's
// line (redaction included), without the disk.
func BenchmarkEncodeDelivery(b *testing.B) {
	red := newRedactor(nil)
	exs := make([]Exchange, 64)
	for i := range exs {
		exs[i] = deliveryExchange(i)
		exs[i].ID = fmt.Sprintf("ex_%026d", i)
	}
	buf := make([]byte, 0, 4096)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		buf, _ = encodeRedacted(buf[:0], exs[i%len(exs)], red)
	}
}
