package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/psbox-dev/psbox/internal/testutil"
	"github.com/psbox-dev/psbox/recorder"
)

// deliveries --follow prints what another process appends, as it is
// appended, through the --failed filter, and Ctrl-C ends it with exit 0.
func TestDeliveries_FollowPrintsEachNewExchange(t *testing.T) {
	for _, jsonOut := range []bool{false, true} {
		dir := t.TempDir()
		old, err := recorder.Open(dir, recorder.Options{FlushInterval: time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		past, _ := old.Append(recorder.Exchange{Kind: recorder.KindDelivery, Event: "customer_created", Target: "http://r/", Response: &recorder.Response{Status: 500}})
		old.Close()

		ctx, cancel := context.WithCancel(context.Background())
		var out, errOut testutil.Buffer
		args := []string{"deliveries", "--state", dir, "-f", "--failed"}
		if jsonOut {
			args = append(args, "--json")
		}
		code := make(chan int, 1)
		go func() { code <- run(ctx, args, strings.NewReader(""), &out, &errOut) }()
		time.Sleep(150 * time.Millisecond) // the follower is at the end of the log

		s, err := recorder.Open(dir, recorder.Options{FlushInterval: time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		okEx, _ := s.Append(recorder.Exchange{Kind: recorder.KindDelivery, Event: "application_created", Target: "http://r/", Request: recorder.Request{Method: "POST", URL: "http://r/"}, Response: &recorder.Response{Status: 200}})
		bad, _ := s.Append(recorder.Exchange{Kind: recorder.KindDelivery, Event: "application_approved", Attempt: 2, Target: "http://r/", Request: recorder.Request{Method: "POST", URL: "http://r/"}, ErrorReason: recorder.ReasonRefused, Error: "connection refused"})
		s.Close()
		deadline := time.Now().Add(5 * time.Second)
		for !strings.Contains(out.String(), bad.ID) && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
		}
		cancel()
		if c := <-code; c != 0 {
			t.Fatalf("exit %d after Ctrl-C, want 0; stderr %q", c, errOut.String())
		}
		got := out.String()
		if !strings.Contains(got, bad.ID) || strings.Contains(got, okEx.ID) || strings.Contains(got, past.ID) {
			t.Fatalf("json=%v: printed %q; want only the new failed exchange %s", jsonOut, got, bad.ID)
		}
		if strings.Count(got, "\n") != 1 {
			t.Errorf("printed %d lines, want 1", strings.Count(got, "\n"))
		}
		if jsonOut {
			var ex recorder.Exchange
			if err := json.Unmarshal([]byte(got), &ex); err != nil || ex.ID != bad.ID || ex.ErrorReason != recorder.ReasonRefused {
				t.Errorf("--json line %q: %v", got, err)
			}
			// The line is the log's own, as deliveries --json prints it.
			log, _ := os.ReadFile(filepath.Join(dir, recorder.FileName))
			var want string
			for _, l := range strings.SplitAfter(string(log), "\n") {
				if strings.Contains(l, bad.ID) {
					want = l
				}
			}
			if got != want {
				t.Errorf("--follow --json printed\n%s\nthe log holds\n%s", got, want)
			}
			var list testutil.Buffer
			if c := run(context.Background(), []string{"deliveries", "--state", dir, "--json", "--limit", "1"}, strings.NewReader(""), &list, &errOut); c != 0 || list.String() != want {
				t.Errorf("deliveries --json (exit %d) printed\n%s\nnot the followed line\n%s", c, list.String(), want)
			}
		} else if !strings.Contains(got, "application_approved") || !strings.Contains(got, "connection_refused") {
			t.Errorf("line %q lacks the event or the reason", got)
		}
	}
}
