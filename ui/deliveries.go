package ui

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"time"

	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/viewport"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/psbox-dev/psbox/recorder"
)

// deliveriesScreen is the live list of delivery attempts, newest first, and
// the detail of one. The list is virtualized: View renders only the rows on
// screen, and new exchanges are appended in O(1).
type deliveriesScreen struct {
	c    *common
	keys keyMap

	all     []row  // summaries, oldest first; full exchanges stay in the store
	maxID   string // newest ID seen, to drop duplicates from the stream
	history <-chan []recorder.Summary
	loading []row // the whole history as it arrives, oldest first; replaces all when complete
	failed  int   // how many of all failed
	intern  map[string]string

	filter      filter
	matches     []int32 // indices into all that match filter, ascending; unused when the filter is empty
	filterInput lineInput
	filtering   bool

	cursor, offset int // rows, 0 = newest

	detail   bool
	detailID string
	detailEx *recorder.Exchange // nil until loaded
	vp       viewport.Model

	ch     <-chan recorder.Exchange
	cancel func()

	width, height int
}

func newDeliveriesScreen(c *common) deliveriesScreen {
	ti := newLineInput(c.styles, "/", "event name, failed, ok, 2xx, 4xx, 5xx", 100)
	s := deliveriesScreen{c: c, keys: defaultKeyMap(), filterInput: ti, vp: viewport.New(40, 10), intern: map[string]string{}}
	s.updateKeys()
	return s
}

func (s deliveriesScreen) init() tea.Cmd { return loadExchanges(s.c.ctx, s.c.deps.Exchanges) }

// stop ends the live subscription.
func (s deliveriesScreen) stop() {
	if s.cancel != nil {
		s.cancel()
	}
}

func (s deliveriesScreen) capturing() bool { return s.filtering }

// rows is how many rows the list has under the current filter.
func (s *deliveriesScreen) rows() int {
	if s.filter.empty() {
		return len(s.all)
	}
	return len(s.matches)
}

// at maps a list row (0 = newest) to an index into all.
func (s *deliveriesScreen) at(row int) int {
	if s.filter.empty() {
		return len(s.all) - 1 - row
	}
	return int(s.matches[len(s.matches)-1-row])
}

func (s *deliveriesScreen) listHeight() int { return max(1, s.height-2) } // header and filter line

func (s *deliveriesScreen) updateKeys() {
	has := s.rows() > 0
	input := s.filtering
	s.keys.Up.SetEnabled(!input && (has || s.detail))
	s.keys.Down.SetEnabled(!input && (has || s.detail))
	s.keys.PageUp.SetEnabled(!input && has)
	s.keys.PageDown.SetEnabled(!input && has)
	s.keys.Top.SetEnabled(!input && has && !s.detail)
	s.keys.Bottom.SetEnabled(!input && has && !s.detail)
	s.keys.Filter.SetEnabled(!input && !s.detail)
	s.keys.Open.SetEnabled(!input && has && !s.detail)
	s.keys.Replay.SetEnabled(!input && (has || s.detail) && s.c.deps.Replayer != nil)
	s.keys.Copy.SetEnabled(!input && (has || s.detail))
	s.keys.Cancel.SetEnabled(s.detail || input)
	s.keys.ClearFilter.SetEnabled(!input && !s.detail && !s.filter.empty())
	s.keys.Submit.SetEnabled(input)
}

func (s deliveriesScreen) ShortHelp() []key.Binding {
	if s.filtering {
		return []key.Binding{s.keys.Submit, s.keys.Cancel}
	}
	if s.detail {
		return []key.Binding{s.keys.Up, s.keys.Down, s.keys.Replay, s.keys.Copy, s.keys.Cancel}
	}
	return []key.Binding{s.keys.Up, s.keys.Down, s.keys.Open, s.keys.Filter, s.keys.Replay, s.keys.Copy, s.keys.ClearFilter}
}

