package ui

import (
	"fmt"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/viewport"
	tea "github.com/charmbracelet/bubbletea"
)

// diffScreen runs the contract cases, lists PASS/FAIL and shows the selected
// failure's diff; u accepts the actual answer as the new expectation.
type diffScreen struct {
	c    *common
	keys keyMap

	results        []CaseResult
	ran, running   bool
	cursor, offset int
	side           bool

	vp viewport.Model

	width, height int
}

func newDiffScreen(c *common) diffScreen {
	s := diffScreen{c: c, keys: defaultKeyMap(), vp: viewport.New(40, 10)}
	s.updateKeys()
	return s
}

func (s diffScreen) capturing() bool { return false }

func (s *diffScreen) updateKeys() {
	has := len(s.results) > 0
	canRun := s.c.deps.Cases != nil
	sel, ok := s.selected()
	failing := ok && !sel.Pass && sel.Err == ""
	s.keys.Up.SetEnabled(has)
	s.keys.Down.SetEnabled(has)
	s.keys.PageUp.SetEnabled(failing)
	s.keys.PageDown.SetEnabled(failing)
	s.keys.Run.SetEnabled(canRun && !s.running)
	s.keys.Accept.SetEnabled(canRun && failing)
	s.keys.SideBySide.SetEnabled(failing)
}

func (s diffScreen) ShortHelp() []key.Binding {
	return []key.Binding{s.keys.Run, s.keys.Up, s.keys.Down, s.keys.Accept, s.keys.SideBySide}
}

func (s diffScreen) FullHelp() [][]key.Binding {
	return [][]key.Binding{
		{s.keys.Up, s.keys.Down, s.keys.PageUp, s.keys.PageDown},
		{s.keys.Run, s.keys.Accept, s.keys.SideBySide},
	}
}

func (s diffScreen) selected() (CaseResult, bool) {
	if s.cursor < 0 || s.cursor >= len(s.results) {
		return CaseResult{}, false
	}
	return s.results[s.cursor], true
}

func (s diffScreen) listHeight() int {
	return clampInt(len(s.results), 1, max(1, s.height/3))
}

func (s *diffScreen) SetSize(w, h int) {
	s.width, s.height = w, h
	s.vp.Width = w
	s.vp.Height = max(1, h-s.listHeight()-2)
	s.cursor, s.offset = window(s.cursor, s.offset, s.listHeight(), len(s.results))
	s.refreshDiff()
}

func (s *diffScreen) refreshDiff() {
	r, ok := s.selected()
	switch {
	case !ok:
		s.vp.SetContent("")
	case r.Err != "":
		s.vp.SetContent(s.c.styles.Form.Error.Render(r.Err))
	case r.Pass:
		s.vp.SetContent(s.c.styles.Diff.Pass.Render("The receiver answered as expected."))
	case s.side:
		s.vp.SetContent(s.colorDiff(sideBySide(expandTabs(r.Diff), s.width)))
	default:
		s.vp.SetContent(s.colorDiff(expandTabs(r.Diff)))
	}
}

func (s diffScreen) colorDiff(d string) string {
	if s.side {
		return d // columns are already marked with - and +
	}
	st := s.c.styles
	lines := strings.Split(d, "\n")
	for i, l := range lines {
		switch {
		case strings.HasPrefix(l, "-"):
			lines[i] = st.Diff.Del.Render(l)
		case strings.HasPrefix(l, "+"):
			lines[i] = st.Diff.Add.Render(l)
		case strings.HasPrefix(l, "@@"):
			lines[i] = st.Diff.Hunk.Render(l)
		}
	}
	return strings.Join(lines, "\n")
}

func (s diffScreen) Update(msg tea.Msg) (diffScreen, tea.Cmd) {
	s, cmd := s.update(msg)
	s.updateKeys()
	return s, cmd
}

