package ui

import (
	"strings"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
)

// lineInput is a one-line text field: typing, paste, ←/→, home/end,
// backspace/delete, ctrl+u (clear to start) and ctrl+w (delete word). The
// UI keeps its own instead of bubbles/textinput to stay within the module's
// dependencies.
type lineInput struct {
	Prompt      string
	Placeholder string
	CharLimit   int
	Width       int

	value   []rune
	pos     int
	focused bool
	cursor  lipgloss.Style
	muted   lipgloss.Style
}

func newLineInput(st *Styles, prompt, placeholder string, limit int) lineInput {
	return lineInput{Prompt: prompt, Placeholder: placeholder, CharLimit: limit, Width: 40, cursor: st.Form.Cursor, muted: st.List.Muted}
}

func (in *lineInput) Focus()       { in.focused = true }
func (in *lineInput) Blur()        { in.focused = false }
func (in lineInput) Value() string { return string(in.value) }
func (in *lineInput) CursorEnd()   { in.pos = len(in.value) }
func (in *lineInput) SetValue(s string) {
	in.value = []rune(s)
	if in.CharLimit > 0 && len(in.value) > in.CharLimit {
		in.value = in.value[:in.CharLimit]
	}
	in.pos = len(in.value)
}

// Update edits the value for one key.
func (in lineInput) Update(msg tea.Msg) lineInput {
	k, ok := msg.(tea.KeyMsg)
	if !ok || !in.focused {
		return in
	}
	switch k.Type {
	case tea.KeyRunes, tea.KeySpace:
		r := k.Runes
		if k.Type == tea.KeySpace {
			r = []rune{' '}
		}
		r = []rune(strings.Map(func(c rune) rune {
			if c == '\n' || c == '\r' || c == '\t' {
				return ' '
			}
			return c
		}, string(r)))
		if in.CharLimit > 0 && len(in.value)+len(r) > in.CharLimit {
			r = r[:max(0, in.CharLimit-len(in.value))]
		}
		in.value = append(in.value[:in.pos], append(r, in.value[in.pos:]...)...)
		in.pos += len(r)
	case tea.KeyBackspace:
		if in.pos > 0 {
			in.value = append(in.value[:in.pos-1], in.value[in.pos:]...)
			in.pos--
		}
	case tea.KeyDelete:
		if in.pos < len(in.value) {
			in.value = append(in.value[:in.pos], in.value[in.pos+1:]...)
		}
	case tea.KeyLeft:
		in.pos = max(0, in.pos-1)
	case tea.KeyRight:
		in.pos = min(len(in.value), in.pos+1)
	case tea.KeyHome, tea.KeyCtrlA:
		in.pos = 0
	case tea.KeyEnd, tea.KeyCtrlE:
		in.pos = len(in.value)
	case tea.KeyCtrlU:
		in.value = append([]rune(nil), in.value[in.pos:]...)
		in.pos = 0
	case tea.KeyCtrlW:
		i := in.pos
		for i > 0 && in.value[i-1] == ' ' {
			i--
		}
		for i > 0 && in.value[i-1] != ' ' {
			i--
		}
		in.value = append(in.value[:i], in.value[in.pos:]...)
		in.pos = i
	}
	return in
}

// View shows the prompt and the part of the value around the cursor.
func (in lineInput) View() string {
	w := max(1, in.Width)
	if len(in.value) == 0 && !in.focused {
		return in.Prompt + in.muted.Render(truncate(in.Placeholder, w))
	}
	if len(in.value) == 0 && in.Placeholder != "" {
		return in.Prompt + in.cursor.Render(" ") + in.muted.Render(truncate(in.Placeholder, w-1))
	}
	start := 0
	if in.pos >= w {
		start = in.pos - w + 1
	}
	end := min(len(in.value), start+w)
	before := string(in.value[start:in.pos])
	if !in.focused {
		return in.Prompt + string(in.value[start:end])
	}
	at, after := " ", ""
	if in.pos < len(in.value) {
		at = string(in.value[in.pos])
		if in.pos+1 < end {
			after = string(in.value[in.pos+1 : end])
		}
	}
	return in.Prompt + before + in.cursor.Render(at) + after
}

// textEditor is a small multi-line editor for payloads when no external
// editor is available: typing, enter, backspace, arrows, home/end, paste.
type textEditor struct {
	lines    [][]rune
	row, col int
	top      int
	Width    int
	Height   int
	cursor   lipgloss.Style
}