func (s deliveriesScreen) FullHelp() [][]key.Binding {
	return [][]key.Binding{
		{s.keys.Up, s.keys.Down, s.keys.PageUp, s.keys.PageDown, s.keys.Top, s.keys.Bottom},
		{s.keys.Open, s.keys.Filter, s.keys.ClearFilter, s.keys.Replay, s.keys.Copy, s.keys.Cancel},
	}
}

func (s *deliveriesScreen) SetSize(w, h int) {
	s.width, s.height = w, h
	s.filterInput.Width = max(10, w-4)
	s.vp.Width = w
	s.vp.Height = max(1, h-3)
	s.cursor, s.offset = window(s.cursor, s.offset, s.listHeight(), s.rows())
	if s.detail && s.detailEx != nil {
		s.vp.SetContent(s.detailContent())
	}
}

// add appends one exchange, keeping the selection on the same exchange
// unless it was on the newest (then it follows the newest).
func (s *deliveriesScreen) add(ex *recorder.Exchange) {
	if ex.Kind == recorder.KindAPI {
		return // the list is about deliveries; API calls are in `psbox deliveries`
	}
	if ex.ID != "" && s.maxID != "" && ex.ID <= s.maxID {
		return // already listed
	}
	s.maxID = ex.ID
	sm := recorder.SummaryOf(ex)
	s.all = append(s.all, s.toRow(&sm))
	r := &s.all[len(s.all)-1]
	if r.failed {
		s.failed++
	}
	if !s.filter.empty() {
		if !s.filter.match(r) {
			return
		}
		s.matches = append(s.matches, int32(len(s.all)-1))
	}
	if s.cursor > 0 {
		s.cursor++
		s.offset++
	}
	s.cursor, s.offset = window(s.cursor, s.offset, s.listHeight(), s.rows())
}

// toRow keeps what the list shows of a summary, sharing repeated strings.
func (s *deliveriesScreen) toRow(sm *recorder.Summary) row {
	return row{
		id: sm.ID, event: s.share(sm.Event), target: s.share(sm.Target),
		start: sm.Start, duration: sm.Duration,
		status: int32(sm.Status), attempt: int32(sm.Attempt), failed: sm.Failed(),
	}
}

func (s *deliveriesScreen) share(v string) string {
	if w, ok := s.intern[v]; ok {
		return w
	}
	if len(s.intern) < 10_000 {
		s.intern[v] = v
	}
	return v
}

// load replaces the list with recorded summaries (any order).
func (s *deliveriesScreen) load(list []recorder.Summary) {
	all := make([]row, 0, len(list))
	for i := range list {
		if list[i].Kind == recorder.KindAPI {
			continue
		}
		all = append(all, s.toRow(&list[i]))
	}
	s.replace(all)
	s.applyFilter(s.filter)
}

// replace makes rows (any order) the list and recounts.
func (s *deliveriesScreen) replace(rows []row) {
	if !slices.IsSortedFunc(rows, cmpRowID) {
		slices.SortStableFunc(rows, cmpRowID)
	}
	rows = slices.CompactFunc(rows, func(a, b row) bool { return a.id == b.id })
	s.all, s.failed, s.maxID = rows, 0, ""
	for i := range rows {
		if rows[i].failed {
			s.failed++
		}
	}
	if n := len(rows); n > 0 {
		s.maxID = rows[n-1].id
	}
}

// addHistory takes one batch of the whole history; at its end the history
// becomes the list, with what arrived live meanwhile, and the selection
// stays on the same exchange.
func (s *deliveriesScreen) addHistory(msg historyMsg) {
	for i := range msg.batch {
		if msg.batch[i].Kind != recorder.KindAPI {
			s.loading = append(s.loading, s.toRow(&msg.batch[i]))
		}
	}
	if !msg.done {
		return
	}
	s.history = nil
	sel, hadSel := s.selectedID()
	cursorRow := s.cursor - s.offset
	last := ""
	if n := len(s.loading); n > 0 {
		last = s.loading[n-1].id
	}
	for _, r := range s.all { // the live ones, and any newer than the history's end
		if r.id > last {
			s.loading = append(s.loading, r)
		}
	}
	rows := s.loading
	s.loading = nil
	s.replace(rows)
	filter := s.filter
	s.applyFilter(filter)
	if hadSel && !s.detail {
		for r := 0; r < s.rows(); r++ {
			if s.all[s.at(r)].id == sel {
				s.cursor, s.offset = window(r, r-cursorRow, s.listHeight(), s.rows())
				break
			}
		}
	}
}

