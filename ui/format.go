package ui

import (
	"strconv"
	"strings"

	"github.com/charmbracelet/x/ansi"
	"github.com/psbox-dev/psbox/internal/bodytext"
)

// truncate cuts s (which may hold ANSI styles) to w cells, marking the cut.
func truncate(s string, w int) string {
	if w <= 0 {
		return ""
	}
	return ansi.Truncate(s, w, "…")
}

// pad cuts or pads plain text to exactly w cells.
func pad(s string, w int) string {
	if w <= 0 {
		return ""
	}
	n := ansi.StringWidth(s)
	if n > w {
		return ansi.Truncate(s, w, "…")
	}
	return s + strings.Repeat(" ", w-n)
}

// padLeft right-aligns plain text in w cells.
func padLeft(s string, w int) string {
	n := ansi.StringWidth(s)
	if n >= w {
		return s
	}
	return strings.Repeat(" ", w-n) + s
}

// oneLine keeps the first line of s, for the status line.
func oneLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i] + " …"
	}
	return s
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func itoa(n int) string { return strconv.Itoa(n) }

// maskSecret shows only the last four characters of a secret.
func maskSecret(s string) string {
	if s == "" {
		return "-"
	}
	if len(s) <= 4 {
		return "****"
	}
	return "****" + s[len(s)-4:]
}

// prettyBody renders a body for reading: indented JSON when it is JSON, the
// text when it is text, a note when it is binary.
func prettyBody(b []byte) string {
	if len(b) == 0 {
		return "(empty)"
	}
	if text, ok := bodytext.Pretty(b); ok {
		return text
	}
	return "(" + strconv.Itoa(len(b)) + " bytes, not text)"
}

// fitHeight cuts s to h lines or pads it with empty ones.
func fitHeight(s string, h int) string {
	if h <= 0 {
		return ""
	}
	lines := strings.Split(s, "\n")
	if len(lines) > h {
		lines = lines[:h]
	}
	for len(lines) < h {
		lines = append(lines, "")
	}
	return strings.Join(lines, "\n")
}

// padLines pads every line of s (which may hold styles) to w cells.
func padLines(s string, w int) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		if n := ansi.StringWidth(l); n < w {
			lines[i] = l + strings.Repeat(" ", w-n)
		} else if n > w {
			lines[i] = ansi.Truncate(l, w, "…")
		}
	}
	return strings.Join(lines, "\n")
}

// cursorMark shows the selected row without colour (NO_COLOR terminals).
const (
	cursorMark = "> "
	noMark     = "  "
)

// mark returns the gutter of a row.
func mark(selected bool) string {
	if selected {
		return cursorMark
	}
	return noMark
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
