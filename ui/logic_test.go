package ui

import (
	"context"
	"errors"
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/google/go-cmp/cmp"
	"github.com/muesli/termenv"
	"github.com/psbox-dev/psbox/recorder"
)

func TestWindow(t *testing.T) {
	tests := []struct {
		name                          string
		cursor, offset, height, total int
		wantCursor, wantOffset        int
	}{
		{"empty list", 3, 2, 10, 0, 0, 0},
		{"inside the window", 4, 0, 10, 100, 4, 0},
		{"below the window scrolls down", 12, 0, 10, 100, 12, 3},
		{"above the window scrolls up", 2, 5, 10, 100, 2, 2},
		{"past the end clamps", 150, 0, 10, 100, 99, 90},
		{"before the start clamps", -3, 0, 10, 100, 0, 0},
		{"short list never scrolls", 3, 2, 10, 5, 3, 0},
		{"offset past the end is pulled back", 95, 97, 10, 100, 95, 90},
		{"zero height acts as one row", 5, 0, 0, 10, 5, 5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, o := window(tt.cursor, tt.offset, tt.height, tt.total)
			if c != tt.wantCursor || o != tt.wantOffset {
				t.Errorf("window(%d, %d, %d, %d) = %d, %d; want %d, %d",
					tt.cursor, tt.offset, tt.height, tt.total, c, o, tt.wantCursor, tt.wantOffset)
			}
		})
	}
}

func TestFilterMatch(t *testing.T) {
	ok := exchange(1, "application_created", 200, "{}")
	notFound := exchange(2, "partnership_created", 404, "{}")
	down := exchange(3, "application_approved", 503, "{}")
	refused := exchange(4, "customer_updated", 0, "{}")
	all := []recorder.Exchange{ok, notFound, down, refused}
	tests := []struct {
		filter string
		want   []string // IDs
	}{
		{"", []string{ok.ID, notFound.ID, down.ID, refused.ID}},
		{"failed", []string{notFound.ID, down.ID, refused.ID}},
		{"ok", []string{ok.ID}},
		{"2xx", []string{ok.ID}},
		{"4xx 5xx", []string{notFound.ID, down.ID}},
		{"application", []string{ok.ID, down.ID}},
		{"APPLICATION failed", []string{down.ID}},
		{"5xx customer", nil},
		{"503", []string{down.ID}},
		{"404 503", []string{notFound.ID, down.ID}},
		{"40", []string{notFound.ID}},
		{"999", nil},
		{"  created  ", []string{ok.ID, notFound.ID}},
	}
	for _, tt := range tests {
		t.Run(tt.filter, func(t *testing.T) {
			f := parseFilter(tt.filter)
			s := newTestDeliveries(0)
			var got []string
			for i := range all {
				sm := recorder.SummaryOf(&all[i])
				r := s.toRow(&sm)
				if f.match(&r) {
					got = append(got, all[i].ID)
				}
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("filter %q (-want +got):\n%s", tt.filter, diff)
			}
		})
	}
}

func newTestDeliveries(n int) deliveriesScreen {
	c := &common{ctx: context.Background(), styles: DefaultStyles()}
	s := newDeliveriesScreen(c)
	s.SetSize(80, 12) // 10 list rows
	list := make([]recorder.Exchange, n)
	for i := range list {
		list[i] = exchange(i+1, []string{"application_created", "customer_updated"}[i%2], []int{200, 500}[i%3%2], "{}")
	}
	s, _ = s.Update(followed(list...))
	return s
}

// New exchanges keep the selection on the same exchange, unless it was on
// the newest: then it follows the newest. Away from the top, the footer
// counts what arrived above.
func TestDeliveries_LiveAppendKeepsSelection(t *testing.T) {
	s := newTestDeliveries(30)
	s, _ = s.Update(press("down"))
	s, _ = s.Update(press("down"))
	before, _ := s.selected()

	s, _ = s.Update(followed(exchange(31, "application_created", 200, "{}"), exchange(5, "application_created", 200, "{}")))
	if got, _ := s.selected(); got != before {
		t.Errorf("selection moved from %s to %s when an exchange arrived", before, got)
	}
	if s.all.len() != 32 {
		t.Errorf("%d exchanges, want 32: the log may hold an older ID after a newer one", s.all.len())
	}
	if v := s.View(); !strings.Contains(v, "2 new ↑") {
		t.Errorf("footer does not count the 2 new rows above:\n%s", v)
	}

	s, _ = s.Update(press("g"))
	if v := s.View(); strings.Contains(v, "new ↑") {
		t.Errorf("back at the top, the footer still counts new rows:\n%s", v)
	}
	s, _ = s.Update(followed(exchange(33, "customer_updated", 500, "{}")))
	if got, _ := s.selected(); got != "ex_00000033" {
		t.Errorf("at the top, selection is %s, want the newest ex_00000033", got)
	}
	if s.failed != 1+10 {
		t.Errorf("failed count %d, want 11", s.failed)
	}
}

