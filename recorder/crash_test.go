package recorder

import (
	"bufio"
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/psbox-dev/psbox/internal/crashtest"
)

// crashChildEnv makes the test binary run crashChild instead of the tests:
// the crash test re-executes itself as the process it kills.
const crashChildEnv = "PSBOX_RECORDER_CRASH_CHILD_DIR"

func TestMain(m *testing.M) {
	crashtest.Main(m, map[string]func(string){
		crashChildEnv:  crashChild,
		appendChildEnv: appendChild,
		pruneChildEnv:  pruneChild,
	})
}

// crashChild appends as fast as it can through a real Store, with big
// batches so writes span many pages (a SIGKILL mid-write can then tear a
// line), and after every Flush prints how many exchanges are durable.
func crashChild(dir string) {
	s, err := Open(dir, Options{MaxBatch: 1024, FlushInterval: 5 * time.Millisecond})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(3)
	}
	out := bufio.NewWriter(os.Stdout)
	fmt.Fprintln(out, "ready")
	out.Flush()
	stop := time.Now().Add(10 * time.Second) // never outlive a broken parent
	pad := strings.Repeat("x", 200)
	big := strings.Repeat("y", 256<<10)
	synced := 0
	for i := 0; time.Now().Before(stop); i++ {
		ex := sampleExchange(i)
		ex.Response.Body = Body(`{"ok":true,"pad":"` + pad + `"}`)
		if i%50 == 0 {
			ex.Response.Body = Body(big) // a multi-page write a kill can cut
		}
		if _, err := s.Append(ex); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(3)
		}
		if i%500 == 499 {
			if err := s.Flush(); err != nil {
				fmt.Fprintln(os.Stderr, err)
				os.Exit(3)
			}
			synced = i + 1
			fmt.Fprintf(out, "synced %d\n", synced)
			out.Flush()
		}
	}
	s.Close()
	os.Exit(0)
}

func TestStore_SurvivesKill9(t *testing.T) {
	dir := t.TempDir()
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 1))
	prevCount, withWrites := 0, 0
	repaired := 0 // torn tails the next writer cut off
	for run := range 20 {
		c := crashtest.Start(t, crashChildEnv+"="+dir)
		// Kill 0-60 ms after the child's first flush (on a loaded machine
		// a fixed delay after start can land before it writes at all).
		lines := c.Lines
		if !lines.Scan() || lines.Text() != "ready" {
			c.Kill9()
			t.Fatalf("run %d: child did not start: %s", run, c.Wait())
		}
		acked := 0
		if lines.Scan() {
			if n, ok := strings.CutPrefix(lines.Text(), "synced "); ok {
				acked, _ = strconv.Atoi(n)
			}
		}
		time.Sleep(time.Duration(rng.IntN(61)) * time.Millisecond)
		c.Kill9()
		for lines.Scan() {
			if n, ok := strings.CutPrefix(lines.Text(), "synced "); ok {
				acked, _ = strconv.Atoi(n)
			}
		}
		if stderr := c.Wait(); stderr != "" {
			t.Fatalf("run %d: child failed: %s", run, stderr)
		}

		// A kill rarely lands inside write(2) on a fast disk; a power cut
		// can also keep only part of the last write. On every third run
		// cut the last line short, as such a crash would, so the torn-line
		// path runs against the real child too.
		cut := false
		if run%3 == 2 {
			cut = tearLastLine(t, filepath.Join(dir, FileName), rng)
		}

		// The next writer cuts a torn tail off (keeping it in
		// deliveries.torn); nothing in the middle is ever unreadable.
		var log logSink
		s, err := Open(dir, Options{Logf: log.logf})
		if err != nil {
			t.Fatalf("run %d: the log does not open after kill -9: %v", run, err)
		}
		if cut {
			acked-- // the cut record may have been flushed
		}
		count := s.Len()
		s.Close()
		for _, w := range log.all() {
			if strings.Contains(w, "torn record of") && strings.Contains(w, TornFileName) {
				repaired++
				continue
			}
			t.Fatalf("run %d: unexpected warning: %s", run, w)
		}
		if count < prevCount+acked {
			t.Fatalf("run %d: %d exchanges after the kill, want at least %d (before) + %d (flushed by the child)", run, count, prevCount, acked)
		}
		if count > prevCount {
			withWrites++
		}
		prevCount = count
	}
	// The log still takes appends cleanly after all that.
	var log logSink
	s := openT(t, dir, Options{Logf: log.logf})
	ex, err := s.Append(sampleExchange(1))
	if err != nil || s.Flush() != nil {
		t.Fatal(err)
	}
	s.Close()
	s2 := openT(t, dir, Options{})
	if s2.Len() != prevCount+1 {
		t.Fatalf("after a clean append: %d, want %d", s2.Len(), prevCount+1)
	}
	if _, ok := s2.Get(ex.ID); !ok {
		t.Fatal("the clean append is missing")
	}
	if repaired == 0 {
		t.Error("no torn line was seen; the torn-line path did not run")
	}
	if b, err := os.ReadFile(filepath.Join(dir, TornFileName)); err != nil || bytes.Count(b, []byte("\n")) != repaired {
		t.Errorf("%s holds %d fragments (%v), want the %d cut off", TornFileName, bytes.Count(b, []byte("\n")), err, repaired)
	}
	if withWrites < 5 {
		t.Errorf("only %d of 20 runs wrote anything before the kill; the test is not exercising the writer", withWrites)
	}
	t.Logf("20 kills: %d exchanges kept, %d runs wrote before the kill, %d torn last lines cut off", prevCount, withWrites, repaired)
}

// tearLastLine drops a random part of the file's last line (keeping at
// least one byte of it); false when there is no complete line to cut.
func tearLastLine(t *testing.T, path string, rng *rand.Rand) bool {
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(b) < 2 || b[len(b)-1] != '\n' {
		return false
	}
	start := bytes.LastIndexByte(b[:len(b)-1], '\n') + 1
	if len(b)-1-start < 2 {
		return false
	}
	keep := start + 1 + rng.IntN(len(b)-1-start-1)
	if err := os.Truncate(path, int64(keep)); err != nil {
		t.Fatal(err)
	}
	return true
}
