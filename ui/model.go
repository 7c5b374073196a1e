// Package ui is psbox's terminal UI: four screens (Events, Webhooks,
// Deliveries, Diff) over the mock API, the event generator, the recorder and
// the contract cases. It does no I/O of its own: package main hands it small
// interfaces (deps.go) and every call to them runs inside a tea.Cmd.
//
//	m := ui.New(ui.Options{Context: ctx, Firer: f, Builder: b, Exchanges: store})
//	_, err := tea.NewProgram(m, tea.WithAltScreen(), tea.WithContext(ctx)).Run()
package ui

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/psbox-dev/psbox/fixtures"
)

// Options are the UI's dependencies. Any of them may be nil: the matching
// actions then report that they are not available.
type Options struct {
	Context   context.Context // bounds every call; cancel it to stop the UI's background work
	Firer     EventFirer
	Builder   PayloadBuilder
	Exchanges ExchangeSource
	Replayer  Replayer
	Webhooks  WebhookStore
	Cases     CaseRunner // nil: the Diff screen explains --cases
	Clipboard Clipboard
	Editor    Editor
	Status    Status
	Seed      int64 // the first seed for payloads
	// Catalog lists the events the Events screen offers (default: the
	// built-in catalog).
	Catalog []fixtures.Event
	// StatusTimeout is how long a status line stays (default 6 s).
	StatusTimeout time.Duration
}

// screen names the UI's screens, in Tab order.
type screen int

const (
	screenEvents screen = iota
	screenWebhooks
	screenDeliveries
	screenDiff
	screenCount
)

func (s screen) String() string {
	switch s {
	case screenEvents:
		return "Events"
	case screenWebhooks:
		return "Webhooks"
	case screenDeliveries:
		return "Deliveries"
	case screenDiff:
		return "Diff"
	}
	return "?"
}

// Model is the root model: it owns the active screen, the global keys, the
// window size, the status line and the status bar, and passes everything
// else on to the screens.
type Model struct {
	c    *common
	keys keyMap
	help help.Model

	active     screen
	events     eventsScreen
	webhooks   webhooksScreen
	deliveries deliveriesScreen
	diff       diffScreen

	status    string
	statusErr bool
	statusSeq int

	fatal  error
	width  int
	height int
}

// New builds the root model.
func New(opts Options) Model {
	if opts.Context == nil {
		opts.Context = context.Background()
	}
	if opts.StatusTimeout == 0 {
		opts.StatusTimeout = 6 * time.Second
	}
	if opts.Catalog == nil {
		opts.Catalog = fixtures.Events()
	}
	c := &common{ctx: opts.Context, styles: DefaultStyles(), deps: opts}
	h := help.New()
	h.ShortSeparator = "  "
	m := Model{
		c:          c,
		keys:       defaultKeyMap(),
		help:       h,
		events:     newEventsScreen(c),
		webhooks:   newWebhooksScreen(c),
		deliveries: newDeliveriesScreen(c),
		diff:       newDiffScreen(c),
		width:      80,
		height:     24,
	}
	m.layout()
	return m
}

// Err is the unrecoverable error the UI ended with, if any.
func (m Model) Err() error { return m.fatal }

// Active is the name of the screen on show.
func (m Model) Active() string { return m.active.String() }

// Init loads the catalog preview, the recorded exchanges (and subscribes to
// new ones) and the webhooks.
func (m Model) Init() tea.Cmd {
	cmds := []tea.Cmd{m.events.init(), m.deliveries.init(), m.webhooks.init()}
	if moved := m.c.deps.Status.Moved; len(moved) > 0 {
		cmds = append(cmds, reportError(errors.New("default port busy: "+strings.Join(moved, "; ")+"; for this run only")))
	}
	return tea.Batch(cmds...)
}

func (m Model) screenComponent(s screen) component {
	switch s {
	case screenWebhooks:
		return &m.webhooks
	case screenDeliveries:
		return &m.deliveries
	case screenDiff:
		return &m.diff
	}
	return &m.events
}

