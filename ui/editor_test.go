package ui

import (
	"io"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/psbox-dev/psbox/internal/testutil"
)

// fakeEditor is an external editor that replaces the payload with its
// edit: a tea.ExecCommand, so the UI's exec path runs without a process.
type fakeEditor struct{ edit string }

type fakeEditorRun struct {
	text *string
	edit string
}

func (r fakeEditorRun) Run() error          { *r.text = r.edit; return nil }
func (r fakeEditorRun) SetStdin(io.Reader)  {}
func (r fakeEditorRun) SetStdout(io.Writer) {}
func (r fakeEditorRun) SetStderr(io.Writer) {}

func (e fakeEditor) Prepare(text string) (tea.ExecCommand, func() (string, error), error) {
	out := new(string)
	return fakeEditorRun{out, e.edit}, func() (string, error) { return *out, nil }, nil
}

// e hands the terminal to the external editor, fires what it saved, and
// the screen is drawn again when the editor returns.
//
// The program runs as psbox runs it (cli_tui.go: the alternate screen),
// not under teatest: teatest draws inline, and bubbletea v1 draws no frame
// after an exec in inline mode (the frames after the editor were lost
// there: 28 of 30 runs), while on the alternate screen it repaints when
// the terminal comes back, as in a real terminal.
func TestApp_ExternalEditorFiresTheEditedPayload(t *testing.T) {
	h := newHarness(t)
	h.opts.Editor = fakeEditor{edit: `{"edited": true}`}
	var out testutil.Buffer
	p := tea.NewProgram(New(h.opts), tea.WithInput(strings.NewReader("")), tea.WithOutput(&out), tea.WithoutSignals(), tea.WithAltScreen())
	done := make(chan tea.Model, 1)
	go func() {
		m, err := p.Run()
		if err != nil {
			t.Errorf("the program ended with %v", err)
		}
		done <- m
	}()
	p.Send(tea.WindowSizeMsg{Width: 100, Height: 30})
	screenShows := func(from int, what string) int {
		t.Helper()
		deadline := time.Now().Add(5 * time.Second)
		for time.Now().Before(deadline) {
			if s := out.String(); strings.Contains(s[from:], what) {
				return len(s)
			}
			time.Sleep(10 * time.Millisecond)
		}
		t.Fatalf("the screen never showed %q; it drew:\n%s", what, out.String()[from:])
		return 0
	}
	at := screenShows(0, `"key": "appl_000007"`)
	p.Send(press("e"))
	screenShows(at, "application_created → http://127.0.0.1:8485/webhooks: 200")
	p.Send(press("q"))
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		p.Kill()
		t.Fatal("q did not end the program after the editor returned")
	}
	fired := h.firer.firedList()
	if len(fired) != 1 || !strings.HasPrefix(fired[0], "application_created:") || !strings.Contains(fired[0], `"edited"`) {
		t.Errorf("fired %q, want the edited payload once", fired)
	}
}