func TestDeliveries_FilterThenLive(t *testing.T) {
	s := newTestDeliveries(30)
	s.applyFilter(parseFilter("customer failed"))
	n := s.rows()
	s, _ = s.Update(followed(exchange(31, "customer_updated", 500, "{}"), exchange(32, "customer_updated", 200, "{}")))
	if s.rows() != n+1 {
		t.Errorf("rows %d, want %d: only the failed customer exchange matches", s.rows(), n+1)
	}
	if got, _ := s.selected(); got != "ex_00000031" {
		t.Errorf("selected %s, want the newest match ex_00000031", got)
	}
	view := s.View()
	if !strings.Contains(view, `filter "customer failed"`) {
		t.Errorf("view does not show the filter:\n%s", view)
	}
}

func TestDeliveries_ViewRendersOnlyVisibleRows(t *testing.T) {
	s := newTestDeliveries(1000)
	s, _ = s.Update(press("pgdown"))
	view := s.View()
	if got := strings.Count(view, "\n") + 1; got != s.height {
		t.Errorf("view has %d lines, want the screen height %d", got, s.height)
	}
	if !strings.Contains(view, "11 of 1000") {
		t.Errorf("after a page down the cursor should be on row 11:\n%s", view)
	}
}

func TestDeliveries_KeysDisabledWhenEmpty(t *testing.T) {
	s := newTestDeliveries(0)
	s, _ = s.Update(tea.WindowSizeMsg{}) // any message refreshes the bindings
	if s.keys.Open.Enabled() || s.keys.Replay.Enabled() || s.keys.Copy.Enabled() {
		t.Error("open, replay and copy should be disabled with no exchanges")
	}
	s, _ = s.Update(followed(exchange(1, "application_created", 200, "{}")))
	if !s.keys.Open.Enabled() || !s.keys.Copy.Enabled() {
		t.Error("open and copy should be enabled once an exchange is listed")
	}
}

// Side by side: want on the left of the bar, got on the right, aligned.
func TestSideBySide(t *testing.T) {
	got := sideBySide(DefaultStyles(), expandTabs(sampleDiff), 60)
	lines := strings.Split(got, "\n")
	if len(lines) != 2 || !strings.Contains(lines[0], "want") || !strings.Contains(lines[0], "│ got") {
		t.Fatalf("got %d lines, want a want | got header and one difference:\n%s", len(lines), got)
	}
	left, right, _ := strings.Cut(lines[1], "│")
	if !strings.Contains(left, "body.ok") || !strings.Contains(left, "true") || strings.Contains(left, "false") || strings.TrimSpace(right) != "false" {
		t.Errorf("want | got is %q | %q", left, right)
	}
	if strings.Index(lines[0], "│") != strings.Index(lines[1], "│") {
		t.Errorf("columns are not aligned:\n%s", got)
	}
	// A long value wraps inside its column instead of being cut.
	long := "body.note: -\"" + strings.Repeat("a", 70) + "\" +\"b\""
	out := sideBySide(DefaultStyles(), long, 60)
	if strings.Count(out, "a") != 70+1 || strings.Contains(out, "…") { // and the a of "want"
		t.Errorf("the long value was cut:\n%s", out)
	}
}

// The unified view shows -want in red and +got in green.
func TestUnified_Coloured(t *testing.T) {
	lipgloss.SetColorProfile(termenv.ANSI256)
	defer lipgloss.SetColorProfile(termenv.Ascii)
	st := DefaultStyles()
	out := unified(st, sampleDiff, 80)
	if !strings.Contains(out, st.Diff.Del.Render("- true")) || !strings.Contains(out, st.Diff.Add.Render("+ false")) ||
		st.Diff.Del.Render("- true") == "- true" || st.Diff.Add.Render("x") == st.Diff.Del.Render("x") {
		t.Errorf("want and got are not coloured apart:\n%q", out)
	}
}

func TestLineInput(t *testing.T) {
	in := newLineInput(DefaultStyles(), "> ", "", 10)
	in.Focus()
	for _, k := range []tea.KeyMsg{
		press("h"), press("ello"), {Type: tea.KeySpace}, press("wor"), {Type: tea.KeyLeft},
		{Type: tea.KeyBackspace}, {Type: tea.KeyEnd}, press("ld!!!!"),
	} {
		in = in.Update(k)
	}
	if got := in.Value(); got != "hello wr"+"ld" {
		t.Errorf("value %q, want %q (char limit 10)", got, "hello wrld")
	}
	in = in.Update(tea.KeyMsg{Type: tea.KeyCtrlW})
	if got := in.Value(); got != "hello " {
		t.Errorf("after ctrl+w %q, want %q", got, "hello ")
	}
}

