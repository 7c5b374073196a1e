package recorder

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/psbox-dev/psbox/internal/appendlog"
)

// sampleExchange is a realistic delivery attempt: a PartnerStack-sized JSON
// payload, the usual headers and a short answer.
func sampleExchange(i int) Exchange {
	body := fmt.Sprintf(`{"group_name":"Top Sellers","created_at":1666891191802,"email":"","group_slug":"topsellers","updated_at":1666891191802,"archived":false,"partnership_key":"part_mGXzJol7h633Ft","content":{"first_name":"John","last_name":"Smith","email":"john%d@example.com","business_name":"Team John Smith"},"group":{"key":"grup_yHXm98PlYOKhhK","name":"Top Sellers","slug":"topsellers"},"key":"appl_%08d","decline_reason":"","last_name":"","mold_key":"mold_FQtNofBlctKiMx","partner_key":"johnsmith354","first_name":"","approved":null,"event":"application_created","meta":{}}`, i, i)
	ev := []string{"application_created", "application_approved", "customer_created"}[i%3]
	status := 200
	if i%10 == 0 {
		status = 500
	}
	return Exchange{
		Kind:       KindDelivery,
		DeliveryID: fmt.Sprintf("dlv_%06d", i),
		Event:      ev,
		Attempt:    1,
		Target:     "http://127.0.0.1:3000/webhooks",
		Request: Request{
			Method: "POST",
			URL:    "http://127.0.0.1:3000/webhooks",
			Headers: map[string][]string{
				"Content-Type":      {"application/json"},
				"User-Agent":        {"psbox/0.1.0"},
				"Webhook-Id":        {fmt.Sprintf("dlv_%06d", i)},
				"Webhook-Timestamp": {"1700000000"},
			},
			Body: Body(body),
		},
		Response: &Response{
			Status:  status,
			Headers: map[string][]string{"Content-Type": {"application/json"}, "Content-Length": {"11"}},
			Body:    Body(`{"ok":true}`),
		},
		Start:    time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC).Add(time.Duration(i) * time.Millisecond),
		Duration: 3 * time.Millisecond,
	}
}

type logSink struct {
	mu    sync.Mutex
	lines []string
}

func (l *logSink) logf(format string, args ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.lines = append(l.lines, fmt.Sprintf(format, args...))
}

func (l *logSink) all() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.lines...)
}

func openT(t testing.TB, dir string, o Options) *Store {
	t.Helper()
	s, err := Open(dir, o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestStore_AppendListGetReopen(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "state")
	s := openT(t, dir, Options{})
	var ids []string
	for i := range 30 {
		ex, err := s.Append(sampleExchange(i))
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(ex.ID, "ex_") || len(ex.ID) != 29 {
			t.Fatalf("id %q: want ex_ and 26 characters", ex.ID)
		}
		if len(ids) > 0 && ex.ID <= ids[len(ids)-1] {
			t.Fatalf("ids not increasing: %s after %s", ex.ID, ids[len(ids)-1])
		}
		ids = append(ids, ex.ID)
	}
	check := func(s *Store) {
		t.Helper()
		if s.Len() != 30 {
			t.Fatalf("Len = %d, want 30", s.Len())
		}
		all := s.List(Filter{})
		if len(all) != 30 || all[0].ID != ids[29] || all[29].ID != ids[0] {
			t.Fatalf("List: %d items, first %s last %s; want newest first", len(all), all[0].ID, all[len(all)-1].ID)
		}
		if got := s.List(Filter{Failed: true}); len(got) != 3 {
			t.Errorf("failed: got %d, want 3", len(got))
		}
		if got := s.List(Filter{Event: "customer_created", Limit: 4}); len(got) != 4 || got[0].ID != ids[29] {
			t.Errorf("event+limit: got %d (first %v)", len(got), got)
		}
		if got := s.List(Filter{DeliveryID: "dlv_000007"}); len(got) != 1 || got[0].ID != ids[7] {
			t.Errorf("delivery id filter: %v", got)
		}
		if got := s.List(Filter{Kind: KindAPI}); len(got) != 0 {
			t.Errorf("kind api: got %d, want 0", len(got))
		}
		ex, ok := s.Get(ids[5])
		want := sampleExchange(5)
		if !ok || string(ex.Request.Body) != string(want.Request.Body) || ex.Response.Status != 200 || !ex.Start.Equal(want.Start) {
			t.Fatalf("Get(%s) = %v, %v", ids[5], ok, ex)
		}
		if ex2, ok := s.Get(strings.ToUpper(ids[5][3:])); !ok || ex2.ID != ids[5] {
			t.Errorf("Get by upper-case id without prefix failed")
		}
		if _, ok := s.Get("ex_"); ok {
			t.Errorf("Get of an ambiguous prefix succeeded")
		}
		if _, ok := s.Get("ex_zzzz"); ok {
			t.Errorf("Get of an unknown id succeeded")
		}
	}
	check(s)
	if err := s.Flush(); err != nil {
		t.Fatal(err)
	}
	check(s)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(filepath.Join(dir, FileName))
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("log mode: %v %v", fi.Mode(), err)
	}
	di, _ := os.Stat(dir)
	if di.Mode().Perm() != 0o700 {
		t.Fatalf("dir mode %v, want 0700", di.Mode())
	}
	s2 := openT(t, dir, Options{})
	check(s2)
}

