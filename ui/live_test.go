package ui

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/exp/teatest"
	"github.com/psbox-dev/psbox/recorder"
)

// Another writer (a second Store on the same file, as psbox trigger in
// another terminal is) appends while the UI runs: every exchange shows up,
// in log order, and the status bar counts all of them.
func TestApp_ShowsWhatAnotherWriterAppends(t *testing.T) {
	h := newHarness(t)
	tm := teatest.NewTestModel(t, New(h.opts), teatest.WithInitialTermSize(120, 30))
	tm.Send(press("3"))
	waitFor(t, tm, "No exchanges yet")

	other, err := recorder.Open(h.src.dir, recorder.Options{AppendOnly: true, FlushInterval: 5 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	first := exchange(1, "customer_updated", 503, "{}")
	first.DeliveryID = "dlv_from_elsewhere"
	other.Append(first)
	waitFor(t, tm, "customer_updated", "503", "1 of 1")

	// A mock API call that was refused is listed too.
	other.Append(recorder.Exchange{Kind: recorder.KindAPI, Target: "http://127.0.0.1:8484/api/v2/webhooks",
		Request: recorder.Request{Method: "GET", URL: "http://127.0.0.1:8484/api/v2/webhooks"}, Response: &recorder.Response{Status: 401}, Start: baseTime})
	waitFor(t, tm, "GET /api/v2/webhooks", "401")

	// 1,000 more while the UI runs, from a goroutine, with the cursor away
	// from the top: none dropped, and the footer counts them.
	tm.Send(press("j"))
	go func() {
		for i := range 1000 {
			other.Append(exchange(1000+i, "application_created", 200, "{}"))
		}
		other.Flush()
	}()
	waitFor(t, tm, "deliveries 1002 ", "1000 new ↑")

	tm.Send(press("q"))
	fm := finalModel(t, tm)
	d := fm.deliveries
	if d.all.len() != 1002 || d.failed != 2 {
		t.Fatalf("listed %d exchanges (%d failed), want 1002 (2 failed)", d.all.len(), d.failed)
	}
	for i := 2; i < d.all.len(); i++ {
		if want := fmt.Sprintf("dlv_%08d", 1000+i-2); d.all.get(i).deliveryID != want {
			t.Fatalf("row %d is %s, want %s: not in log order", i, d.all.get(i).deliveryID, want)
		}
	}
	if d.all.get(0).deliveryID != "dlv_from_elsewhere" || !d.all.get(1).api {
		t.Errorf("first rows %+v %+v", d.all.get(0), d.all.get(1))
	}
}

// Keys that arrive in one read (key repeat, SSH) are each applied.
func TestApp_KeysInOneReadEachApply(t *testing.T) {
	h := newHarness(t)
	for i := 1; i <= 40; i++ {
		h.src.record(exchange(i, "application_created", 200, `{}`))
	}
	tm := teatest.NewTestModel(t, New(h.opts), teatest.WithInitialTermSize(80, 24))
	tm.Send(press("3"))
	waitFor(t, tm, "1 of 40")
	tm.Send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("jjj")})
	waitFor(t, tm, "4 of 40")
	// "/" then text in one read: the rest is typed into the filter.
	tm.Send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("/dlv_00000007")})
	tm.Send(press("enter"))
	waitFor(t, tm, `filter "dlv_00000007": 1 of 40`)
	tm.Send(press("q"))
	fm := finalModel(t, tm)
	if fm.deliveries.filter.raw != "dlv_00000007" {
		t.Errorf("filter %q", fm.deliveries.filter.raw)
	}
}

// The filter applies while it is typed, and esc while typing goes back
// to the filter from before.
func TestDeliveries_FilterAsYouType(t *testing.T) {
	s := newTestDeliveries(0)
	s, _ = s.Update(followed(
		exchange(1, "application_created", 200, "{}"),
		exchange(2, "application_created", 503, "{}"),
		exchange(3, "customer_updated", 0, "{}"),
	))
	s, _ = s.Update(press("/"))
	for _, r := range "50" {
		s, _ = s.Update(press(string(r)))
	}
	if s.rows() != 1 {
		t.Errorf("after typing 50: %d rows, want the 503", s.rows())
	}
	s, _ = s.Update(press("3"))
	if s.rows() != 1 || s.all.get(s.at(0)).status != 503 {
		t.Errorf("503: %d rows", s.rows())
	}
	s, _ = s.Update(press("esc"))
	if s.rows() != 3 || !s.filter.empty() {
		t.Errorf("esc while typing: %d rows, filter %q; want all 3 and no filter", s.rows(), s.filter.raw)
	}
	s, _ = s.Update(press("/"))
	for _, r := range "refused" {
		s, _ = s.Update(press(string(r)))
	}
	s, _ = s.Update(press("enter"))
	if s.rows() != 1 || s.all.get(s.at(0)).deliveryID != "dlv_00000003" {
		t.Fatalf("refused: %d rows", s.rows())
	}
	if v := s.View(); !strings.Contains(v, "refused") || !strings.Contains(v, `filter "refused": 1 of 3`) {
		t.Errorf("a refused row shows its reason where the status would be:\n%s", v)
	}
}