// Update handles global keys and sizes and passes the rest on.
func (m Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.width, m.height = msg.Width, msg.Height
		m.help.Width = msg.Width
		m.layout()
		return m, nil

	case tea.KeyMsg:
		if m.fatal != nil {
			return m.quit()
		}
		if isKeyRun(msg) && !m.screenComponent(m.active).capturing() {
			return m.updateEach(msg)
		}
		m.status, m.statusErr = "", false
		if !m.screenComponent(m.active).capturing() {
			switch {
			case key.Matches(msg, m.keys.Quit):
				return m.quit()
			case key.Matches(msg, m.keys.Help):
				m.help.ShowAll = !m.help.ShowAll
				m.layout()
				return m, nil
			case key.Matches(msg, m.keys.NextTab):
				return m.switchTo((m.active + 1) % screenCount), nil
			case key.Matches(msg, m.keys.PrevTab):
				return m.switchTo((m.active + screenCount - 1) % screenCount), nil
			case key.Matches(msg, m.keys.Tab1):
				return m.switchTo(screenEvents), nil
			case key.Matches(msg, m.keys.Tab2):
				return m.switchTo(screenWebhooks), nil
			case key.Matches(msg, m.keys.Tab3):
				return m.switchTo(screenDeliveries), nil
			case key.Matches(msg, m.keys.Tab4):
				return m.switchTo(screenDiff), nil
			}
		} else if msg.Type == tea.KeyCtrlC {
			return m.quit()
		}
		var cmd tea.Cmd
		switch m.active {
		case screenEvents:
			m.events, cmd = m.events.Update(msg)
		case screenWebhooks:
			m.webhooks, cmd = m.webhooks.Update(msg)
		case screenDeliveries:
			m.deliveries, cmd = m.deliveries.Update(msg)
		case screenDiff:
			m.diff, cmd = m.diff.Update(msg)
		}
		m.layout()
		return m, cmd

	case statusMsg:
		return m.setStatus(string(msg), false)

	case errMsg:
		var fe fatalError
		if errors.As(msg.err, &fe) {
			m.fatal = fe.err
			return m, nil
		}
		return m.setStatus(msg.err.Error(), true)

	case statusClearedMsg:
		if msg.seq == m.statusSeq {
			m.status, m.statusErr = "", false
		}
		return m, nil
	}

	// Everything else (results of commands) goes to every screen; each
	// ignores what is not its own.
	var cmds [4]tea.Cmd
	m.events, cmds[0] = m.events.Update(msg)
	m.webhooks, cmds[1] = m.webhooks.Update(msg)
	m.deliveries, cmds[2] = m.deliveries.Update(msg)
	m.diff, cmds[3] = m.diff.Update(msg)
	return m, tea.Batch(cmds[:]...)
}

func (m Model) quit() (tea.Model, tea.Cmd) {
	m.deliveries.stop()
	return m, tea.Quit
}

// isKeyRun reports whether msg is a run of runes that arrived in one read
// (jjj from key repeat, a slow link, SSH), which the terminal reader
// delivers as one message. A pasted run is text, not keys.
func isKeyRun(msg tea.KeyMsg) bool {
	return msg.Type == tea.KeyRunes && len(msg.Runes) > 1 && !msg.Paste
}

// updateEach applies the runes of run one after the other, as if each came
// alone; a key that starts typing (/) hands the rest to the input.
func (m Model) updateEach(run tea.KeyMsg) (tea.Model, tea.Cmd) {
	var cmds []tea.Cmd
	var tm tea.Model = m
	for i, r := range run.Runes {
		mm := tm.(Model)
		var cmd tea.Cmd
		if mm.screenComponent(mm.active).capturing() {
			tm, cmd = mm.Update(tea.KeyMsg{Type: tea.KeyRunes, Runes: run.Runes[i:]})
			return tm, tea.Batch(append(cmds, cmd)...)
		}
		tm, cmd = mm.Update(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune{r}, Alt: run.Alt})
		cmds = append(cmds, cmd)
	}
	return tm, tea.Batch(cmds...)
}

func (m Model) switchTo(s screen) Model {
	m.active = s
	m.layout()
	return m
}