func cmpRowID(a, b row) int { return strings.Compare(a.id, b.id) }

// applyFilter recomputes the matches and resets the selection to the newest.
func (s *deliveriesScreen) applyFilter(f filter) {
	s.filter = f
	s.matches = s.matches[:0]
	if !f.empty() {
		for i := range s.all {
			if f.match(&s.all[i]) {
				s.matches = append(s.matches, int32(i))
			}
		}
	}
	s.cursor, s.offset = window(0, 0, s.listHeight(), s.rows())
}

// selectedID is the exchange under the cursor, or the one in the detail.
func (s *deliveriesScreen) selectedID() (string, bool) {
	if s.detail {
		return s.detailID, true
	}
	if s.rows() == 0 {
		return "", false
	}
	return s.all[s.at(s.cursor)].id, true
}

func (s deliveriesScreen) Update(msg tea.Msg) (deliveriesScreen, tea.Cmd) {
	s, cmd := s.update(msg)
	s.updateKeys()
	return s, cmd
}

func (s deliveriesScreen) update(msg tea.Msg) (deliveriesScreen, tea.Cmd) {
	switch msg := msg.(type) {
	case exchangesLoadedMsg:
		s.load(msg.list)
		s.ch, s.cancel, s.history = msg.ch, msg.cancel, msg.history
		return s, tea.Batch(waitForExchange(s.c.ctx, s.ch), waitForHistory(s.c.ctx, s.history))

	case historyMsg:
		s.addHistory(msg)
		if msg.done {
			return s, nil
		}
		return s, waitForHistory(s.c.ctx, s.history)

	case exchangeRecordedMsg:
		s.add(&msg.ex)
		return s, waitForExchange(s.c.ctx, s.ch)

	case exchangeStreamEndedMsg:
		s.ch = nil
		return s, nil

	case exchangeReplayedMsg:
		r := msg.result
		if !r.OK {
			return s, reportError(fmt.Errorf("replay of %s failed: %s", msg.id, describeResult(r)))
		}
		return s, reportStatus(fmt.Sprintf("replayed %s → %s: %d in %s", msg.id, r.Target, r.Status, latency(r.Latency)))

	case exchangeLoadedMsg:
		if s.detail && msg.ex.ID == s.detailID {
			ex := msg.ex
			s.detailEx = &ex
			s.vp.SetContent(s.detailContent())
			s.vp.GotoTop()
		}
		return s, nil

	case payloadCopiedMsg:
		return s, reportStatus(fmt.Sprintf("copied the payload (%d bytes)", msg.bytes))

	case tea.KeyMsg:
		if s.filtering {
			return s.updateFilter(msg)
		}
		if s.detail {
			return s.updateDetail(msg)
		}
		h := s.listHeight()
		switch {
		case key.Matches(msg, s.keys.Up):
			s.cursor, s.offset = window(s.cursor-1, s.offset, h, s.rows())
		case key.Matches(msg, s.keys.Down):
			s.cursor, s.offset = window(s.cursor+1, s.offset, h, s.rows())
		case key.Matches(msg, s.keys.PageUp):
			s.cursor, s.offset = window(s.cursor-h, s.offset-h, h, s.rows())
		case key.Matches(msg, s.keys.PageDown):
			s.cursor, s.offset = window(s.cursor+h, s.offset+h, h, s.rows())
		case key.Matches(msg, s.keys.Top):
			s.cursor, s.offset = window(0, 0, h, s.rows())
		case key.Matches(msg, s.keys.Bottom):
			s.cursor, s.offset = window(s.rows()-1, s.rows(), h, s.rows())
		case key.Matches(msg, s.keys.Filter):
			s.filtering = true
			s.filterInput.SetValue(s.filter.raw)
			s.filterInput.Focus()
			return s, nil
		case key.Matches(msg, s.keys.ClearFilter):
			s.applyFilter(filter{})
		case key.Matches(msg, s.keys.Open):
			if id, ok := s.selectedID(); ok {
				s.detail, s.detailID, s.detailEx = true, id, nil
				s.vp.SetContent("loading " + id + "…")
				return s, loadExchange(s.c.deps.Exchanges, id)
			}
		case key.Matches(msg, s.keys.Replay):
			if id, ok := s.selectedID(); ok {
				return s, replayExchange(s.c.ctx, s.c.deps.Replayer, id)
			}
		case key.Matches(msg, s.keys.Copy):
			if id, ok := s.selectedID(); ok {
				return s, copyPayload(s.c.deps.Exchanges, s.c.deps.Clipboard, id)
			}
		}
	}
	return s, nil
}