func TestStore_GroupCommitWithinInterval(t *testing.T) {
	dir := t.TempDir()
	s := openT(t, dir, Options{FlushInterval: 20 * time.Millisecond})
	if _, err := s.Append(sampleExchange(1)); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(2 * time.Second)
	for {
		b, _ := os.ReadFile(filepath.Join(dir, FileName))
		if bytes.Count(b, []byte("\n")) == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the exchange was not written within 2s without Flush")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestStore_SkipsBadLinesWithWarnings(t *testing.T) {
	dir := t.TempDir()
	s := openT(t, dir, Options{})
	for i := range 3 {
		s.Append(sampleExchange(i))
	}
	s.Close()
	path := filepath.Join(dir, FileName)
	b, _ := os.ReadFile(path)
	lines := bytes.SplitAfter(b, []byte("\n"))
	// line 2 garbage in the middle, then a torn tail.
	var nb []byte
	nb = append(nb, lines[0]...)
	nb = append(nb, "{not json\n"...)
	nb = append(nb, lines[1]...)
	nb = append(nb, lines[2]...)
	nb = append(nb, lines[0][:40]...)
	os.WriteFile(path, nb, 0o600)

	mid := len(lines[0])
	var log logSink
	r := openT(t, dir, Options{ReadOnly: true, Logf: log.logf})
	if r.Len() != 3 {
		t.Fatalf("Len = %d, want 3", r.Len())
	}
	w := strings.Join(log.all(), "\n")
	if !strings.Contains(w, fmt.Sprintf("at byte %d: skipping an unreadable record", mid)) || !strings.Contains(w, "skipping a torn last record (40 bytes") {
		t.Fatalf("warnings:\n%s", w)
	}
	// The next writer cuts the torn tail off; the garbage line in the
	// middle stays (it is not a crash's doing) and is skipped.
	log = logSink{}
	s2 := openT(t, dir, Options{Logf: log.logf})
	ex, err := s2.Append(sampleExchange(9))
	if err != nil || s2.Flush() != nil {
		t.Fatal(err)
	}
	s2.Close()
	if w := strings.Join(log.all(), "\n"); !strings.Contains(w, "torn record of 40 bytes") {
		t.Fatalf("the writer did not report the repair: %s", w)
	}
	log = logSink{}
	s3 := openT(t, dir, Options{Logf: log.logf})
	if s3.Len() != 4 {
		t.Fatalf("after append: Len = %d, want 4; warnings %v", s3.Len(), log.all())
	}
	if got, ok := s3.Get(ex.ID); !ok || got.DeliveryID != "dlv_000009" {
		t.Fatalf("appended after torn line: %v %v", ok, got)
	}
	if w := log.all(); len(w) != 1 || !strings.Contains(w[0], fmt.Sprintf("at byte %d: skipping an unreadable record", mid)) {
		t.Fatalf("want only the garbage line's warning: %v", w)
	}
}

func TestStore_SubscribeAndSlowSubscriber(t *testing.T) {
	s := openT(t, t.TempDir(), Options{})
	ch, cancel := s.Subscribe()
	slow, cancelSlow := s.Subscribe()
	defer cancelSlow()
	n := subBuffer + 50
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := range n {
			s.Append(sampleExchange(i))
		}
	}()
	got := 0
	for got < n {
		select {
		case <-ch:
			got++
		case <-time.After(5 * time.Second):
			t.Fatalf("received %d of %d", got, n)
		}
	}
	<-done // Append never blocked on the slow subscriber
	if len(slow) != subBuffer {
		t.Fatalf("slow subscriber buffered %d, want %d", len(slow), subBuffer)
	}
	cancel()
	cancel()
	if _, ok := <-ch; ok {
		t.Fatal("channel still open after cancel")
	}
	s.Close()
	for range slow {
	}
}