func newTextEditor(st *Styles) textEditor {
	return textEditor{lines: [][]rune{{}}, Width: 40, Height: 10, cursor: st.Form.Cursor}
}

func (e *textEditor) SetValue(s string) {
	e.lines = e.lines[:0]
	for _, l := range strings.Split(s, "\n") {
		e.lines = append(e.lines, []rune(l))
	}
	e.row, e.col, e.top = 0, 0, 0
}

func (e textEditor) Value() string {
	parts := make([]string, len(e.lines))
	for i, l := range e.lines {
		parts[i] = string(l)
	}
	return strings.Join(parts, "\n")
}

func (e *textEditor) insert(r []rune) {
	for _, c := range r {
		if c == '\r' {
			continue
		}
		if c == '\n' {
			line := e.lines[e.row]
			rest := append([]rune(nil), line[e.col:]...)
			e.lines[e.row] = line[:e.col]
			e.lines = append(e.lines[:e.row+1], append([][]rune{rest}, e.lines[e.row+1:]...)...)
			e.row++
			e.col = 0
			continue
		}
		line := e.lines[e.row]
		e.lines[e.row] = append(line[:e.col], append([]rune{c}, line[e.col:]...)...)
		e.col++
	}
}

func (e textEditor) Update(msg tea.Msg) textEditor {
	k, ok := msg.(tea.KeyMsg)
	if !ok {
		return e
	}
	switch k.Type {
	case tea.KeyRunes:
		e.insert(k.Runes)
	case tea.KeySpace:
		e.insert([]rune{' '})
	case tea.KeyTab:
		e.insert([]rune{' ', ' '})
	case tea.KeyEnter:
		e.insert([]rune{'\n'})
	case tea.KeyBackspace:
		switch {
		case e.col > 0:
			line := e.lines[e.row]
			e.lines[e.row] = append(line[:e.col-1], line[e.col:]...)
			e.col--
		case e.row > 0:
			prev := e.lines[e.row-1]
			e.col = len(prev)
			e.lines[e.row-1] = append(prev, e.lines[e.row]...)
			e.lines = append(e.lines[:e.row], e.lines[e.row+1:]...)
			e.row--
		}
	case tea.KeyDelete:
		line := e.lines[e.row]
		switch {
		case e.col < len(line):
			e.lines[e.row] = append(line[:e.col], line[e.col+1:]...)
		case e.row+1 < len(e.lines):
			e.lines[e.row] = append(line, e.lines[e.row+1]...)
			e.lines = append(e.lines[:e.row+1], e.lines[e.row+2:]...)
		}
	case tea.KeyUp:
		e.row = max(0, e.row-1)
	case tea.KeyDown:
		e.row = min(len(e.lines)-1, e.row+1)
	case tea.KeyLeft:
		if e.col > 0 {
			e.col--
		} else if e.row > 0 {
			e.row--
			e.col = len(e.lines[e.row])
		}
	case tea.KeyRight:
		if e.col < len(e.lines[e.row]) {
			e.col++
		} else if e.row+1 < len(e.lines) {
			e.row++
			e.col = 0
		}
	case tea.KeyHome, tea.KeyCtrlA:
		e.col = 0
	case tea.KeyEnd, tea.KeyCtrlE:
		e.col = len(e.lines[e.row])
	case tea.KeyPgUp:
		e.row = max(0, e.row-e.Height)
	case tea.KeyPgDown:
		e.row = min(len(e.lines)-1, e.row+e.Height)
	}
	e.col = min(e.col, len(e.lines[e.row]))
	e.row, e.top = window(e.row, e.top, e.Height, len(e.lines))
	return e
}

func (e textEditor) View() string {
	var b strings.Builder
	end := min(len(e.lines), e.top+e.Height)
	for i := e.top; i < end; i++ {
		line := e.lines[i]
		if i == e.row {
			at, after := " ", ""
			if e.col < len(line) {
				at = string(line[e.col])
				after = string(line[e.col+1:])
			}
			b.WriteString(truncate(string(line[:e.col])+e.cursor.Render(at)+after, e.Width))
		} else {
			b.WriteString(truncate(string(line), e.Width))
		}
		if i < end-1 {
			b.WriteByte('\n')
		}
	}
	return b.String()
}