func (s deliveriesScreen) updateFilter(msg tea.KeyMsg) (deliveriesScreen, tea.Cmd) {
	switch {
	case key.Matches(msg, s.keys.Cancel):
		s.filtering = false
		s.filterInput.Blur()
		return s, nil
	case key.Matches(msg, s.keys.Submit):
		s.filtering = false
		s.filterInput.Blur()
		s.applyFilter(parseFilter(s.filterInput.Value()))
		return s, nil
	}
	s.filterInput = s.filterInput.Update(msg)
	return s, nil
}

func (s deliveriesScreen) updateDetail(msg tea.KeyMsg) (deliveriesScreen, tea.Cmd) {
	switch {
	case key.Matches(msg, s.keys.Cancel):
		s.detail = false
		return s, nil
	case key.Matches(msg, s.keys.Replay):
		return s, replayExchange(s.c.ctx, s.c.deps.Replayer, s.detailID)
	case key.Matches(msg, s.keys.Copy):
		return s, copyPayload(s.c.deps.Exchanges, s.c.deps.Clipboard, s.detailID)
	}
	var cmd tea.Cmd
	s.vp, cmd = s.vp.Update(msg)
	return s, cmd
}

// Column widths of the list.
const (
	colTime    = 8
	colStatus  = 4
	colLatency = 7
	colAttempt = 3
)

func (s deliveriesScreen) eventWidth() int {
	if s.width >= 100 {
		return 26
	}
	return 22
}

func (s deliveriesScreen) View() string {
	if s.detail {
		return fitHeight(s.detailView(), s.height)
	}
	st := s.c.styles
	var b strings.Builder
	b.Grow((s.height + 2) * (s.width + 16))
	ew := s.eventWidth()
	tw := max(6, s.width-(colTime+colStatus+colLatency+colAttempt+ew+5+2))
	b.WriteString(st.List.Header.Render("  " + pad("time", colTime) + " " + pad("code", colStatus) + " " + padLeft("latency", colLatency) + " " + pad("try", colAttempt) + " " + pad("event", ew) + " " + pad("target", tw)))
	b.WriteByte('\n')
	h := s.listHeight()
	n := s.rows()
	if n == 0 {
		msg := "No deliveries yet: fire an event from the Events screen (1)."
		if !s.filter.empty() {
			msg = fmt.Sprintf("No delivery matches %q; esc clears the filter.", s.filter.raw)
		}
		b.WriteString(st.List.Empty.Render(truncate(msg, s.width-4)))
	}
	end := min(n, s.offset+h)
	for row := s.offset; row < end; row++ {
		r := &s.all[s.at(row)]
		code := "ERR"
		if r.status != 0 {
			code = itoa(int(r.status))
		}
		t := r.start.Local().Format("15:04:05")
		rest := " " + padLeft(latency(r.duration), colLatency) + " " + pad(itoa(int(r.attempt)), colAttempt) + " " + pad(r.event, ew) + " " + pad(r.target, tw)
		if row == s.cursor {
			b.WriteString(st.List.Selected.Render(cursorMark + t + " " + pad(code, colStatus) + rest))
		} else {
			b.WriteString(noMark)
			b.WriteString(st.List.Muted.Render(t))
			b.WriteByte(' ')
			b.WriteString(st.statusStyle(int(r.status)).Render(pad(code, colStatus)))
			b.WriteString(rest)
		}
		if row < end-1 {
			b.WriteByte('\n')
		}
	}
	body := fitHeight(b.String(), s.height-1)
	foot := ""
	switch {
	case s.filtering:
		foot = s.filterInput.View()
	case !s.filter.empty():
		foot = st.List.Muted.Render(fmt.Sprintf("filter %q: %d of %d", s.filter.raw, n, len(s.all)))
	case n > 0:
		foot = st.List.Muted.Render(fmt.Sprintf("%d of %d", s.cursor+1, n))
	}
	return body + "\n" + truncate(foot, s.width)
}

