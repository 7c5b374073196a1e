package ui

import (
	"context"

	"github.com/charmbracelet/bubbles/help"
)

// common is the state every screen shares: dependencies, styles and the
// context that bounds every call the UI makes.
type common struct {
	ctx    context.Context
	styles *Styles
	deps   Options
}

// component is what every screen offers the root model.
type component interface {
	help.KeyMap
	View() string
	SetSize(width, height int)
	// capturing reports that a text input has the keyboard, so the root
	// leaves global keys (q, tab, 1-4, ?) to the screen.
	capturing() bool
}

// window is the pure logic of a scrolling list: given the selected row, the
// first visible row, the number of visible rows and the total, it returns
// the clamped cursor and the new first visible row, so the cursor is always
// on screen and the window never runs past the end.
func window(cursor, offset, height, total int) (int, int) {
	if total <= 0 {
		return 0, 0
	}
	cursor = clampInt(cursor, 0, total-1)
	if height < 1 {
		height = 1
	}
	if cursor < offset {
		offset = cursor
	}
	if cursor >= offset+height {
		offset = cursor - height + 1
	}
	offset = clampInt(offset, 0, max(0, total-height))
	return cursor, offset
}

func clampInt(v, lo, hi int) int {
	if v < lo {
		return lo
	}
	if v > hi {
		return hi
	}
	return v
}