func TestTextEditor(t *testing.T) {
	e := newTextEditor(DefaultStyles())
	e.SetValue("{\n}")
	for _, k := range []tea.KeyMsg{{Type: tea.KeyEnd}, {Type: tea.KeyEnter}, press(`"a":1`)} {
		e = e.Update(k)
	}
	if got, want := e.Value(), "{\n\"a\":1\n}"; got != want {
		t.Errorf("value %q, want %q", got, want)
	}
	e = e.Update(tea.KeyMsg{Type: tea.KeyHome})
	e = e.Update(tea.KeyMsg{Type: tea.KeyBackspace})
	if got, want := e.Value(), "{\"a\":1\n}"; got != want {
		t.Errorf("after joining lines %q, want %q", got, want)
	}
}

// An edited payload that is not JSON is a status-line error and nothing is
// fired; valid JSON is fired compacted.
func TestEvents_EditedPayload(t *testing.T) {
	h := newHarness(t)
	m := New(h.opts)
	_, cmd := m.events.Update(payloadEditedMsg{event: "application_created", text: `{"a": `})
	msg := cmd()
	if e, ok := msg.(errMsg); !ok || !strings.Contains(e.err.Error(), "not valid JSON") {
		t.Fatalf("got %#v, want an errMsg about invalid JSON", msg)
	}
	if n := len(h.firer.firedList()); n != 0 {
		t.Fatalf("%d events fired after invalid JSON, want 0", n)
	}
	_, cmd = m.events.Update(payloadEditedMsg{event: "application_created", text: "{\n  \"a\": 1\n}"})
	if _, ok := cmd().(eventFiredMsg); !ok {
		t.Fatal("valid JSON was not fired")
	}
	if got := h.firer.firedList(); len(got) != 1 || got[0] != `application_created:{"a":1}` {
		t.Errorf("fired %q, want the compacted edit", got)
	}
}

// Without an external editor the payload opens inline; ctrl+s fires it.
func TestEvents_InlineEditFires(t *testing.T) {
	h := newHarness(t)
	m := New(h.opts)
	m.events, _ = m.events.Update(payloadBuiltMsg{event: "application_created", seed: 7, body: []byte(`{"x":1}`)})
	_, cmd := m.events.Update(press("e"))
	m.events, _ = m.events.Update(cmd()) // inlineEditRequestedMsg
	if !m.events.editing || !m.events.capturing() {
		t.Fatal("the inline editor did not open")
	}
	m.events, cmd = m.events.Update(tea.KeyMsg{Type: tea.KeyCtrlS})
	if m.events.editing {
		t.Error("the editor stayed open after ctrl+s")
	}
	if _, ok := cmd().(eventFiredMsg); !ok {
		t.Error("ctrl+s did not fire")
	}
}

// Errors: recoverable ones go to the status line and clear on the next
// key; fatal ones replace the view and any key quits.
func TestModel_ErrorLevels(t *testing.T) {
	h := newHarness(t)
	var tm tea.Model = New(h.opts)
	tm, _ = tm.Update(tea.WindowSizeMsg{Width: 80, Height: 24})
	tm, _ = tm.Update(errMsg{errors.New("receiver down; start it and retry")})
	if v := tm.View(); !strings.Contains(v, "✗ receiver down; start it and retry") {
		t.Errorf("status line missing the error:\n%s", v)
	}
	tm, _ = tm.Update(press("down"))
	if v := tm.View(); strings.Contains(v, "receiver down") {
		t.Error("the status line did not clear on the next key")
	}
	tm, _ = tm.Update(errMsg{fatalError{errors.New("the recorder closed")}})
	if v := tm.View(); !strings.Contains(v, "psbox cannot go on: the recorder closed") {
		t.Errorf("no error view:\n%s", v)
	}
	_, cmd := tm.Update(press("x"))
	if _, ok := cmd().(tea.QuitMsg); !ok {
		t.Error("a key on the error view should quit")
	}
	if tm.(Model).Err() == nil {
		t.Error("Err() should return the fatal error for main to print")
	}
}

// ? shows every binding of the screen plus the global ones, and the screen
// shrinks to make room.
func TestModel_FullHelp(t *testing.T) {
	h := newHarness(t)
	var tm tea.Model = New(h.opts)
	tm, _ = tm.Update(tea.WindowSizeMsg{Width: 100, Height: 30})
	short := tm.(Model).events.height
	tm, _ = tm.Update(press("?"))
	v := tm.View()
	for _, want := range []string{"shift+tab", "previous screen", "pgdn", "seed"} {
		if !strings.Contains(v, want) {
			t.Errorf("full help lacks %q:\n%s", want, v)
		}
	}
	if got := tm.(Model).events.height; got >= short {
		t.Errorf("screen height %d with full help, want less than %d", got, short)
	}
	if n := strings.Count(v, "\n") + 1; n != 30 {
		t.Errorf("view has %d lines, want 30", n)
	}
}