func (s deliveriesScreen) detailView() string {
	st := s.c.styles
	ex := s.detailEx
	if ex == nil {
		return st.List.Muted.Render("loading " + s.detailID + "…")
	}
	title := st.Detail.Section.Render("Delivery "+ex.ID) + st.List.Muted.Render(fmt.Sprintf("  %s  attempt %d", ex.Event, ex.Attempt))
	outcome := st.statusStyle(ex.Status()).Render(describeExchange(ex))
	pct := st.List.Muted.Render(fmt.Sprintf("%3.0f%%", s.vp.ScrollPercent()*100))
	return truncate(title, s.width) + "\n" + truncate(outcome, s.width) + "\n" + s.vp.View() + "\n" + pct
}

// detailContent is the scrollable part of the detail: headers and bodies.
func (s deliveriesScreen) detailContent() string {
	st := s.c.styles
	ex := s.detailEx
	if ex == nil {
		return ""
	}
	var b strings.Builder
	section := func(name string) {
		b.WriteString(st.Detail.Section.Render("── " + name))
		b.WriteByte('\n')
	}
	headers := func(h map[string][]string) {
		keys := make([]string, 0, len(h))
		for k := range h {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		if len(keys) == 0 {
			b.WriteString(st.List.Muted.Render("(none)") + "\n")
		}
		for _, k := range keys {
			b.WriteString(st.Detail.Header.Render(k+":") + " " + strings.Join(h[k], ", ") + "\n")
		}
	}
	section("Request  " + ex.Request.Method + " " + ex.Request.URL)
	headers(ex.Request.Headers)
	b.WriteByte('\n')
	section("Request body")
	b.WriteString(prettyBody(ex.Request.Body))
	if ex.Request.Truncated {
		b.WriteString("\n(truncated)")
	}
	b.WriteString("\n\n")
	if ex.Response == nil {
		section("No response")
		b.WriteString(ex.ErrorReason + ": " + ex.Error + "\n")
		return b.String()
	}
	section(fmt.Sprintf("Response  %d", ex.Response.Status))
	headers(ex.Response.Headers)
	b.WriteByte('\n')
	section("Response body")
	b.WriteString(prettyBody(ex.Response.Body))
	if ex.Response.Truncated {
		b.WriteString("\n(truncated at 1 MiB)")
	}
	if ex.Error != "" {
		b.WriteString("\n\n")
		section("Error")
		b.WriteString(ex.ErrorReason + ": " + ex.Error)
	}
	return b.String()
}

func describeExchange(ex *recorder.Exchange) string {
	s := ex.Request.Method + " " + ex.Target + " → "
	if ex.Response == nil {
		return s + "no answer (" + ex.ErrorReason + "): " + ex.Error
	}
	s += fmt.Sprintf("%d in %s", ex.Response.Status, latency(ex.Duration))
	if ex.ReplayOf != "" {
		s += "  replay of " + ex.ReplayOf
	}
	return s
}

func describeResult(r FireResult) string {
	what := r.Reason
	if r.Status != 0 {
		what = fmt.Sprintf("HTTP %d", r.Status)
	}
	if r.Err != "" {
		what += ": " + r.Err
	}
	return what + " at " + r.Target
}

// row is what the list keeps of one exchange: about 100 bytes, so 100,000
// of them fit easily; the full exchange is fetched from the store on demand.
type row struct {
	id, event, target string
	start             time.Time
	duration          time.Duration
	status, attempt   int32
	failed            bool
}
