package ui

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/viewport"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/psbox-dev/psbox/fixtures"
	"github.com/psbox-dev/psbox/internal/humanize"
)

// eventsScreen is the catalog with a payload preview: enter fires the
// selected event, s sets the seed, e edits the payload before firing.
type eventsScreen struct {
	c    *common
	keys keyMap

	catalog        []fixtures.Event
	cursor, offset int
	seed           int64

	preview     viewport.Model
	payload     []byte // preview of catalog[cursor] for seed
	payloadFor  string
	payloadSeed int64

	seedInput   lineInput
	editingSeed bool

	inline      textEditor
	inlineEvent string
	editing     bool // the inline editor is open

	width, height int
}

func newEventsScreen(c *common) eventsScreen {
	ti := newLineInput(c.styles, "seed: ", "a whole number", 20)
	ta := newTextEditor(c.styles)
	s := eventsScreen{
		c:         c,
		keys:      defaultKeyMap(),
		catalog:   c.deps.Catalog,
		seed:      c.deps.Seed,
		preview:   viewport.New(40, 10),
		seedInput: ti,
		inline:    ta,
	}
	s.updateKeys()
	return s
}

func (s eventsScreen) init() tea.Cmd { return s.rebuild() }

func (s eventsScreen) selected() (fixtures.Event, bool) {
	if s.cursor < 0 || s.cursor >= len(s.catalog) {
		return fixtures.Event{}, false
	}
	return s.catalog[s.cursor], true
}

func (s eventsScreen) rebuild() tea.Cmd {
	ev, ok := s.selected()
	if !ok {
		return nil
	}
	return buildPayload(s.c.deps.Builder, ev.Name, s.seed)
}

func (s eventsScreen) capturing() bool { return s.editingSeed || s.editing }

func (s *eventsScreen) updateKeys() {
	input := s.capturing()
	s.keys.Up.SetEnabled(!input)
	s.keys.Down.SetEnabled(!input)
	s.keys.PageUp.SetEnabled(!input)
	s.keys.PageDown.SetEnabled(!input)
	s.keys.Fire.SetEnabled(!input && s.c.deps.Firer != nil)
	s.keys.Seed.SetEnabled(!input)
	s.keys.Edit.SetEnabled(!input && s.c.deps.Firer != nil && s.payload != nil)
	s.keys.Submit.SetEnabled(s.editingSeed)
	s.keys.Cancel.SetEnabled(input)
	s.keys.SendInline.SetEnabled(s.editing)
}

func (s eventsScreen) ShortHelp() []key.Binding {
	if s.capturing() {
		return []key.Binding{s.keys.Submit, s.keys.SendInline, s.keys.Cancel}
	}
	return []key.Binding{s.keys.Up, s.keys.Down, s.keys.Fire, s.keys.Seed, s.keys.Edit}
}

func (s eventsScreen) FullHelp() [][]key.Binding {
	return [][]key.Binding{
		{s.keys.Up, s.keys.Down, s.keys.PageUp, s.keys.PageDown},
		{s.keys.Fire, s.keys.Seed, s.keys.Edit, s.keys.SendInline, s.keys.Cancel},
	}
}

func (s eventsScreen) listWidth() int {
	if s.width >= 100 {
		return 44
	}
	return min(38, s.width/2)
}

func (s *eventsScreen) SetSize(w, h int) {
	s.width, s.height = w, h
	pw := max(10, w-s.listWidth()-2)
	s.preview.Width = pw
	s.preview.Height = max(1, h-2)
	s.seedInput.Width = max(10, pw-8)
	s.inline.Width = max(10, w-2)
	s.inline.Height = max(3, h-1)
	s.cursor, s.offset = window(s.cursor, s.offset, h-1, len(s.catalog))
}

func (s eventsScreen) Update(msg tea.Msg) (eventsScreen, tea.Cmd) {
	s, cmd := s.update(msg)
	s.updateKeys()
	return s, cmd
}

func (s eventsScreen) update(msg tea.Msg) (eventsScreen, tea.Cmd) {
	switch msg := msg.(type) {
	case payloadBuiltMsg:
		ev, ok := s.selected()
		if !ok || msg.event != ev.Name || msg.seed != s.seed {
			return s, nil // stale: the selection moved on
		}
		if msg.err != nil {
			s.payload = nil
			s.preview.SetContent(s.c.styles.Form.Error.Render(msg.err.Error()))
			return s, nil
		}
		s.payload, s.payloadFor, s.payloadSeed = msg.body, msg.event, msg.seed
		s.preview.SetContent(prettyBody(msg.body))
		s.preview.GotoTop()
		return s, nil

	case eventFiredMsg:
		return s, reportFired(msg)

	case editorReadyMsg:
		return s, runEditor(msg)

	case inlineEditRequestedMsg:
		s.editing = true
		s.inlineEvent = msg.event
		s.inline.SetValue(prettyBody(s.payload))
		return s, nil

	case payloadEditedMsg:
		return s, s.fireEdited(msg.event, msg.text)

	case tea.KeyMsg:
		switch {
		case s.editingSeed:
			return s.updateSeedInput(msg)
		case s.editing:
			return s.updateInline(msg)
		}
		switch {
		case key.Matches(msg, s.keys.Up):
			s.cursor, s.offset = window(s.cursor-1, s.offset, s.height-1, len(s.catalog))
			return s, s.rebuild()
		case key.Matches(msg, s.keys.Down):
			s.cursor, s.offset = window(s.cursor+1, s.offset, s.height-1, len(s.catalog))
			return s, s.rebuild()
		case key.Matches(msg, s.keys.PageDown):
			s.preview.HalfPageDown()
		case key.Matches(msg, s.keys.PageUp):
			s.preview.HalfPageUp()
		case key.Matches(msg, s.keys.Fire):
			ev, _ := s.selected()
			return s, fireEvent(s.c.ctx, s.c.deps.Firer, ev.Name, s.seed, nil)
		case key.Matches(msg, s.keys.Seed):
			s.editingSeed = true
			s.seedInput.SetValue(strconv.FormatInt(s.seed, 10))
			s.seedInput.Focus()
			return s, nil
		case key.Matches(msg, s.keys.Edit):
			ev, _ := s.selected()
			return s, editPayload(s.c.deps.Editor, ev.Name, prettyBody(s.payload))
		}
	}
	return s, nil
}

