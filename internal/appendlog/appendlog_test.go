package appendlog

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/psbox-dev/psbox/internal/crashtest"
)

func TestWholeEnd(t *testing.T) {
	long := strings.Repeat("z", 200<<10) // longer than one read
	for _, c := range []struct {
		in   string
		want int64
	}{
		{"", 0},
		{"a\n", 2},
		{"a\nb", 2},
		{"torn", 0},
		{"a\nb\n", 4},
		{"a\n" + long, 2},
		{long + "\n", int64(len(long) + 1)},
	} {
		got, err := WholeEnd(strings.NewReader(c.in), int64(len(c.in)))
		if err != nil || got != c.want {
			t.Errorf("WholeEnd(%.20q…) = %d, %v; want %d", c.in, got, err, c.want)
		}
	}
}

func openWith(t *testing.T, content string) *File {
	t.Helper()
	path := filepath.Join(t.TempDir(), "log.jsonl")
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	f, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

func fileIs(t *testing.T, f *File, want string) {
	t.Helper()
	b, err := os.ReadFile(f.Path())
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != want {
		t.Errorf("%s holds %q, want %q", f.Path(), b, want)
	}
}

func TestRepairTail_HandsTheFragmentToKeepThenCuts(t *testing.T) {
	f := openWith(t, "{\"a\":1}\n{\"b\":")
	var kept []byte
	tail, err := f.RepairTail(func(frag []byte) error { kept = bytes.Clone(frag); return nil })
	if err != nil || !tail.Cut || string(tail.Fragment) != `{"b":` || string(kept) != `{"b":` {
		t.Fatalf("RepairTail = %+v, %v; kept %q", tail, err, kept)
	}
	fileIs(t, f, "{\"a\":1}\n")
	if _, err := f.Write([]byte("{\"c\":3}\n")); err != nil {
		t.Fatal(err)
	}
	fileIs(t, f, "{\"a\":1}\n{\"c\":3}\n")
}

func TestRepairTail_KeepRefusesAndTheTailStays(t *testing.T) {
	f := openWith(t, "x\ntorn")
	refused := errors.New("no room")
	tail, err := f.RepairTail(func([]byte) error { return refused })
	if err != nil || tail.Cut || tail.KeepErr != refused {
		t.Fatalf("RepairTail = %+v, %v; want the tail kept in place with keep's error", tail, err)
	}
	fileIs(t, f, "x\ntorn")
}

func TestRepairTail_WholeFileIsLeftAlone(t *testing.T) {
	f := openWith(t, "x\ny\n")
	tail, err := f.RepairTail(func([]byte) error { t.Error("keep called on a whole file"); return nil })
	if err != nil || tail.Fragment != nil || tail.Cut {
		t.Fatalf("RepairTail = %+v, %v", tail, err)
	}
	fileIs(t, f, "x\ny\n")
}

func TestCutPartial_BackToTheLastWholeLine(t *testing.T) {
	f := openWith(t, "one\ntwo\nthr")
	if err := f.CutPartial(); err != nil {
		t.Fatal(err)
	}
	fileIs(t, f, "one\ntwo\n")
	if err := f.CutPartial(); err != nil {
		t.Fatal(err)
	}
	fileIs(t, f, "one\ntwo\n")
}

func TestFollow_ReopensARenamedFile(t *testing.T) {
	f := openWith(t, "old\n")
	if moved, err := f.Follow(); err != nil || moved {
		t.Fatalf("Follow on the same file = %v, %v", moved, err)
	}
	if err := os.Rename(f.Path(), f.Path()+".1"); err != nil {
		t.Fatal(err)
	}
	if moved, err := f.Follow(); err != nil || !moved {
		t.Fatalf("Follow after a rename = %v, %v; want it reopened", moved, err)
	}
	if _, err := f.Write([]byte("new\n")); err != nil {
		t.Fatal(err)
	}
	fileIs(t, f, "new\n")
}

func TestBatch_TakesEverythingAndReusesBuffers(t *testing.T) {
	var b Batch
	for i := range 3 {
		b.Add([]byte(strconv.Itoa(i) + "\n"))
	}
	lines, n := b.Take()
	if string(lines) != "0\n1\n2\n" || n != 3 || b.Len() != 0 {
		t.Fatalf("Take = %q, %d (left %d)", lines, n, b.Len())
	}
	b.Add([]byte("3\n")) // queued while the first batch is written
	first := &lines[:1][0]
	b.Recycle(lines)
	second, _ := b.Take()
	if string(second) != "3\n" {
		t.Fatalf("second batch %q", second)
	}
	b.Recycle(second)
	b.Add([]byte("4\n"))
	third, _ := b.Take()
	if string(third) != "4\n" || &third[:1][0] != first {
		t.Errorf("third batch %q does not reuse the first buffer", third)
	}
	b.Add([]byte("gone\n"))
	b.Drop()
	if b.Len() != 0 {
		t.Errorf("Drop left %d lines", b.Len())
	}
	if got, _ := b.Take(); len(got) != 0 {
		t.Errorf("after Drop, Take = %q", got)
	}
}

func TestSyncer_WritesShareFsyncsAndStopSyncsTheRest(t *testing.T) {
	f := openWith(t, "")
	const interval = 50 * time.Millisecond
	s := StartSyncer(f, interval, func(err error) { t.Errorf("fsync: %v", err) })
	start := time.Now()
	for i := range 200 {
		if _, err := f.Write([]byte(strconv.Itoa(i) + "\n")); err != nil {
			t.Fatal(err)
		}
		s.Kick()
		time.Sleep(time.Millisecond)
	}
	elapsed := time.Since(start)
	s.Stop()
	n := s.Fsyncs()
	if limit := uint64(elapsed/interval) + 2; n == 0 || n > limit {
		t.Errorf("%d fsyncs for 200 writes in %v, want 1 to %d (one per %v)", n, elapsed, limit, interval)
	}
	quiet := StartSyncer(f, interval, func(error) {})
	quiet.Stop()
	if quiet.Fsyncs() != 0 {
		t.Errorf("a Syncer with nothing written fsynced %d times", quiet.Fsyncs())
	}
}

func TestClaimLock_OneHolderAndItsPID(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.lock")
	l, err := ClaimLock(path)
	if err != nil {
		t.Fatal(err)
	}
	_, err = ClaimLock(path)
	var busy *BusyError
	if !errors.As(err, &busy) || busy.PID != os.Getpid() {
		t.Fatalf("second ClaimLock = %v, want a BusyError naming pid %d", err, os.Getpid())
	}
	l.Close()
	l2, err := ClaimLock(path)
	if err != nil {
		t.Fatalf("ClaimLock after Close: %v", err)
	}
	l2.Close()
}

// crashChildEnv makes the test binary run crashChild instead of the tests.
const crashChildEnv = "PSBOX_APPENDLOG_CRASH_CHILD"

func TestMain(m *testing.M) {
	crashtest.Main(m, map[string]func(string){crashChildEnv: crashChild})
}

// crashChild appends numbered lines in batches of every size up to many
// pages, as a store does (Batch, one Write, Sync), and prints the last line
// number each Sync made durable.
func crashChild(path string) {
	f, err := Open(path)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(3)
	}
	if _, err := f.RepairTail(nil); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(3)
	}
	next := 0
	if b, err := os.ReadFile(path); err == nil && len(b) > 0 {
		last := b[bytes.LastIndexByte(b[:len(b)-1], '\n')+1 : len(b)-1]
		next, _ = strconv.Atoi(string(last[:bytes.IndexByte(last, ' ')]))
		next++
	}
	out := bufio.NewWriter(os.Stdout)
	pad := strings.Repeat("p", 3000)
	var b Batch
	stop := time.Now().Add(10 * time.Second) // never outlive a broken parent
	for round := 0; time.Now().Before(stop); round++ {
		for range 1 + round%40 {
			b.Add([]byte(strconv.Itoa(next) + " " + pad + "\n"))
			next++
		}
		lines, _ := b.Take()
		if _, err := f.Write(lines); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(3)
		}
		b.Recycle(lines)
		if err := f.Sync(); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(3)
		}
		fmt.Fprintf(out, "durable %d\n", next-1)
		out.Flush()
	}
	os.Exit(0)
}