// The Store assigns every ID, so IDs are unique and follow the order
// exchanges are recorded in, whatever the caller put in ex.ID.
func TestStore_AssignsEveryID(t *testing.T) {
	s := openT(t, t.TempDir(), Options{})
	ex := sampleExchange(1)
	ex.ID = "ex_0000000000aaaaaaaaaaaaaaaa"
	a, err := s.Append(ex)
	if err != nil {
		t.Fatal(err)
	}
	b, err := s.Append(ex)
	if err != nil {
		t.Fatal(err)
	}
	if a.ID == ex.ID || b.ID <= a.ID {
		t.Fatalf("IDs %s then %s for an exchange that came with %s", a.ID, b.ID, ex.ID)
	}
	for _, id := range []string{a.ID, b.ID} {
		if _, ok := s.Get(id); !ok {
			t.Fatalf("%s not found", id)
		}
	}
	s.Close()
	if _, err := s.Append(ex); err != ErrClosed {
		t.Fatalf("after close: %v", err)
	}
}

func TestOpen_StateIsAFile(t *testing.T) {
	p := filepath.Join(t.TempDir(), "f")
	os.WriteFile(p, nil, 0o600)
	if _, err := Open(p, Options{}); err == nil || !strings.Contains(err.Error(), "not a directory") {
		t.Fatalf("got %v", err)
	}
}

// Exchanges read back while they wait for the writer (a read flushes
// them) and while batches are being written (buffers reused between
// batches) all come back whole; a failed write is reported.
func TestStore_ReadsPendingAndWrittenLines(t *testing.T) {
	s := openT(t, t.TempDir(), Options{FlushInterval: time.Hour, MaxBatch: 7})
	want := map[string]Exchange{}
	for i := range 5 {
		ex, err := s.Append(sampleExchange(i))
		if err != nil {
			t.Fatal(err)
		}
		want[ex.ID] = ex
	}
	// Queued only: fewer than MaxBatch and an hour to wait.
	for id, w := range want {
		got, ok := s.Get(id)
		if !ok || got.Event != w.Event || string(got.Request.Body) != string(w.Request.Body) {
			t.Fatalf("queued %s: ok=%v, got %+v", id, ok, got)
		}
	}
	// Readers alongside appends that fill batch after batch.
	done := make(chan struct{})
	go func() {
		defer close(done)
		for range 200 {
			for _, ex := range s.List(Filter{Limit: 20}) {
				if ex.ID == "" || ex.Kind == "" || len(ex.Request.Body) == 0 {
					t.Errorf("a partial exchange came back: %+v", ex)
					return
				}
			}
		}
	}()
	for i := 5; i < 400; i++ {
		ex, err := s.Append(sampleExchange(i))
		if err != nil {
			t.Fatal(err)
		}
		want[ex.ID] = ex
	}
	<-done
	if err := s.Flush(); err != nil {
		t.Fatal(err)
	}
	all := s.List(Filter{})
	if len(all) != len(want) {
		t.Fatalf("List: %d, want %d", len(all), len(want))
	}
	for _, got := range all {
		w := want[got.ID]
		if got.Event != w.Event || got.Attempt != w.Attempt || string(got.Request.Body) != string(w.Request.Body) {
			t.Fatalf("%s came back as %+v, want %+v", got.ID, got, w)
		}
	}

	// A failed write is reported, and what it held is not in the log.
	ro, err := os.Open(s.path) // the same file, but the writes fail
	if err != nil {
		t.Fatal(err)
	}
	s.f.Close()
	s.f = appendlog.Wrap(ro)
	ex, err := s.Append(sampleExchange(500))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Flush(); err == nil {
		t.Fatal("Flush after a failed write: no error")
	}
	if _, ok := s.Get(ex.ID); ok {
		t.Fatal("an exchange whose write failed is listed")
	}
	if n := s.Len(); n != len(want) {
		t.Fatalf("after a failed write: %d exchanges, want the %d written", n, len(want))
	}
}