// The newest page shows at once; the history read from the start of the
// log replaces it when it catches up, the selection staying put.
func TestDeliveries_FirstPageThenHistory(t *testing.T) {
	c := &common{ctx: t.Context(), styles: DefaultStyles(), deps: Options{Exchanges: newTestLog(t).view}}
	s := newDeliveriesScreen(c)
	s.SetSize(80, 12)
	var all []recorder.Exchange
	for i := 1; i <= 50; i++ {
		all = append(all, exchange(i, "application_created", 200, "{}"))
	}
	page := followed(all[40:]...).batch.Summaries
	for i, j := 0, len(page)-1; i < j; i, j = i+1, j-1 {
		page[i], page[j] = page[j], page[i] // Recent is newest first
	}
	s, _ = s.Update(exchangesFirstPageMsg{page})
	s, _ = s.Update(press("j"))
	if s.rows() != 10 || s.all.get(s.at(1)).deliveryID != "dlv_00000049" {
		t.Fatalf("first page: %d rows", s.rows())
	}
	first := followed(all[:30]...)
	first.batch.CaughtUp = false
	s, _ = s.Update(first)
	if s.rows() != 10 || !strings.Contains(s.View(), "reading the log: 30…") {
		t.Fatalf("while reading: %d rows\n%s", s.rows(), s.View())
	}
	s, _ = s.Update(followed(all[30:]...))
	if s.rows() != 50 || s.all.get(s.at(s.cursor)).deliveryID != "dlv_00000049" {
		t.Fatalf("caught up: %d rows, cursor on %s", s.rows(), s.all.get(s.at(s.cursor)).deliveryID)
	}
	if strings.Contains(s.View(), "reading the log") {
		t.Error("still says it is reading the log")
	}
}

// The first page comes from the store, which may hold exchanges not yet
// in the file the history is read from: a history that catches up with
// the file before they reach it does not replace the page (and lose the
// selection) until it holds them too.
func TestDeliveries_HistoryBehindThePageWaitsForIt(t *testing.T) {
	c := &common{ctx: t.Context(), styles: DefaultStyles(), deps: Options{Exchanges: newTestLog(t).view}}
	s := newDeliveriesScreen(c)
	s.SetSize(80, 12)
	var all []recorder.Exchange
	for i := 1; i <= 40; i++ {
		all = append(all, exchange(i, "application_created", 200, "{}"))
	}
	page := followed(all...).batch.Summaries
	slices.Reverse(page) // Recent is newest first
	s, _ = s.Update(exchangesFirstPageMsg{page})
	for range 3 {
		s, _ = s.Update(press("j"))
	}
	if got, _ := s.selected(); got != "ex_00000037" {
		t.Fatalf("first page: selected %s, want ex_00000037", got)
	}
	s, _ = s.Update(followed(all[:25]...)) // caught up with a file that has 25 so far
	if s.rows() != 40 || !strings.Contains(s.View(), "4 of 40") {
		t.Fatalf("the history of 25 replaced the page of 40:\n%s", s.View())
	}
	s, _ = s.Update(followed(all[25:]...))
	if got, _ := s.selected(); s.rows() != 40 || got != "ex_00000037" || !strings.Contains(s.View(), "4 of 40") {
		t.Fatalf("caught up: %d rows, selected %s\n%s", s.rows(), got, s.View())
	}
	if s.caughtUp != true || strings.Contains(s.View(), "reading the log") {
		t.Error("still reading the log once the history holds the page")
	}
}

