package ui

import (
	"io"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/exp/teatest"
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

// e hands the terminal to the external editor and fires what it saved.
func TestApp_ExternalEditorFiresTheEditedPayload(t *testing.T) {
	h := newHarness(t)
	h.opts.Editor = fakeEditor{edit: `{"edited": true}`}
	tm := teatest.NewTestModel(t, New(h.opts), teatest.WithInitialTermSize(100, 30))
	waitFor(t, tm, `"key": "appl_000007"`)
	tm.Send(press("e"))
	// The fire is awaited in the firer, not on the screen: under teatest
	// the frames drawn after the terminal comes back from the editor are
	// lost in about one run in four (the output is not a terminal).
	deadline := time.Now().Add(5 * time.Second)
	for len(h.firer.firedList()) == 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	tm.Send(press("q"))
	finalModel(t, tm)
	fired := h.firer.firedList()
	if len(fired) != 1 || !strings.HasPrefix(fired[0], "application_created:") || !strings.Contains(fired[0], `"edited"`) {
		t.Errorf("fired %q, want the edited payload once", fired)
	}
}