func (m Model) setStatus(s string, isErr bool) (tea.Model, tea.Cmd) {
	m.statusSeq++
	m.status, m.statusErr = oneLine(s), isErr
	return m, clearStatusAfter(m.c.deps.StatusTimeout, m.statusSeq)
}

// layout gives every screen the space left by the tabs, status line,
// status bar and help.
func (m *Model) layout() {
	helpLines := lipgloss.Height(m.help.View(m.screenComponent(m.active)))
	if m.help.ShowAll {
		helpLines = lipgloss.Height(m.help.View(m.helpKeys()))
	}
	h := max(3, m.height-3-helpLines)
	m.events.SetSize(m.width, h)
	m.webhooks.SetSize(m.width, h)
	m.deliveries.SetSize(m.width, h)
	m.diff.SetSize(m.width, h)
}

// helpKeys is the active screen's bindings plus the global ones.
func (m Model) helpKeys() help.KeyMap {
	return helpWithGlobals{m.screenComponent(m.active), m.keys}
}

type helpWithGlobals struct {
	screen component
	keys   keyMap
}

// ShortHelp leads with ? and q: a narrow terminal cuts the line's end, and
// those two must always show.
func (h helpWithGlobals) ShortHelp() []key.Binding {
	return append([]key.Binding{h.keys.Help, h.keys.Quit}, append(h.screen.ShortHelp(), h.keys.NextTab)...)
}

func (h helpWithGlobals) FullHelp() [][]key.Binding {
	return append(h.screen.FullHelp(), h.keys.globalHelp())
}

// View draws tabs, the active screen, the status line, the status bar and
// help.
func (m Model) View() string {
	s := m.c.styles
	if m.fatal != nil {
		return s.App.ErrorView.Render("psbox cannot go on: "+m.fatal.Error()) + "\n\n  press any key to quit"
	}
	var b strings.Builder
	b.WriteString(m.tabsView())
	b.WriteByte('\n')
	b.WriteString(m.screenComponent(m.active).View())
	b.WriteByte('\n')
	b.WriteString(m.statusLineView())
	b.WriteByte('\n')
	b.WriteString(m.statusBarView())
	b.WriteByte('\n')
	if hv := m.help.View(m.helpKeys()); m.help.ShowAll {
		b.WriteString(hv)
	} else {
		b.WriteString(truncate(hv, m.width))
	}
	return b.String()
}

func (m Model) tabsView() string {
	s := m.c.styles
	parts := make([]string, 0, screenCount)
	for i := screen(0); i < screenCount; i++ {
		label := string(rune('1'+i)) + " " + i.String()
		if i == m.active {
			parts = append(parts, s.App.TabActive.Render(label))
		} else {
			parts = append(parts, s.App.TabInactive.Render(label))
		}
	}
	return truncate(strings.Join(parts, s.App.TabGap.Render("│")), m.width)
}

func (m Model) statusLineView() string {
	if m.status == "" {
		return ""
	}
	if m.statusErr {
		return m.c.styles.App.Error.Render(truncate("✗ "+m.status, m.width))
	}
	return m.c.styles.App.Info.Render(truncate(m.status, m.width))
}

func (m Model) statusBarView() string {
	s := m.c.styles
	st := m.c.deps.Status
	target := st.Target
	if target == "" {
		target = "subscriptions"
	}
	field := func(k, v string) string {
		return s.App.StatusKey.Render(" "+k+" ") + s.App.StatusText.Render(v+" ")
	}
	counts := field("deliveries", itoa(m.deliveries.all.len())) + field("errors", itoa(m.deliveries.failed))
	for _, n := range st.Moved {
		counts += s.App.Error.Render(" "+n+" ") + " "
	}
	bar := counts + field("api", orDash(st.APIAddr)) +
		field("keys", orDash(st.PublicKey)+":"+maskSecret(st.SecretKey)) +
		field("target", target)
	w := lipgloss.Width(bar)
	if w > m.width {
		// drop the keys first to fit narrow terminals.
		bar = truncate(counts+field("api", orDash(st.APIAddr))+field("target", target), m.width)
		w = lipgloss.Width(bar)
	}
	if w < m.width {
		bar += s.App.StatusBar.Render(strings.Repeat(" ", m.width-w))
	}
	return bar
}
