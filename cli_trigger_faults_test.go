package main

import (
	"slices"
	"strings"
	"testing"
	"time"
)

// TestTrigger_Duplicates: --duplicates 0.5 over 10 deliveries sends 5 of
// them twice, each copy with the same id, body and signature.
func TestTrigger_Duplicates(t *testing.T) {
	rcv := newTriggerReceiver(t, 200)
	code, stdout, stderr := runTriggerCmd(t, t.TempDir(), "application_created", "--to", rcv.URL, "--count", "10",
		"--duplicates", "0.5", "--seed", "4", "--sign", "standard-webhooks", "--secret", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "--no-record")
	if code != 0 || !strings.Contains(stdout, "15 deliveries") {
		t.Fatalf("exit %d, want 0 and 15 deliveries:\n%s%s", code, stdout, stderr)
	}
	rcv.mu.Lock()
	defer rcv.mu.Unlock()
	byID := map[string][]int{}
	for i, h := range rcv.heads {
		byID[h.Get("X-Psbox-Delivery")] = append(byID[h.Get("X-Psbox-Delivery")], i)
	}
	twice := 0
	for id, at := range byID {
		switch len(at) {
		case 1:
		case 2:
			twice++
			a, b := rcv.heads[at[0]], rcv.heads[at[1]]
			for _, k := range []string{"Webhook-Id", "Webhook-Timestamp", "Webhook-Signature"} {
				if a.Get(k) == "" || a.Get(k) != b.Get(k) {
					t.Errorf("%s: the copy's %s is %q, the original's %q", id, k, b.Get(k), a.Get(k))
				}
			}
		default:
			t.Errorf("%s sent %d times", id, len(at))
		}
	}
	if twice != 5 || len(byID) != 10 {
		t.Errorf("%d deliveries, %d of them twice; want 10 and 5", len(byID), twice)
	}
}

// TestTrigger_Shuffle: --shuffle never sends the events in the order
// given, and --seed repeats the order.
func TestTrigger_Shuffle(t *testing.T) {
	names := []string{"application_created", "application_approved", "application_declined"}
	order := func(seed string) []string {
		rcv := newTriggerReceiver(t, 200)
		code, stdout, stderr := runTriggerCmd(t, t.TempDir(), append(names, "--to", rcv.URL, "--shuffle", "--seed", seed, "--no-record")...)
		if code != 0 {
			t.Fatalf("exit %d:\n%s%s", code, stdout, stderr)
		}
		var got []string
		for _, b := range rcv.got() {
			got = append(got, b["event"].(string))
		}
		return got
	}
	for _, seed := range []string{"1", "2", "3", "4"} {
		got := order(seed)
		if slices.Equal(got, names) || len(got) != 3 {
			t.Errorf("seed %s: %v, want the three events out of order", seed, got)
		}
		if again := order(seed); !slices.Equal(again, got) {
			t.Errorf("seed %s: %v then %v", seed, got, again)
		}
	}
}

// TestTrigger_Jitter: each delivery waits up to --jitter, no longer.
func TestTrigger_Jitter(t *testing.T) {
	rcv := newTriggerReceiver(t, 200)
	start := time.Now()
	code, stdout, stderr := runTriggerCmd(t, t.TempDir(), "application_created", "--to", rcv.URL, "--count", "20", "--jitter", "40ms", "--seed", "9", "--no-record")
	took := time.Since(start)
	if code != 0 {
		t.Fatalf("exit %d:\n%s%s", code, stdout, stderr)
	}
	// 20 waits from 0 to 40ms one after another: about 400ms; never more than 800ms of waiting.
	if took < 150*time.Millisecond {
		t.Errorf("20 deliveries with --jitter 40ms took %s: no waits", took)
	}
}

func TestTrigger_FaultMistakesExit2(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--duplicates", "1.5"}, "--duplicates 1.5"},
		{[]string{"--duplicates", "-1"}, "--duplicates"},
		{[]string{"--jitter", "-1s"}, "--jitter"},
		{[]string{"--jitter", "3h"}, "--jitter"},
	} {
		code, _, stderr := runTriggerCmd(t, t.TempDir(), append([]string{"application_created", "--to", "http://127.0.0.1:1/"}, tc.args...)...)
		if code != 2 || !strings.Contains(stderr, tc.want) {
			t.Errorf("%v: exit %d, stderr %q; want 2 mentioning %q", tc.args, code, stderr, tc.want)
		}
		assertOneSentence(t, stderr)
	}
}