func (s diffScreen) update(msg tea.Msg) (diffScreen, tea.Cmd) {
	switch msg := msg.(type) {
	case casesRanMsg:
		s.running, s.ran = false, true
		s.results = msg.results
		s.cursor, s.offset = window(firstFailure(s.results), 0, s.listHeight(), len(s.results))
		s.SetSize(s.width, s.height)
		pass := 0
		for _, r := range s.results {
			if r.Pass {
				pass++
			}
		}
		if pass == len(s.results) {
			return s, reportStatus(fmt.Sprintf("%d cases: all pass", len(s.results)))
		}
		return s, reportError(fmt.Errorf("%d of %d cases fail; u accepts the selected answer as the new expectation", len(s.results)-pass, len(s.results)))

	case caseAcceptedMsg:
		for i := range s.results {
			if s.results[i].Name == msg.name {
				s.results[i].Pass = true
				s.results[i].Diff = ""
			}
		}
		s.refreshDiff()
		return s, reportStatus(fmt.Sprintf("case %q: the actual answer is now the expectation", msg.name))

	case errMsg:
		s.running = false
		return s, nil

	case tea.KeyMsg:
		h := s.listHeight()
		switch {
		case key.Matches(msg, s.keys.Run):
			s.running = true
			return s, tea.Batch(runCases(s.c.ctx, s.c.deps.Cases), reportStatus("running the contract cases…"))
		case key.Matches(msg, s.keys.Up):
			s.cursor, s.offset = window(s.cursor-1, s.offset, h, len(s.results))
			s.refreshDiff()
		case key.Matches(msg, s.keys.Down):
			s.cursor, s.offset = window(s.cursor+1, s.offset, h, len(s.results))
			s.refreshDiff()
		case key.Matches(msg, s.keys.PageDown):
			s.vp.HalfPageDown()
		case key.Matches(msg, s.keys.PageUp):
			s.vp.HalfPageUp()
		case key.Matches(msg, s.keys.SideBySide):
			s.side = !s.side
			s.refreshDiff()
		case key.Matches(msg, s.keys.Accept):
			if r, ok := s.selected(); ok {
				return s, acceptCase(s.c.ctx, s.c.deps.Cases, r)
			}
		}
	}
	return s, nil
}

func firstFailure(rs []CaseResult) int {
	for i, r := range rs {
		if !r.Pass {
			return i
		}
	}
	return 0
}

func (s diffScreen) View() string {
	st := s.c.styles
	if s.c.deps.Cases == nil {
		return fitHeight(st.List.Empty.Render("No contract cases: start psbox with --cases DIR (a folder of case files) to run them here."), s.height)
	}
	if !s.ran {
		msg := "Press r to run the contract cases against the target."
		if s.running {
			msg = "Running the contract cases…"
		}
		return fitHeight(st.List.Empty.Render(msg), s.height)
	}
	if len(s.results) == 0 {
		return fitHeight(st.List.Empty.Render("The cases folder holds no cases."), s.height)
	}
	var b strings.Builder
	h := s.listHeight()
	end := min(len(s.results), s.offset+h)
	for i := s.offset; i < end; i++ {
		r := s.results[i]
		status := st.Diff.Pass.Render("PASS")
		if !r.Pass {
			status = st.Diff.Fail.Render("FAIL")
		}
		line := pad(r.Name, max(10, s.width-32)) + " " + pad(r.Event, 24)
		if i == s.cursor {
			line = st.List.Selected.Render(line)
		}
		b.WriteString(mark(i == s.cursor) + status + " " + line + "\n")
	}
	list := fitHeight(strings.TrimSuffix(b.String(), "\n"), h)
	title := ""
	if r, ok := s.selected(); ok && !r.Pass && r.Err == "" {
		mode := "unified (-want +got)"
		if s.side {
			mode = "side by side (want | got)"
		}
		title = st.Detail.Section.Render("── " + r.Name + ": " + mode)
	}
	return fitHeight(list+"\n"+truncate(title, s.width)+"\n"+s.vp.View(), s.height)
}

// sideBySide lays a unified diff out in two columns, want on the left and
// got on the right; runs of - lines pair with the + lines after them.
func sideBySide(diff string, width int) string {
	col := max(10, (width-3)/2)
	var out []string
	var dels, adds []string
	flush := func() {
		for i := 0; i < max(len(dels), len(adds)); i++ {
			l, r := "", ""
			if i < len(dels) {
				l = dels[i]
			}
			if i < len(adds) {
				r = adds[i]
			}
			out = append(out, pad(l, col)+" │ "+r)
		}
		dels, adds = dels[:0], adds[:0]
	}
	for _, line := range strings.Split(diff, "\n") {
		switch {
		case strings.HasPrefix(line, "-"):
			dels = append(dels, line)
		case strings.HasPrefix(line, "+"):
			adds = append(adds, line)
		default:
			flush()
			out = append(out, pad(line, col)+" │ "+line)
		}
	}
	flush()
	return strings.Join(out, "\n")
}

// expandTabs makes go-cmp's tab indentation a fixed width on screen.
func expandTabs(s string) string { return strings.ReplaceAll(s, "\t", "    ") }
