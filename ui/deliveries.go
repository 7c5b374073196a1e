package ui

import (
	"context"
	"fmt"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/viewport"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"
	"github.com/psbox-dev/psbox/internal/humanize"
	"github.com/psbox-dev/psbox/recorder"
)

// deliveriesScreen is a live view of the delivery log, newest first, and
// the detail of one exchange: every record any psbox process appends
// (deliveries, mock API calls, replays) in log order. The list is
// virtualized: View renders only the rows on screen, and new exchanges are
// appended in O(1).
type deliveriesScreen struct {
	c    *common
	keys keyMap

	all    rowList // summaries in log order; full exchanges stay in the log
	failed int     // how many of all failed
	intern map[string]string

	// Until the whole log has been read, all holds the newest page (from
	// the end of the log) and the history builds up in loading. It
	// replaces the page once it has caught up with the end of the log and
	// holds the page's newest exchange (pageNewest).
	caughtUp      bool
	loading       rowList
	loadingFailed int
	pageNewest    string
	pageReached   bool

	filter      filter
	before      filter  // the filter when typing began, for esc
	matches     []int32 // indices into all that match filter, ascending; unused when the filter is empty
	filterInput lineInput
	filtering   bool

	cursor, offset int // rows, 0 = newest
	unseen         int // rows added above the cursor since it left the top

	detail   bool
	detailID string
	detailEx *recorder.Exchange // nil until loaded
	vp       viewport.Model

	followCtx context.Context // following the log ends with it (stop)
	stop      context.CancelFunc

	width, height int
}

func newDeliveriesScreen(c *common) deliveriesScreen {
	ti := newLineInput(c.styles, "/", "event, target, id, 503, 5xx, failed, refused, timeout, api", 100)
	s := deliveriesScreen{c: c, keys: defaultKeyMap(), filterInput: ti, vp: viewport.New(40, 10), intern: map[string]string{}}
	s.followCtx, s.stop = context.WithCancel(c.ctx)
	s.updateKeys()
	return s
}

func (s deliveriesScreen) init() tea.Cmd {
	return tea.Batch(loadFirstPage(s.c.deps.Exchanges), followExchanges(s.followCtx, s.c.deps.Exchanges))
}

func (s deliveriesScreen) capturing() bool { return s.filtering }

// rows is how many rows the list has under the current filter.
func (s *deliveriesScreen) rows() int {
	if s.filter.empty() {
		return s.all.len()
	}
	return len(s.matches)
}

// at maps a list row (0 = newest) to an index into all.
func (s *deliveriesScreen) at(row int) int {
	if s.filter.empty() {
		return s.all.len() - 1 - row
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
		s.vp.SetContent(ansi.Hardwrap(s.detailContent(), max(10, s.width), true))
	}
}

// selected is the exchange under the cursor, or the one in the detail.
func (s *deliveriesScreen) selected() (string, bool) {
	if s.detail {
		return s.detailID, true
	}
	if s.rows() == 0 {
		return "", false
	}
	return s.all.get(s.at(s.cursor)).id, true
}

func (s deliveriesScreen) Update(msg tea.Msg) (deliveriesScreen, tea.Cmd) {
	s, cmd := s.update(msg)
	s.updateKeys()
	return s, cmd
}

func (s deliveriesScreen) update(msg tea.Msg) (deliveriesScreen, tea.Cmd) {
	switch msg := msg.(type) {
	case exchangesFirstPageMsg:
		s.firstPage(msg.list)
		return s, nil

	case exchangesFollowedMsg:
		s.follow(msg.batch)
		return s, waitForExchanges(msg.ch)

	case exchangeStreamEndedMsg:
		return s, nil

	case exchangeReplayedMsg:
		r := msg.result
		if !r.OK {
			return s, reportError(fmt.Errorf("replay of %s failed: %s", msg.id, describeResult(r)))
		}
		return s, reportStatus(fmt.Sprintf("replayed %s → %s: %d in %s", msg.id, r.Target, r.Status, humanize.Latency(r.Latency)))

	case exchangeLoadedMsg:
		if s.detail && msg.ex.ID == s.detailID {
			ex := msg.ex
			s.detailEx = &ex
			s.vp.SetContent(ansi.Hardwrap(s.detailContent(), max(10, s.width), true))
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
			s.before = s.filter
			s.filterInput.SetValue(s.filter.raw)
			s.filterInput.Focus()
			return s, nil
		case key.Matches(msg, s.keys.ClearFilter):
			s.applyFilter(filter{})
		case key.Matches(msg, s.keys.Open):
			if id, ok := s.selected(); ok {
				s.detail, s.detailID, s.detailEx = true, id, nil
				s.vp.SetContent("loading " + id + "…")
				return s, loadExchange(s.c.deps.Exchanges, id)
			}
		case key.Matches(msg, s.keys.Replay):
			if id, ok := s.selected(); ok {
				return s, replayExchange(s.c.ctx, s.c.deps.Exchanges, s.c.deps.Replayer, id)
			}
		case key.Matches(msg, s.keys.Copy):
			if id, ok := s.selected(); ok {
				return s, copyPayload(s.c.deps.Exchanges, s.c.deps.Clipboard, id)
			}
		}
		if s.cursor == 0 {
			s.unseen = 0
		}
	}
	return s, nil
}

// Column widths of the list.
const (
	colTime    = 8
	colStatus  = 7 // "refused", "timeout": a failure's reason stands where its status would
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
		msg := "No exchanges yet: fire an event from the Events screen (1), or run psbox trigger in another terminal."
		if !s.filter.empty() {
			msg = fmt.Sprintf("No delivery matches %q; esc clears the filter.", s.filter.raw)
		}
		b.WriteString(st.List.Empty.Render(truncate(msg, s.width-4)))
	}
	end := min(n, s.offset+h)
	for row := s.offset; row < end; row++ {
		r := s.all.get(s.at(row))
		code := r.code()
		t := r.start.Local().Format("15:04:05")
		try := "-"
		if r.attempt > 0 {
			try = itoa(int(r.attempt))
		}
		if r.replay {
			try = "r"
		}
		rest := " " + padLeft(humanize.Latency(r.duration), colLatency) + " " + pad(try, colAttempt) + " " + pad(r.event, ew) + " " + pad(r.target, tw)
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
		foot = st.List.Muted.Render(fmt.Sprintf("filter %q: %d of %d", s.filter.raw, n, s.all.len()))
	case n > 0:
		foot = st.List.Muted.Render(fmt.Sprintf("%d of %d", s.cursor+1, n))
	}
	if !s.caughtUp && s.c.deps.Exchanges != nil {
		foot += st.List.Muted.Render(fmt.Sprintf("  reading the log: %d…", s.loading.len()))
	}
	if s.unseen > 0 && !s.filtering {
		foot = st.App.Info.Render(fmt.Sprintf("%d new ↑", s.unseen)) + "  " + foot
	}
	return body + "\n" + truncate(foot, s.width)
}
