package recorder

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/psbox-dev/psbox/internal/crashtest"
)

// The appender and pruner children: the tests re-execute the test binary
// as the processes they run beside each other and kill.
const (
	appendChildEnv = "PSBOX_RECORDER_APPEND_CHILD_DIR"
	pruneChildEnv  = "PSBOX_RECORDER_PRUNE_CHILD_DIR"
)

// appendChild appends exchanges with delivery IDs app_0, app_1, ... until
// its stdin closes, printing "synced N" after each Flush.
func appendChild(dir string) {
	s, err := Open(dir, Options{FlushInterval: 2 * time.Millisecond})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(3)
	}
	stop := make(chan struct{})
	go func() { io.Copy(io.Discard, os.Stdin); close(stop) }()
	out := bufio.NewWriter(os.Stdout)
	fmt.Fprintln(out, "ready")
	out.Flush()
	deadline := time.Now().Add(5 * time.Minute) // never outlive a broken parent
	for i := 0; time.Now().Before(deadline); i++ {
		ex := sampleExchange(i)
		ex.DeliveryID = fmt.Sprintf("app_%d", i)
		if _, err := s.Append(ex); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(3)
		}
		if i%50 == 49 {
			if err := s.Flush(); err != nil {
				fmt.Fprintln(os.Stderr, err)
				os.Exit(3)
			}
			fmt.Fprintf(out, "synced %d\n", i+1)
			out.Flush()
			select {
			case <-stop:
				s.Close()
				os.Exit(0)
			default:
			}
			time.Sleep(10 * time.Millisecond) // an appender, not a flood
		}
	}
	os.Exit(4)
}

// pruneChild prunes the exchanges that started before
// $PSBOX_PRUNE_BEFORE (Unix nanoseconds).
func pruneChild(dir string) {
	ns, _ := strconv.ParseInt(os.Getenv("PSBOX_PRUNE_BEFORE"), 10, 64)
	// PSBOX_PRUNE_STOP=point:n stops the prune at the n-th pass through
	// that point, says "stopped" and waits to be killed.
	if point, n, ok := strings.Cut(os.Getenv("PSBOX_PRUNE_STOP"), ":"); ok {
		want, _ := strconv.Atoi(n)
		seen := 0
		pruneAt = func(p string) {
			if p != point {
				return
			}
			if seen++; seen == want {
				fmt.Println("stopped")
				time.Sleep(time.Minute)
			}
		}
	}
	if _, err := Prune(dir, PruneOptions{Before: time.Unix(0, ns)}); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(3)
	}
	os.Exit(0)
}

// seedBase is when seed_0 started; seed_i started i seconds later.
var seedBase = time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)

