package ui

import (
	"bytes"
	"context"
	"os"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/exp/teatest"
	"github.com/muesli/termenv"
)

func TestMain(m *testing.M) {
	// Goldens must not depend on the terminal or the time zone.
	lipgloss.SetColorProfile(termenv.Ascii)
	time.Local = time.UTC
	os.Exit(m.Run())
}

type harness struct {
	src   *testLog
	firer *fakeFirer
	hooks *fakeWebhooks
	cases *fakeCases
	clip  *fakeClipboard
	opts  Options
}

func newHarness(t *testing.T) *harness {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	h := &harness{src: newTestLog(t), hooks: &fakeWebhooks{}, clip: &fakeClipboard{}}
	h.firer = &fakeFirer{src: h.src, status: 200}
	h.cases = &fakeCases{results: []CaseResult{
		{Name: "created is acknowledged", Event: "application_created", Pass: true},
		{Name: "approved is acknowledged", Event: "application_approved", File: "cases/approved.json", Diff: sampleDiff},
	}}
	h.opts = Options{
		Context:   ctx,
		Firer:     h.firer,
		Builder:   fakeBuilder{},
		Exchanges: h.src.view,
		Webhooks:  h.hooks,
		Cases:     h.cases,
		Clipboard: h.clip,
		Status:    Status{APIAddr: "127.0.0.1:8484", PublicKey: "pk_test", SecretKey: "sk_test_secret", Target: "http://127.0.0.1:8485/webhooks"},
		Seed:      7,
	}
	return h
}

func press(s string) tea.KeyMsg {
	switch s {
	case "enter":
		return tea.KeyMsg{Type: tea.KeyEnter}
	case "esc":
		return tea.KeyMsg{Type: tea.KeyEscape}
	case "tab":
		return tea.KeyMsg{Type: tea.KeyTab}
	case "down":
		return tea.KeyMsg{Type: tea.KeyDown}
	case "up":
		return tea.KeyMsg{Type: tea.KeyUp}
	case "pgdown":
		return tea.KeyMsg{Type: tea.KeyPgDown}
	}
	return tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(s)}
}

func waitFor(t *testing.T, tm *teatest.TestModel, what ...string) {
	t.Helper()
	teatest.WaitFor(t, tm.Output(), func(b []byte) bool {
		for _, w := range what {
			if !bytes.Contains(b, []byte(w)) {
				return false
			}
		}
		return true
	}, teatest.WithDuration(5*time.Second), teatest.WithCheckInterval(10*time.Millisecond))
}

func finalModel(t *testing.T, tm *teatest.TestModel) Model {
	t.Helper()
	fm, ok := tm.FinalModel(t, teatest.WithFinalTimeout(5*time.Second)).(Model)
	if !ok {
		t.Fatalf("final model is %T, want ui.Model", fm)
	}
	return fm
}

// Fire application_created from Events, see it arrive in Deliveries, open
// its detail, copy its payload, filter the list.
func TestApp_FireAndBrowse(t *testing.T) {
	h := newHarness(t)
	tm := teatest.NewTestModel(t, New(h.opts), teatest.WithInitialTermSize(100, 30))

	waitFor(t, tm, `"key": "appl_000007"`) // preview of application_created, seed 7
	tm.Send(press("enter"))
	waitFor(t, tm, "application_created → http://127.0.0.1:8485/webhooks: 200")

	tm.Send(press("3"))
	waitFor(t, tm, "application_created", "1 of 1")
	tm.Send(press("enter"))
	waitFor(t, tm, "Delivery ex_", "Request body", "Response body")
	tm.Send(press("y"))
	waitFor(t, tm, "copied the payload")
	tm.Send(press("esc"))

	tm.Send(press("/"))
	tm.Type("failed")
	tm.Send(press("enter"))
	waitFor(t, tm, `filter "failed": 0 of 1`)
	tm.Send(press("esc")) // clears the filter
	waitFor(t, tm, "1 of 1")

	tm.Send(press("q"))
	fm := finalModel(t, tm)
	teatest.RequireEqualOutput(t, []byte(fm.View()))

	if got := h.firer.firedList(); len(got) != 1 || !strings.HasPrefix(got[0], "application_created:") {
		t.Errorf("fired %q, want one application_created", got)
	}
	if got := h.clip.copied(); !strings.Contains(got, `"appl_000007"`) {
		t.Errorf("clipboard holds %q, want the request body", got)
	}
	if fm.Active() != "Deliveries" || fm.deliveries.all.len() != 1 || fm.deliveries.filter.raw != "" {
		t.Errorf("final: screen %s, %d exchanges, filter %q", fm.Active(), fm.deliveries.all.len(), fm.deliveries.filter.raw)
	}
}