// Case files with problems: every problem is listed with its file:line,
// scrollable; once they are fixed, r runs the cases again.
func TestApp_BadCasesShowEveryProblemAndRecover(t *testing.T) {
	h := newHarness(t)
	var problems []string
	for i := 1; i <= 11; i++ {
		problems = append(problems, fmt.Sprintf("cases/c%d.json:%d:5: unknown field \"nmae\" in a case; the fields are name, event, seed, set, unset, expect, ignore", i, i+1))
	}
	h.cases.setProblems(fmt.Errorf("the case files have 11 problems; fix them and run again:\n  %s", strings.Join(problems, "\n  ")))
	tm := teatest.NewTestModel(t, New(h.opts), teatest.WithInitialTermSize(80, 24))
	tm.Send(press("4"))
	tm.Send(press("r"))
	waitFor(t, tm, "could not be loaded", "cases/c1.json:2:5", "fix them and press r")
	h.cases.setProblems(nil)
	tm.Send(press("r"))
	waitFor(t, tm, "FAIL", "approved is acknowledged")
	tm.Send(press("q"))
	fm := finalModel(t, tm)
	if fm.diff.running || len(fm.diff.results) != 2 || fm.diff.problems != "" {
		t.Errorf("after the fix: running %v, %d results, problems %q", fm.diff.running, len(fm.diff.results), fm.diff.problems)
	}
}

// The problems scroll with ↑/↓ until the last one shows.
func TestDiff_ProblemsScroll(t *testing.T) {
	h := newHarness(t)
	var problems []string
	for i := 1; i <= 30; i++ {
		problems = append(problems, fmt.Sprintf("cases/c%d.json:%d:5: unknown field", i, i+1))
	}
	var m tea.Model = New(h.opts)
	m, _ = m.Update(tea.WindowSizeMsg{Width: 80, Height: 24})
	m, _ = m.Update(press("4"))
	m, _ = m.Update(casesFailedMsg{fmt.Errorf("the case files have 30 problems:\n  %s", strings.Join(problems, "\n  "))})
	if v := m.View(); !strings.Contains(v, "cases/c1.json:2:5") || strings.Contains(v, "cases/c30.json") {
		t.Fatalf("first page:\n%s", v)
	}
	for range 20 {
		m, _ = m.Update(press("j"))
	}
	if v := m.View(); !strings.Contains(v, "cases/c30.json:31:5") {
		t.Fatalf("after scrolling:\n%s", v)
	}
}

// A busy default port is said on screen and in the status bar, and the
// receiver's port of this run only cannot be saved in a webhook.
func TestApp_MovedPortIsSaidAndNotSaved(t *testing.T) {
	h := newHarness(t)
	h.opts.Status.Target = "http://127.0.0.1:40123/webhooks"
	h.opts.Status.Moved = []string{"8485 busy, receiver on 127.0.0.1:40123"}
	h.opts.Status.TemporaryTarget = true
	tm := teatest.NewTestModel(t, New(h.opts), teatest.WithInitialTermSize(160, 30))
	waitFor(t, tm, "default port busy: 8485 busy, receiver on 127.0.0.1:40123; for this run only")
	tm.Send(press("2"))
	tm.Send(press("n"))
	tm.Type("http://127.0.0.1:40123/webhooks")
	tm.Send(press("enter"))
	waitFor(t, tm, "exists only for this run")
	tm.Send(press("esc"))
	tm.Send(press("q"))
	fm := finalModel(t, tm)
	if hooks, _ := h.hooks.List(t.Context()); len(hooks) != 0 {
		t.Errorf("saved %+v", hooks)
	}
	if !strings.Contains(fm.statusBarView(), "8485 busy, receiver on 127.0.0.1:40123") {
		t.Errorf("status bar: %s", fm.statusBarView())
	}
}

// At 80x24 the footer still shows ? and q on every screen.
func TestApp_FooterAt80ShowsHelpAndQuit(t *testing.T) {
	h := newHarness(t)
	var m tea.Model = New(h.opts)
	m, _ = m.Update(tea.WindowSizeMsg{Width: 80, Height: 24})
	for _, k := range []string{"1", "2", "3", "4"} {
		m, _ = m.Update(press(k))
		lines := strings.Split(m.View(), "\n")
		foot := lines[len(lines)-1]
		if !strings.Contains(foot, "? more keys") || !strings.Contains(foot, "q quit") {
			t.Errorf("screen %s footer: %q", k, foot)
		}
	}
}

// In the detail view a line longer than the screen wraps: all of it can
// be read.
func TestDeliveries_DetailWrapsLongLines(t *testing.T) {
	s := newTestDeliveries(0)
	long := exchange(1, "application_created", 200, `{"note":"`+strings.Repeat("x", 150)+`END"}`) // wider than 80
	s.detail, s.detailEx = true, &long
	s.SetSize(80, 40)
	v := s.View()
	if !strings.Contains(v, "END") || strings.Count(v, "x") < 150 {
		t.Errorf("the long body line is cut:\n%s", v)
	}
}