func (s eventsScreen) updateSeedInput(msg tea.KeyMsg) (eventsScreen, tea.Cmd) {
	switch {
	case key.Matches(msg, s.keys.Cancel):
		s.editingSeed = false
		s.seedInput.Blur()
		return s, nil
	case key.Matches(msg, s.keys.Submit):
		v := strings.TrimSpace(s.seedInput.Value())
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return s, reportError(fmt.Errorf("seed %q is not a whole number; type digits such as 42", v))
		}
		s.editingSeed = false
		s.seedInput.Blur()
		s.seed = n
		// The status before the rebuild, whose error must not be overwritten.
		return s, tea.Sequence(reportStatus(fmt.Sprintf("seed %d: payloads are built from it until you change it", n)), s.rebuild())
	}
	s.seedInput = s.seedInput.Update(msg)
	return s, nil
}

func (s eventsScreen) updateInline(msg tea.KeyMsg) (eventsScreen, tea.Cmd) {
	switch {
	case key.Matches(msg, s.keys.Cancel):
		s.editing = false
		return s, reportStatus("edit cancelled; nothing was sent")
	case key.Matches(msg, s.keys.SendInline):
		text := s.inline.Value()
		if _, err := validJSON(text); err != nil {
			return s, reportError(err) // stay in the editor to fix it
		}
		s.editing = false
		return s, s.fireEdited(s.inlineEvent, text)
	}
	s.inline = s.inline.Update(msg)
	return s, nil
}

func (s eventsScreen) fireEdited(event, text string) tea.Cmd {
	body, err := validJSON(text)
	if err != nil {
		return reportError(err)
	}
	return fireEvent(s.c.ctx, s.c.deps.Firer, event, s.seed, body)
}

// validJSON checks an edited payload and returns it compacted.
func validJSON(text string) ([]byte, error) {
	var buf bytes.Buffer
	if err := json.Compact(&buf, []byte(text)); err != nil {
		return nil, fmt.Errorf("the edited payload is not valid JSON (%v); nothing was sent, press e to edit again", err)
	}
	return buf.Bytes(), nil
}

// reportFired summarises a fire on the status line.
func reportFired(msg eventFiredMsg) tea.Cmd {
	if len(msg.results) == 0 {
		return reportError(fmt.Errorf("%s: no webhook subscribes to it; add one on the Webhooks screen (2) or start psbox with --target URL", msg.event))
	}
	failed := 0
	var first FireResult
	for _, r := range msg.results {
		if !r.OK {
			if failed == 0 {
				first = r
			}
			failed++
		}
	}
	if failed > 0 {
		what := first.Reason
		if first.Status != 0 {
			what = "HTTP " + strconv.Itoa(first.Status)
		}
		if first.Err != "" {
			what += ": " + first.Err
		}
		return reportError(fmt.Errorf("%s: %d of %d deliveries failed (%s at %s); see Deliveries (3)", msg.event, failed, len(msg.results), what, first.Target))
	}
	if len(msg.results) == 1 {
		r := msg.results[0]
		return reportStatus(fmt.Sprintf("%s → %s: %d in %s", msg.event, r.Target, r.Status, humanize.Latency(r.Latency)))
	}
	return reportStatus(fmt.Sprintf("%s → delivered to %d webhooks", msg.event, len(msg.results)))
}

func (s eventsScreen) View() string {
	st := s.c.styles
	if s.editing {
		title := st.Events.Title.Render("Edit "+s.inlineEvent) + st.List.Muted.Render("  ctrl+s fires, esc cancels")
		return fitHeight(title+"\n"+s.inline.View(), s.height)
	}
	lw := s.listWidth()
	rows := make([]string, 0, s.height)
	rows = append(rows, st.List.Header.Render(pad("    event", lw-12)+pad("group", 12)))
	end := min(len(s.catalog), s.offset+s.height-1)
	for i := s.offset; i < end; i++ {
		ev := s.catalog[i]
		conf := st.Events.Confirmed.Render("✓")
		if !ev.Confirmed {
			conf = st.Events.Unconfirmed.Render("?")
		}
		line := pad(ev.Name, lw-16) + " " + pad(ev.Group, 11)
		if i == s.cursor {
			line = st.List.Selected.Render(line)
		} else {
			line = st.List.Row.Render(line)
		}
		rows = append(rows, mark(i == s.cursor)+conf+" "+line)
	}
	list := strings.Join(rows, "\n")

	ev, _ := s.selected()
	head := st.Events.Title.Render(ev.Name) + st.List.Muted.Render(fmt.Sprintf("  seed %d", s.seed))
	if s.editingSeed {
		head = s.seedInput.View()
	}
	sub := st.List.Muted.Render(truncate(ev.Description, s.preview.Width))
	if !ev.Confirmed {
		sub = st.Events.Unconfirmed.Render(truncate("not published by PartnerStack: "+ev.Description, s.preview.Width))
	}
	right := st.Events.Preview.Render(head + "\n" + sub + "\n" + s.preview.View())
	out := lipgloss.JoinHorizontal(lipgloss.Top, padLines(list, lw+1), right)
	return fitHeight(out, s.height)
}