// seed appends n exchanges with delivery IDs seed_0 ... seed_<n-1>,
// flushing every 10 so that batches stay small.
func seed(t *testing.T, dir string, n int, o Options) {
	t.Helper()
	s := openT(t, dir, o)
	for i := range n {
		ex := sampleExchange(i)
		ex.DeliveryID = fmt.Sprintf("seed_%d", i)
		ex.Start = seedBase.Add(time.Duration(i) * time.Second)
		if _, err := s.Append(ex); err != nil {
			t.Fatal(err)
		}
		if i%10 == 9 {
			s.Flush()
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
}

// census reads the whole log: the seed numbers and appender numbers in it,
// each once, and every warning.
func census(t *testing.T, dir string) (seeds, apps []int, warns []string) {
	t.Helper()
	var log logSink
	r := openT(t, dir, Options{ReadOnly: true, Logf: log.logf})
	seen := map[string]bool{}
	err := r.Scan(Filter{}, func(_ []byte, sm *Summary) error {
		if seen[sm.DeliveryID] {
			t.Errorf("%s is in the log twice", sm.DeliveryID)
		}
		seen[sm.DeliveryID] = true
		if n, ok := strings.CutPrefix(sm.DeliveryID, "seed_"); ok {
			i, _ := strconv.Atoi(n)
			seeds = append(seeds, i)
		} else if n, ok := strings.CutPrefix(sm.DeliveryID, "app_"); ok {
			i, _ := strconv.Atoi(n)
			apps = append(apps, i)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(seeds)
	slices.Sort(apps)
	return seeds, apps, log.all()
}

// contiguous: the numbers are lo, lo+1, ..., hi-1 with nothing missing.
func contiguous(ns []int, hi int) bool {
	for i, n := range ns {
		if n != hi-len(ns)+i {
			return false
		}
	}
	return true
}

// TestPrune_ConcurrentAppenderAndKill9: while another process appends,
// prunes of ever later --before times are killed (kill -9) at random
// points and a last one runs to its end. After every kill the log holds
// whole records only and the seeds kept are the newest ones with none
// missing between them (the old log or the new one, never half); in the
// end every exchange the appender flushed is there exactly once and no
// temp file is left behind.
func TestPrune_ConcurrentAppenderAndKill9(t *testing.T) {
	dir := t.TempDir()
	const seeds = 10000
	seed(t, dir, seeds, Options{MaxBatch: 1024, FlushInterval: time.Hour})

	app := crashtest.Command(t, appendChildEnv+"="+dir)
	stdin, err := app.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	var appErr strings.Builder
	app.Stderr = &appErr
	pipe, err := app.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := app.Start(); err != nil {
		t.Fatal(err)
	}
	defer app.Process.Kill()
	lines := bufio.NewScanner(pipe)
	if !lines.Scan() || lines.Text() != "ready" {
		t.Fatalf("appender did not start: %s", appErr.String())
	}
	acked := make(chan int, 1)
	go func() {
		n := 0
		for lines.Scan() {
			if v, ok := strings.CutPrefix(lines.Text(), "synced "); ok {
				n, _ = strconv.Atoi(v)
			}
		}
		acked <- n
	}()

	// Each prune is stopped at one point of its work and killed there:
	// while copying, with the copy written, holding the exclusive lock,
	// and after the rename.
	stops := []string{"copying:1", "copying:5", "written:1", "locked:1", "renamed:1", "copying:3", "locked:1", "written:1"}
	prevSeeds, killed := seeds, 0
	for run, stop := range stops {
		before := seedBase.Add(time.Duration(1000*(run+1)) * time.Second)
		p := crashtest.Command(t, pruneChildEnv+"="+dir, "PSBOX_PRUNE_BEFORE="+strconv.FormatInt(before.UnixNano(), 10), "PSBOX_PRUNE_STOP="+stop)
		var perr strings.Builder
		p.Stderr = &perr
		out, err := p.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := p.Start(); err != nil {
			t.Fatal(err)
		}
		io.ReadAll(io.LimitReader(out, int64(len("stopped\n")))) // "stopped", or EOF if the prune ended first
		p.Process.Signal(syscall.SIGKILL)
		state, _ := p.Process.Wait()
		if !state.Success() && state.Sys().(syscall.WaitStatus).Signal() == syscall.SIGKILL {
			killed++
		} else if !state.Success() {
			t.Fatalf("run %d: prune failed: %s", run, perr.String())
		}
		got, _, warns := census(t, dir)
		for _, w := range warns {
			if !strings.Contains(w, "torn last record") { // the appender's batch being written as we read
				t.Fatalf("run %d: %s", run, w)
			}
		}
		if len(got) > prevSeeds || !contiguous(got, seeds) {
			t.Fatalf("run %d: %d seeds left (%v...), want the newest ones with none missing, at most %d", run, len(got), got[:min(5, len(got))], prevSeeds)
		}
		prevSeeds = len(got)
	}

	res, err := Prune(dir, PruneOptions{Before: seedBase.Add(9000 * time.Second)})
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(50 * time.Millisecond) // the appender goes on after the swap
	stdin.Close()
	n := <-acked
	if err := app.Wait(); err != nil {
		t.Fatalf("appender: %v %s", err, appErr.String())
	}
	gotSeeds, gotApps, warns := census(t, dir)
	if len(warns) != 0 {
		t.Errorf("warnings after the appender stopped: %v", warns)
	}
	if len(gotApps) < n || !contiguous(gotApps, len(gotApps)) {
		t.Fatalf("the appender flushed %d exchanges; the log has %d of them (first %v): some were lost", n, len(gotApps), gotApps[:min(5, len(gotApps))])
	}
	if len(gotSeeds) != 1000 || !contiguous(gotSeeds, seeds) {
		t.Fatalf("%d seeds left, want the newest 1000", len(gotSeeds))
	}
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		if strings.Contains(e.Name(), ".tmp-") {
			t.Errorf("temp file %s left behind", e.Name())
		}
	}
	t.Logf("%d prunes killed midway; the last removed %d and kept %d; the appender flushed %d, all kept", killed, res.Removed, res.Kept, n)
	if killed != len(stops) {
		t.Errorf("only %d of %d prunes were killed midway; the test is not exercising a crash mid-prune", killed, len(stops))
	}
}

// TestStore_RotatedSegmentsAndTornTail: with MaxSize the log rotates into
// segments; listing, show (by ID and by prefix), exports and prune follow
// every segment, also with a torn last line in the live file.
func TestStore_RotatedSegmentsAndTornTail(t *testing.T) {
	dir := t.TempDir()
	seed(t, dir, 300, Options{MaxSize: 64 << 10, MaxBatch: 16, FlushInterval: time.Millisecond})
	files, err := LogFiles(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 4 || filepath.Base(files[0]) != "deliveries.000001.jsonl" || filepath.Base(files[len(files)-1]) != FileName {
		t.Fatalf("files %v, want numbered segments then the live file", files)
	}
	for _, f := range files[:len(files)-1] {
		if fi, _ := os.Stat(f); fi.Size() < 64<<10 || fi.Size() > 64<<10+64*1500 {
			t.Errorf("segment %s is %d bytes; the cap is 64 KiB", f, fi.Size())
		}
	}
	f, _ := os.OpenFile(filepath.Join(dir, FileName), os.O_WRONLY|os.O_APPEND, 0)
	f.WriteString(`{"id":"ex_torn","kind":"deliv`)
	f.Close()

	var log logSink
	r := openT(t, dir, Options{ReadOnly: true, Logf: log.logf})
	list := r.List(Filter{Limit: 50})
	if len(list) != 50 || list[0].DeliveryID != "seed_299" || list[49].DeliveryID != "seed_250" {
		t.Fatalf("newest 50: %d, from %s to %s", len(list), list[0].DeliveryID, list[len(list)-1].DeliveryID)
	}
	var oldest Exchange
	r.Scan(Filter{}, func(line []byte, sm *Summary) error {
		if sm.DeliveryID == "seed_3" {
			oldest, _ = r.Get(sm.ID)
		}
		return nil
	})
	if oldest.DeliveryID != "seed_3" {
		t.Fatalf("Get of an exchange in the oldest segment: %+v", oldest)
	}
	if got, ok := r.Get(oldest.ID[:len(oldest.ID)-3]); !ok || got.ID != oldest.ID {
		t.Errorf("Get by a prefix of %s: %v %s", oldest.ID, ok, got.ID)
	}
	if m := r.IDsWithPrefix("ex_", 3); len(m) != 3 {
		t.Errorf("IDsWithPrefix(ex_) = %v, want 3 (ambiguous)", m)
	}
	var buf bytes.Buffer
	if n, err := ExportJSONL(&buf, r, Filter{}); err != nil || n != 300 || bytes.Count(buf.Bytes(), []byte("\n")) != 300 {
		t.Fatalf("export: %d, %v", n, err)
	}
	if n := len(r.Summaries(Filter{Event: "application_created"})); n != 100 {
		t.Errorf("%d summaries of application_created, want 100", n)
	}
	torn := 0
	for _, w := range log.all() {
		if strings.Contains(w, "torn last record") {
			torn++
		} else {
			t.Errorf("unexpected warning: %s", w)
		}
	}
	if torn == 0 {
		t.Error("the torn last line was not reported")
	}

	res, err := Prune(dir, PruneOptions{Keep: 40})
	if err != nil || res.Kept != 40 || res.Removed != 260 || res.Files < 3 {
		t.Fatalf("prune: %+v, %v", res, err)
	}
	if got, _, _ := census(t, dir); len(got) != 40 || !contiguous(got, 300) {
		t.Fatalf("after prune: %d seeds", len(got))
	}
	if _, ok := r.Get(oldest.ID); ok {
		t.Error("a pruned exchange is still found")
	}
}

// TestSearchID_LandsJustBeforeTheID: on a log of a few MB, the binary
// search on ID times lands on a line start at most a window before the
// record, so show reads a little of the log, not all of it.
func TestSearchID_LandsJustBeforeTheID(t *testing.T) {
	dir := t.TempDir()
	seed(t, dir, 3000, Options{})
	r := openT(t, dir, Options{ReadOnly: true})
	files, err := r.openFiles()
	if err != nil {
		t.Fatal(err)
	}
	defer closeFiles(files)
	lf := files[0]
	var offs []int64
	var ids []string
	scanForward(lf.f, 0, lf.end, func(off int64, line []byte) error {
		offs = append(offs, off)
		ids = append(ids, lineID(line))
		return nil
	})
	for _, i := range []int{0, 1000, 1500, 2999} {
		ms, _ := idTime(ids[i])
		at := searchID(lf, ms)
		if at > offs[i] || !slices.Contains(offs, at) {
			t.Errorf("record %d at byte %d: the search starts at %d, not a line start at or before it", i, offs[i], at)
		}
		if i >= 1000 && at == 0 {
			t.Errorf("record %d: the search starts at the beginning of a %d-byte log", i, lf.end)
		}
		if got, ok := r.Get(ids[i]); !ok || got.ID != ids[i] {
			t.Errorf("Get(%s) = %v %s", ids[i], ok, got.ID)
		}
	}
}
