package ui

import (
	"errors"
	"fmt"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
)

type webhooksMode int

const (
	webhooksList webhooksMode = iota
	webhooksCreate
	webhooksEdit
	webhooksConfirmArchive
)

// webhooksScreen lists the mock's subscriptions and creates, edits and
// archives them through the WebhookStore.
type webhooksScreen struct {
	c    *common
	keys keyMap

	hooks          []Webhook
	cursor, offset int

	mode    webhooksMode
	target  lineInput
	events  lineInput
	field   int    // 0 target, 1 events
	formErr string // the store's answer to the last submit
	editKey string

	width, height int
}

// defaultFormEvents fills the events field of a new webhook.
const defaultFormEvents = "application_created, application_approved"

func newWebhooksScreen(c *common) webhooksScreen {
	t := newLineInput(c.styles, "", "http://127.0.0.1:3000/webhooks", 2048)
	e := newLineInput(c.styles, "", "application_created, application_approved", 4096)
	s := webhooksScreen{c: c, keys: defaultKeyMap(), target: t, events: e}
	s.updateKeys()
	return s
}

func (s webhooksScreen) init() tea.Cmd { return loadWebhooks(s.c.ctx, s.c.deps.Webhooks) }

func (s webhooksScreen) capturing() bool { return s.mode != webhooksList }

func (s *webhooksScreen) updateKeys() {
	list := s.mode == webhooksList
	has := len(s.hooks) > 0
	canStore := s.c.deps.Webhooks != nil
	s.keys.Up.SetEnabled(list && has)
	s.keys.Down.SetEnabled(list && has)
	s.keys.New.SetEnabled(list && canStore)
	s.keys.EditEvents.SetEnabled(list && canStore && has && !s.hooks[s.cursor].Archived)
	s.keys.Archive.SetEnabled(list && canStore && has && !s.hooks[s.cursor].Archived)
	s.keys.Submit.SetEnabled(s.mode == webhooksCreate || s.mode == webhooksEdit)
	s.keys.NextField.SetEnabled(s.mode == webhooksCreate)
	s.keys.Cancel.SetEnabled(!list)
	s.keys.Confirm.SetEnabled(s.mode == webhooksConfirmArchive)
	s.keys.Deny.SetEnabled(s.mode == webhooksConfirmArchive)
}

func (s webhooksScreen) ShortHelp() []key.Binding {
	switch s.mode {
	case webhooksCreate, webhooksEdit:
		return []key.Binding{s.keys.Submit, s.keys.NextField, s.keys.Cancel}
	case webhooksConfirmArchive:
		return []key.Binding{s.keys.Confirm, s.keys.Deny}
	}
	return []key.Binding{s.keys.Up, s.keys.Down, s.keys.New, s.keys.EditEvents, s.keys.Archive}
}

func (s webhooksScreen) FullHelp() [][]key.Binding {
	return [][]key.Binding{
		{s.keys.Up, s.keys.Down},
		{s.keys.New, s.keys.EditEvents, s.keys.Archive},
		{s.keys.Submit, s.keys.NextField, s.keys.Cancel, s.keys.Confirm, s.keys.Deny},
	}
}

func (s *webhooksScreen) SetSize(w, h int) {
	s.width, s.height = w, h
	s.target.Width = max(10, w-14)
	s.events.Width = max(10, w-14)
	s.cursor, s.offset = window(s.cursor, s.offset, max(1, h-1), len(s.hooks))
}

// parseEvents splits "a, b c" into event names.
func parseEvents(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' || r == '\t' })
}

func (s webhooksScreen) Update(msg tea.Msg) (webhooksScreen, tea.Cmd) {
	s, cmd := s.update(msg)
	s.updateKeys()
	return s, cmd
}

func (s webhooksScreen) update(msg tea.Msg) (webhooksScreen, tea.Cmd) {
	switch msg := msg.(type) {
	case webhooksLoadedMsg:
		s.hooks = msg.list
		s.cursor, s.offset = window(s.cursor, s.offset, max(1, s.height-1), len(s.hooks))
		return s, nil

	case webhookSavedMsg:
		s.mode = webhooksList
		s.formErr = ""
		s.target.Blur()
		s.events.Blur()
		// The status before the reload, whose error must not be overwritten.
		return s, tea.Sequence(reportStatus(fmt.Sprintf("webhook %s %s", msg.hook.Key, msg.verb)),
			loadWebhooks(s.c.ctx, s.c.deps.Webhooks))

	case webhookRejectedMsg:
		s.formErr = msg.err.Error()
		return s, nil

	case tea.KeyMsg:
		switch s.mode {
		case webhooksCreate, webhooksEdit:
			return s.updateForm(msg)
		case webhooksConfirmArchive:
			switch {
			case key.Matches(msg, s.keys.Confirm):
				s.mode = webhooksList
				return s, archiveWebhook(s.c.ctx, s.c.deps.Webhooks, s.hooks[s.cursor].Key)
			case key.Matches(msg, s.keys.Deny):
				s.mode = webhooksList
			}
			return s, nil
		}
		h := max(1, s.height-1)
		switch {
		case key.Matches(msg, s.keys.Up):
			s.cursor, s.offset = window(s.cursor-1, s.offset, h, len(s.hooks))
		case key.Matches(msg, s.keys.Down):
			s.cursor, s.offset = window(s.cursor+1, s.offset, h, len(s.hooks))
		case key.Matches(msg, s.keys.New):
			s.mode, s.field, s.formErr = webhooksCreate, 0, ""
			s.target.SetValue("")
			if t := s.c.deps.Status.Target; t != "" && !s.c.deps.Status.TemporaryTarget {
				s.target.SetValue(t)
			}
			// Prefilled like the target, so enter alone subscribes to the
			// application events the Events screen lists first.
			s.events.SetValue(defaultFormEvents)
			s.events.Blur()
			s.target.Focus()
			return s, nil
		case key.Matches(msg, s.keys.EditEvents):
			hk := s.hooks[s.cursor]
			s.mode, s.field, s.formErr, s.editKey = webhooksEdit, 1, "", hk.Key
			s.events.SetValue(strings.Join(hk.Events, ", "))
			s.events.Focus()
			return s, nil
		case key.Matches(msg, s.keys.Archive):
			s.mode = webhooksConfirmArchive
		}
	}
	return s, nil
}