// Killed -9 mid-write, again and again: every line a Sync reported is
// there, in order, each whole; a torn tail is only ever the last line, and
// the next writer's RepairTail cuts it before appending.
func TestFile_SurvivesKill9(t *testing.T) {
	path := filepath.Join(t.TempDir(), "log.jsonl")
	durable, torn := -1, 0
	for run := range 12 {
		c := crashtest.Start(t, crashChildEnv+"="+path)
		seen := 0
		for c.Lines.Scan() {
			if n, ok := strings.CutPrefix(c.Lines.Text(), "durable "); ok {
				durable, _ = strconv.Atoi(n)
				if seen++; seen == 20+run*7 {
					c.Kill9()
				}
			}
		}
		if msg := c.Wait(); msg != "" {
			t.Fatalf("run %d: child: %s", run, msg)
		}
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if end, _ := WholeEnd(bytes.NewReader(b), int64(len(b))); end < int64(len(b)) {
			torn++
			b = b[:end]
		}
		lines := strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
		for i, l := range lines {
			if !strings.HasPrefix(l, strconv.Itoa(i)+" ") || len(l) != len(strconv.Itoa(i))+1+3000 {
				t.Fatalf("run %d: line %d is %.30q…, want line %d whole", run, i, l, i)
			}
		}
		if len(lines)-1 < durable {
			t.Fatalf("run %d: %d lines, but line %d was reported durable", run, len(lines), durable)
		}
	}
	t.Logf("12 kills, %d torn tails seen and cut by the next writer", torn)
}
