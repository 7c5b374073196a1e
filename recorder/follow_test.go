package recorder

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// drain reads every summary the follower has now.
func drain(t testing.TB, fl *Follower) []Summary {
	t.Helper()
	out, err := fl.Summaries(nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestFollower_SeesWhatTwoStoresAppendInLogOrder(t *testing.T) {
	dir := t.TempDir()
	a := openT(t, dir, Options{FlushInterval: 5 * time.Millisecond})
	b := openT(t, dir, Options{AppendOnly: true, FlushInterval: 5 * time.Millisecond})
	fl, err := Follow(dir, false, t.Logf)
	if err != nil {
		t.Fatal(err)
	}
	defer fl.Close()
	if got := drain(t, fl); len(got) != 0 {
		t.Fatalf("empty log gave %d summaries", len(got))
	}
	var wg sync.WaitGroup
	for w, s := range []*Store{a, b} {
		wg.Go(func() {
			for i := range 500 {
				ex := sampleExchange(w*1000 + i)
				if _, err := s.Append(ex); err != nil {
					t.Error(err)
				}
			}
			s.Flush()
		})
	}
	var seen []Summary
	deadline := time.Now().Add(10 * time.Second)
	for len(seen) < 1000 && time.Now().Before(deadline) {
		seen = append(seen, drain(t, fl)...)
		time.Sleep(time.Millisecond)
	}
	wg.Wait()
	seen = append(seen, drain(t, fl)...)
	if len(seen) != 1000 {
		t.Fatalf("followed %d exchanges, want 1000", len(seen))
	}
	// In log order: as a fresh reading of the file gives them, once each.
	var want []string
	a.Scan(Filter{}, func(_ []byte, sm *Summary) error { want = append(want, sm.ID); return nil })
	for i, s := range seen {
		if s.ID != want[i] {
			t.Fatalf("summary %d is %s, the log has %s there", i, s.ID, want[i])
		}
	}
}

func TestFollower_WaitsForTheEndOfALine(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, FileName)
	line := appendLine(nil, withID(1))
	line2 := appendLine(nil, withID(2))
	if err := os.WriteFile(path, line[:40], 0o600); err != nil {
		t.Fatal(err)
	}
	fl, err := Follow(dir, false, t.Logf)
	if err != nil {
		t.Fatal(err)
	}
	defer fl.Close()
	if got := drain(t, fl); len(got) != 0 {
		t.Fatalf("a line without its end gave %d summaries", len(got))
	}
	f, _ := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	f.Write(line[40:])
	f.Write(line2[:10])
	got := drain(t, fl)
	if len(got) != 1 || got[0].DeliveryID != "dlv_000001" {
		t.Fatalf("got %+v", got)
	}
	f.Write(line2[10:])
	f.Close()
	got = drain(t, fl)
	if len(got) != 1 || got[0].DeliveryID != "dlv_000002" {
		t.Fatalf("second line: %+v", got)
	}
}

func TestFollower_MaxHandsOutTheRestNextTime(t *testing.T) {
	dir := t.TempDir()
	s := openT(t, dir, Options{})
	for i := range 10 {
		s.Append(sampleExchange(i))
	}
	s.Flush()
	fl, _ := Follow(dir, false, t.Logf)
	defer fl.Close()
	var all []Summary
	for range 5 {
		var err error
		before := len(all)
		all, err = fl.Summaries(all, 3)
		if err != nil {
			t.Fatal(err)
		}
		if n := len(all) - before; n > 3 {
			t.Fatalf("max 3 gave %d", n)
		}
	}
	if len(all) != 10 {
		t.Fatalf("got %d of 10", len(all))
	}
	for i, sm := range all {
		if want := fmt.Sprintf("dlv_%06d", i); sm.DeliveryID != want {
			t.Fatalf("row %d is %s, want %s", i, sm.DeliveryID, want)
		}
	}
}

func TestFollower_FromTheEndAcrossRotationAndRewrite(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, FileName)
	s := openT(t, dir, Options{})
	s.Append(sampleExchange(1))
	s.Flush()
	fl, _ := Follow(dir, true, t.Logf)
	defer fl.Close()
	if got := drain(t, fl); len(got) != 0 {
		t.Fatalf("following from the end showed %d old records", len(got))
	}
	s.Append(sampleExchange(2))
	s.Close()
	// Rotated: the live file becomes a segment and a new one starts.
	if err := os.Rename(path, filepath.Join(dir, segmentName(1))); err != nil {
		t.Fatal(err)
	}
	s2 := openT(t, dir, Options{})
	s2.Append(sampleExchange(3))
	s2.Flush()
	got := drain(t, fl)
	if len(got) != 2 || got[0].DeliveryID != "dlv_000002" || got[1].DeliveryID != "dlv_000003" {
		t.Fatalf("across the rotation: %+v", got)
	}
	if fl.Reset() {
		t.Error("a rotation is not a reset")
	}
	// From the start, a new follower reads the segment, then the live file.
	fl2, _ := Follow(dir, false, t.Logf)
	defer fl2.Close()
	if got := drain(t, fl2); len(got) != 3 || got[0].DeliveryID != "dlv_000001" || got[2].DeliveryID != "dlv_000003" {
		t.Fatalf("segments then live: %+v", got)
	}
	// Rewritten (as a prune does): read again from the start, and say so.
	s2.Close()
	keep := appendLine(nil, withID(9))
	if err := os.WriteFile(path+".tmp", keep, 0o600); err != nil {
		t.Fatal(err)
	}
	os.Remove(filepath.Join(dir, segmentName(1)))
	if err := os.Rename(path+".tmp", path); err != nil {
		t.Fatal(err)
	}
	got = drain(t, fl)
	if len(got) != 1 || got[0].DeliveryID != "dlv_000009" || !fl.Reset() {
		t.Fatalf("after the rewrite: %+v", got)
	}
	// Cut in place: the same.
	if err := os.WriteFile(path, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	s3 := openT(t, dir, Options{})
	s3.Append(Exchange{Kind: KindAPI, DeliveryID: "dlv_000004", Request: Request{Method: "GET"}})
	s3.Flush()
	got = drain(t, fl)
	if len(got) != 1 || got[0].DeliveryID != "dlv_000004" || !fl.Reset() {
		t.Fatalf("after the cut: %+v", got)
	}
}

func TestFollower_MissingFileAndBadLines(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, FileName)
	var warn logSink
	fl, err := Follow(dir, false, warn.logf)
	if err != nil {
		t.Fatal(err)
	}
	defer fl.Close()
	if got := drain(t, fl); len(got) != 0 {
		t.Fatal("a missing log gave records")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if err := fl.Wait(ctx, 5*time.Millisecond); err == nil {
		t.Fatal("Wait returned with nothing there")
	}
	data := append([]byte("not json\n"), appendLine(nil, withID(7))...)
	os.WriteFile(path, data, 0o600)
	if err := fl.Wait(context.Background(), 5*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	got := drain(t, fl)
	if len(got) != 1 || got[0].DeliveryID != "dlv_000007" {
		t.Fatalf("got %+v", got)
	}
	if w := warn.all(); len(w) != 1 {
		t.Fatalf("warnings %q, want one for the bad line", w)
	}
	var lines []string
	fl2, _ := Follow(dir, false, nil)
	defer fl2.Close()
	fl2.Records(0, func(line []byte, sm *Summary) {
		if sm.DeliveryID == "dlv_000007" {
			lines = append(lines, string(line)+"\n")
		}
	})
	if want := string(appendLine(nil, withID(7))); len(lines) != 1 || lines[0] != want {
		t.Fatalf("Records gave %q, want the line as written %q", lines, want)
	}
}

func TestSummary_APICallsCarryTheirMethod(t *testing.T) {
	dir := t.TempDir()
	s := openT(t, dir, Options{})
	s.Append(Exchange{Kind: KindAPI, Target: "http://127.0.0.1:8484/api/v2/webhooks", Request: Request{Method: "DELETE", URL: "http://127.0.0.1:8484/api/v2/webhooks/x"}, Response: &Response{Status: 401}})
	s.Flush()
	fl, _ := Follow(dir, false, nil)
	defer fl.Close()
	got := drain(t, fl)
	if len(got) != 1 || got[0].Method != "DELETE" || got[0].Status != 401 || got[0].Kind != KindAPI || !got[0].Failed() {
		t.Fatalf("got %+v", got)
	}
}

func ptr[T any](v T) *T { return &v }

// withID is sampleExchange(i) with the ID a Store would give it.
func withID(i int) *Exchange {
	ex := sampleExchange(i)
	ex.ID = fmt.Sprintf("ex_%026d", i)
	return &ex
}

// BenchmarkFollower_Summaries is the cost of following per appended
// exchange: each iteration appends one realistic line to the file and the
// follower reads its summary. Reported as CPU per exchange; at 10,000
// exchanges a second, following costs 10,000 times that per second.
func BenchmarkFollower_Summaries(b *testing.B) {
	dir := b.TempDir()
	path := filepath.Join(dir, FileName)
	line := appendLine(nil, withID(1))
	f, err := os.OpenFile(path, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	fl, _ := Follow(dir, false, nil)
	defer fl.Close()
	// 10,000 a second in 100 ms polls: batches of 1,000 lines.
	const batch = 1000
	chunk := make([]byte, 0, batch*len(line))
	for range batch {
		chunk = append(chunk, line...)
	}
	var dst []Summary
	b.SetBytes(int64(len(line)))
	b.ResetTimer()
	for done := 0; done < b.N; done += batch {
		n := min(batch, b.N-done)
		b.StopTimer() // the appending is the writers' cost, not the follower's
		f.Write(chunk[:n*len(line)])
		b.StartTimer()
		dst, err = fl.Summaries(dst[:0], 0)
		if err != nil || len(dst) != n {
			b.Fatalf("read %d of %d: %v", len(dst), n, err)
		}
	}
	b.StopTimer()
	perEx := b.Elapsed().Seconds() / float64(b.N)
	b.ReportMetric(perEx*10_000*100, "%core@10k/s")
}
