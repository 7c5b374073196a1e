package ui

import (
	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
)

// applyFilter recomputes the matches and resets the selection to the newest.
func (s *deliveriesScreen) applyFilter(f filter) {
	s.filter = f
	s.matches = s.matches[:0]
	if !f.empty() {
		for i := range s.all.len() {
			if f.match(s.all.get(i)) {
				s.matches = append(s.matches, int32(i))
			}
		}
	}
	s.unseen = 0
	s.cursor, s.offset = window(0, 0, s.listHeight(), s.rows())
}

func (s deliveriesScreen) updateFilter(msg tea.KeyMsg) (deliveriesScreen, tea.Cmd) {
	switch {
	case key.Matches(msg, s.keys.Cancel):
		s.filtering = false
		s.filterInput.Blur()
		if s.filter.raw != s.before.raw {
			s.applyFilter(s.before)
		}
		return s, nil
	case key.Matches(msg, s.keys.Submit):
		s.filtering = false
		s.filterInput.Blur()
		return s, nil
	}
	// The filter applies as it is typed.
	s.filterInput = s.filterInput.Update(msg)
	if f := parseFilter(s.filterInput.Value()); f.raw != s.filter.raw {
		s.applyFilter(f)
	}
	return s, nil
}