// Run the cases, accept the failing one: the runner records the accept and
// the case turns to PASS.
func TestApp_AcceptDiff(t *testing.T) {
	h := newHarness(t)
	tm := teatest.NewTestModel(t, New(h.opts), teatest.WithInitialTermSize(100, 30))

	tm.Send(press("4"))
	waitFor(t, tm, "Press r to run")
	tm.Send(press("r"))
	waitFor(t, tm, "FAIL", "approved is acknowledged", "body.ok", "- true", "+ false")
	tm.Send(press("v"))
	waitFor(t, tm, "side by side (want | got)", "want", "│ got", "true", "│ false")
	tm.Send(press("u"))
	waitFor(t, tm, "accepted the answer as the expectation: cases/approved.json:2: approved is acknowledged")

	tm.Send(press("q"))
	fm := finalModel(t, tm)
	teatest.RequireEqualOutput(t, []byte(fm.View()))
	if got := h.cases.acceptedList(); len(got) != 1 || got[0] != "approved is acknowledged" {
		t.Errorf("accepted %q, want the failing case", got)
	}
	for _, r := range fm.diff.results {
		if !r.Pass {
			t.Errorf("case %q still fails after accept", r.Name)
		}
	}
}

// Create a webhook through the form: a bad target is refused inline, then a
// good one is listed, subscribed to the events the form comes filled with.
func TestApp_CreateWebhook(t *testing.T) {
	h := newHarness(t)
	h.opts.Status.Target = ""
	tm := teatest.NewTestModel(t, New(h.opts), teatest.WithInitialTermSize(80, 24))

	tm.Send(press("2"))
	waitFor(t, tm, "No webhooks yet")
	tm.Send(press("n"))
	tm.Type("ftp://x")
	tm.Send(press("tab"))
	waitFor(t, tm, "application_created, application_approved")
	tm.Send(press("enter"))
	waitFor(t, tm, "is not an http(s) URL")
	tm.Send(press("tab"))
	for range len("ftp://x") {
		tm.Send(tea.KeyMsg{Type: tea.KeyBackspace})
	}
	tm.Type("http://localhost:3000/hooks")
	tm.Send(press("enter"))
	waitFor(t, tm, "webhook whook_00000000000001 created")

	tm.Send(press("d"))
	waitFor(t, tm, "Archive whook_00000000000001?")
	tm.Send(press("y"))
	waitFor(t, tm, "archived")

	tm.Send(press("q"))
	fm := finalModel(t, tm)
	teatest.RequireEqualOutput(t, []byte(fm.View()))
	hooks, _ := h.hooks.List(context.Background())
	if len(hooks) != 1 || hooks[0].Target != "http://localhost:3000/hooks" || !hooks[0].Archived ||
		strings.Join(hooks[0].Events, ",") != "application_created,application_approved" {
		t.Errorf("store holds %+v, want one archived webhook to localhost:3000 for application_created and application_approved", hooks)
	}
}

// Resize from 100x30 to 80x24 and back: every screen fits the new size.
func TestApp_Resize(t *testing.T) {
	h := newHarness(t)
	for i := 1; i <= 40; i++ {
		h.src.record(exchange(i, "application_created", []int{200, 500, 0, 404}[i%4], `{"n":1}`))
	}
	tm := teatest.NewTestModel(t, New(h.opts), teatest.WithInitialTermSize(100, 30))
	tm.Send(press("3"))
	waitFor(t, tm, "1 of 40")
	tm.Send(tea.WindowSizeMsg{Width: 80, Height: 24})
	tm.Send(press("G"))
	waitFor(t, tm, "40 of 40")
	tm.Send(press("q"))
	fm := finalModel(t, tm)
	out := fm.View()
	teatest.RequireEqualOutput(t, []byte(out))
	lines := strings.Split(out, "\n")
	if len(lines) != 24 {
		t.Errorf("view has %d lines at 80x24, want 24", len(lines))
	}
	for i, l := range lines {
		if w := lipgloss.Width(l); w > 80 {
			t.Errorf("line %d is %d cells wide at 80 columns: %q", i, w, l)
		}
	}
	if fm.deliveries.failed != 30 {
		t.Errorf("errors count %d, want 30 (500s, 404s and refused)", fm.deliveries.failed)
	}
}
