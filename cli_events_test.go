package main

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/psbox-dev/psbox/fixtures"
)

// runEvents runs one psbox command line in-process.
func runEvents(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(context.Background(), args, strings.NewReader(""), &out, &errb)
	return code, out.String(), errb.String()
}

func TestEvents_TableListsConfirmedFirst(t *testing.T) {
	code, out, stderr := runEvents(t, "events")
	if code != 0 {
		t.Fatalf("exit %d, stderr: %s", code, stderr)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != len(fixtures.Events())+1 {
		t.Fatalf("got %d lines, want a header and %d events:\n%s", len(lines), len(fixtures.Events()), out)
	}
	if f := strings.Fields(lines[0]); len(f) < 5 || f[0] != "NAME" || f[3] != "CONFIRMED" {
		t.Errorf("header = %q", lines[0])
	}
	if f := strings.Fields(lines[1]); f[0] != "application_created" || f[3] != "yes" {
		t.Errorf("first row = %q, want application_created, confirmed", lines[1])
	}
	seenGuess := false
	for _, l := range lines[1:] {
		switch strings.Fields(l)[3] {
		case "no":
			seenGuess = true
		case "yes":
			if seenGuess {
				t.Errorf("confirmed event listed after a guess: %q", l)
			}
		}
	}
	if !seenGuess {
		t.Error("no unconfirmed event listed")
	}
}

func TestEvents_JSONLinesParse(t *testing.T) {
	code, out, stderr := runEvents(t, "events", "--json")
	if code != 0 {
		t.Fatalf("exit %d, stderr: %s", code, stderr)
	}
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if len(lines) != len(fixtures.Events()) {
		t.Fatalf("got %d lines, want %d", len(lines), len(fixtures.Events()))
	}
	for i, l := range lines {
		var ev fixtures.Event
		if err := json.Unmarshal([]byte(l), &ev); err != nil {
			t.Fatalf("line %d %q: %v", i+1, l, err)
		}
		if ev != fixtures.Events()[i] {
			t.Errorf("line %d = %+v, want %+v", i+1, ev, fixtures.Events()[i])
		}
	}
}

func TestEventsShow_DeterministicWithSeed(t *testing.T) {
	args := []string{"events", "show", "application_approved", "--seed", "7", "--set", "content.email=jane@example.com"}
	code, first, stderr := runEvents(t, args...)
	if code != 0 {
		t.Fatalf("exit %d, stderr: %s", code, stderr)
	}
	if stderr != "" {
		t.Errorf("stderr = %q, want nothing", stderr)
	}
	var v map[string]any
	if err := json.Unmarshal([]byte(first), &v); err != nil {
		t.Fatalf("stdout is not one JSON document: %v\n%s", err, first)
	}
	if got := v["content"].(map[string]any)["email"]; got != "jane@example.com" {
		t.Errorf("content.email = %v, want the --set value", got)
	}
	if v["approved"] != true || v["event"] != "application_approved" {
		t.Errorf("approved = %v, event = %v", v["approved"], v["event"])
	}
	if !strings.Contains(first, "\n  \"") {
		t.Errorf("output is not pretty-printed:\n%s", first)
	}
	_, second, _ := runEvents(t, args...)
	if first != second {
		t.Errorf("same --seed gave different output:\n%s\n---\n%s", first, second)
	}
	_, other, _ := runEvents(t, "events", "show", "application_approved", "--seed", "8")
	if other == first {
		t.Error("different seeds gave the same output")
	}
}

func TestEventsShow_UnsetAndCreate(t *testing.T) {
	code, out, stderr := runEvents(t, "events", "show", "customer_updated", "--seed", "1",
		"--set", "+meta.campaign=spring", "--unset", "archived")
	if code != 0 {
		t.Fatalf("exit %d, stderr: %s", code, stderr)
	}
	var v map[string]any
	if err := json.Unmarshal([]byte(out), &v); err != nil {
		t.Fatal(err)
	}
	if _, ok := v["archived"]; ok {
		t.Error("--unset archived left the field")
	}
	if m, _ := v["meta"].(map[string]any); m["campaign"] != "spring" {
		t.Errorf("meta = %v, want campaign spring", v["meta"])
	}
}

func TestEventsShow_UserMistakesExit2(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want []string // substrings of stderr
	}{
		{"unknown event", []string{"events", "show", "application_create"}, []string{"unknown event", "application_created"}},
		{"no event", []string{"events", "show"}, []string{"one event name"}},
		{"missing path", []string{"events", "show", "application_created", "--set", "content.emial=x"}, []string{"content.emial", "email"}},
		{"no equals", []string{"events", "show", "application_created", "--set", "content.email"}, []string{"PATH=VALUE"}},
		{"empty path", []string{"events", "show", "application_created", "--set", "=x"}, []string{"empty path"}},
		{"unset missing", []string{"events", "show", "application_created", "--unset", "nope"}, []string{"nope"}},
		{"bad seed", []string{"events", "show", "application_created", "--seed", "abc"}, []string{"seed"}},
		{"stray arg", []string{"events", "extra"}, []string{"extra"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, out, stderr := runEvents(t, tc.args...)
			if code != 2 {
				t.Errorf("exit %d, want 2; stderr: %s", code, stderr)
			}
			if out != "" {
				t.Errorf("stdout = %q, want nothing", out)
			}
			for _, w := range tc.want {
				if !strings.Contains(stderr, w) {
					t.Errorf("stderr %q does not mention %q", stderr, w)
				}
			}
			if strings.Contains(stderr, "goroutine") || strings.Contains(stderr, "panic") {
				t.Errorf("stack trace on stderr: %s", stderr)
			}
			if n := strings.Count(strings.TrimSpace(stderr), "\n"); n > 1 {
				t.Errorf("stderr has %d lines, want one sentence: %s", n+1, stderr)
			}
		})
	}
}

func TestEventsShow_GuessedEventNotedOnStderr(t *testing.T) {
	code, out, stderr := runEvents(t, "events", "show", "deal.created", "--seed", "3")
	if code != 0 {
		t.Fatalf("exit %d, stderr: %s", code, stderr)
	}
	var v struct {
		Event string         `json:"event"`
		Test  *bool          `json:"test"`
		Data  map[string]any `json:"data"`
	}
	if err := json.Unmarshal([]byte(out), &v); err != nil {
		t.Fatalf("stdout is not JSON: %v\n%s", err, out)
	}
	if v.Event != "deal.created" || v.Test == nil || *v.Test || v.Data["key"] == nil {
		t.Errorf("payload = %s, want the {event, test, data} envelope", out)
	}
	if !strings.Contains(stderr, "guess") || strings.Contains(out, "guess") {
		t.Errorf("stderr = %q: want the guess noted there and not on stdout", stderr)
	}
}

func TestEventsShow_EveryEvent(t *testing.T) {
	for _, ev := range fixtures.Events() {
		code, out, stderr := runEvents(t, "events", "show", ev.Name, "--seed", "1")
		if code != 0 || !json.Valid([]byte(out)) {
			t.Errorf("%s: exit %d, stderr %q, stdout valid JSON: %v", ev.Name, code, stderr, json.Valid([]byte(out)))
		}
	}
}
