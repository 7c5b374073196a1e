package ui

import "github.com/charmbracelet/bubbles/key"

// keyMap holds every key binding of the UI. Each screen keeps its own copy so
// it can disable the bindings that do not apply to its current state.
type keyMap struct {
	// global
	Quit    key.Binding
	Help    key.Binding
	NextTab key.Binding
	PrevTab key.Binding
	Tab1    key.Binding
	Tab2    key.Binding
	Tab3    key.Binding
	Tab4    key.Binding

	// movement
	Up       key.Binding
	Down     key.Binding
	PageUp   key.Binding
	PageDown key.Binding
	Top      key.Binding
	Bottom   key.Binding

	// events
	Fire key.Binding
	Seed key.Binding
	Edit key.Binding

	// webhooks
	New        key.Binding
	EditEvents key.Binding
	Archive    key.Binding
	Confirm    key.Binding
	Deny       key.Binding

	// deliveries
	Filter key.Binding
	Open   key.Binding
	Replay key.Binding
	Copy   key.Binding

	// diff
	Run        key.Binding
	Accept     key.Binding
	SideBySide key.Binding

	// forms and inputs
	Submit      key.Binding
	Cancel      key.Binding
	NextField   key.Binding
	SendInline  key.Binding
	ClearFilter key.Binding
}

func defaultKeyMap() keyMap {
	return keyMap{
		Quit:    key.NewBinding(key.WithKeys("q", "ctrl+c"), key.WithHelp("q", "quit")),
		Help:    key.NewBinding(key.WithKeys("?"), key.WithHelp("?", "more keys")),
		NextTab: key.NewBinding(key.WithKeys("tab"), key.WithHelp("tab", "next screen")),
		PrevTab: key.NewBinding(key.WithKeys("shift+tab"), key.WithHelp("shift+tab", "previous screen")),
		Tab1:    key.NewBinding(key.WithKeys("1"), key.WithHelp("1", "events")),
		Tab2:    key.NewBinding(key.WithKeys("2"), key.WithHelp("2", "webhooks")),
		Tab3:    key.NewBinding(key.WithKeys("3"), key.WithHelp("3", "deliveries")),
		Tab4:    key.NewBinding(key.WithKeys("4"), key.WithHelp("4", "diff")),

		Up:       key.NewBinding(key.WithKeys("up", "k"), key.WithHelp("↑/k", "up")),
		Down:     key.NewBinding(key.WithKeys("down", "j"), key.WithHelp("↓/j", "down")),
		PageUp:   key.NewBinding(key.WithKeys("pgup", "ctrl+u"), key.WithHelp("pgup", "page up")),
		PageDown: key.NewBinding(key.WithKeys("pgdown", "ctrl+d"), key.WithHelp("pgdn", "page down")),
		Top:      key.NewBinding(key.WithKeys("home", "g"), key.WithHelp("g", "top")),
		Bottom:   key.NewBinding(key.WithKeys("end", "G"), key.WithHelp("G", "bottom")),

		Fire: key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "fire")),
		Seed: key.NewBinding(key.WithKeys("s"), key.WithHelp("s", "seed")),
		Edit: key.NewBinding(key.WithKeys("e"), key.WithHelp("e", "edit & fire")),

		New:        key.NewBinding(key.WithKeys("n"), key.WithHelp("n", "new")),
		EditEvents: key.NewBinding(key.WithKeys("e"), key.WithHelp("e", "edit events")),
		Archive:    key.NewBinding(key.WithKeys("d"), key.WithHelp("d", "archive")),
		Confirm:    key.NewBinding(key.WithKeys("y"), key.WithHelp("y", "yes")),
		Deny:       key.NewBinding(key.WithKeys("n", "esc"), key.WithHelp("n", "no")),

		Filter: key.NewBinding(key.WithKeys("/"), key.WithHelp("/", "filter")),
		Open:   key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "details")),
		Replay: key.NewBinding(key.WithKeys("r"), key.WithHelp("r", "replay")),
		Copy:   key.NewBinding(key.WithKeys("y"), key.WithHelp("y", "copy payload")),

		Run:        key.NewBinding(key.WithKeys("r"), key.WithHelp("r", "run cases")),
		Accept:     key.NewBinding(key.WithKeys("u"), key.WithHelp("u", "accept actual")),
		SideBySide: key.NewBinding(key.WithKeys("v"), key.WithHelp("v", "side by side")),

		Submit:      key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "ok")),
		Cancel:      key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "back")),
		NextField:   key.NewBinding(key.WithKeys("tab", "shift+tab"), key.WithHelp("tab", "next field")),
		SendInline:  key.NewBinding(key.WithKeys("ctrl+s"), key.WithHelp("ctrl+s", "fire")),
		ClearFilter: key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "clear filter")),
	}
}

// globalHelp is appended to every screen's full help.
func (k keyMap) globalHelp() []key.Binding {
	return []key.Binding{k.NextTab, k.PrevTab, k.Tab1, k.Tab2, k.Tab3, k.Tab4, k.Help, k.Quit}
}