func (s webhooksScreen) updateForm(msg tea.KeyMsg) (webhooksScreen, tea.Cmd) {
	switch {
	case key.Matches(msg, s.keys.Cancel):
		s.mode, s.formErr = webhooksList, ""
		s.target.Blur()
		s.events.Blur()
		return s, nil
	case key.Matches(msg, s.keys.NextField):
		s.field = 1 - s.field
		if s.field == 0 {
			s.events.Blur()
			s.target.Focus()
		} else {
			s.target.Blur()
			s.events.Focus()
		}
		return s, nil
	case key.Matches(msg, s.keys.Submit):
		events := parseEvents(s.events.Value())
		if len(events) == 0 {
			s.formErr = errors.New("list at least one event, e.g. application_created").Error()
			return s, nil
		}
		if s.mode == webhooksEdit {
			return s, updateWebhookEvents(s.c.ctx, s.c.deps.Webhooks, s.editKey, events)
		}
		target := strings.TrimSpace(s.target.Value())
		if st := s.c.deps.Status; st.TemporaryTarget && target == st.Target {
			s.formErr = "that port exists only for this run (the receiver's default port was busy): saved, this webhook would fail next time; give your own receiver's URL, or free the port and start psbox again"
			return s, nil
		}
		return s, createWebhook(s.c.ctx, s.c.deps.Webhooks, target, events)
	}
	if s.field == 0 {
		s.target = s.target.Update(msg)
	} else {
		s.events = s.events.Update(msg)
	}
	return s, nil
}

func (s webhooksScreen) View() string {
	st := s.c.styles
	switch s.mode {
	case webhooksCreate, webhooksEdit:
		title := "New webhook"
		if s.mode == webhooksEdit {
			title = "Events of " + s.editKey
		}
		var b strings.Builder
		b.WriteString(st.Events.Title.Render(title) + "\n\n")
		if s.mode == webhooksCreate {
			b.WriteString(st.Form.Label.Render(pad("target", 10)) + " " + s.target.View() + "\n")
		}
		b.WriteString(st.Form.Label.Render(pad("events", 10)) + " " + s.events.View() + "\n")
		b.WriteString(st.List.Muted.Render(pad("", 11)+"names separated by commas; see the Events screen (1)") + "\n")
		if s.formErr != "" {
			b.WriteString("\n" + st.Form.Error.Render(truncate("✗ "+s.formErr, s.width)) + "\n")
		}
		return fitHeight(b.String(), s.height)
	}

	if s.c.deps.Webhooks == nil {
		return fitHeight(st.List.Empty.Render("Webhooks are not available here."), s.height)
	}
	created := 16
	kw := 20
	aw := 8
	ew := max(10, (s.width-kw-created-aw-6)/2)
	tw := max(10, s.width-kw-created-aw-ew-6)
	var b strings.Builder
	b.WriteString(st.List.Header.Render(noMark + pad("key", kw) + " " + pad("target", tw) + " " + pad("events", ew) + " " + pad("created", created) + " " + pad("state", aw)))
	if len(s.hooks) == 0 {
		b.WriteString("\n" + st.List.Empty.Render("No webhooks yet: press n to subscribe a target to events."))
	}
	h := max(1, s.height-1)
	if s.mode == webhooksConfirmArchive {
		h--
	}
	end := min(len(s.hooks), s.offset+h)
	for i := s.offset; i < end; i++ {
		hk := s.hooks[i]
		state := "active"
		if hk.Archived {
			state = "archived"
		}
		line := mark(i == s.cursor) + pad(hk.Key, kw) + " " + pad(hk.Target, tw) + " " + pad(strings.Join(hk.Events, ","), ew) + " " + pad(hk.CreatedAt.Local().Format("2006-01-02 15:04"), created) + " " + pad(state, aw)
		b.WriteByte('\n')
		switch {
		case i == s.cursor:
			b.WriteString(st.List.Selected.Render(line))
		case hk.Archived:
			b.WriteString(st.List.Muted.Render(line))
		default:
			b.WriteString(st.List.Row.Render(line))
		}
	}
	out := fitHeight(b.String(), s.height)
	if s.mode == webhooksConfirmArchive {
		out = fitHeight(b.String(), s.height-1) + "\n" +
			st.Form.Error.Render(truncate(fmt.Sprintf("Archive %s? It stops receiving events. y/n", s.hooks[s.cursor].Key), s.width))
	}
	return out
}
