package ui

import (
	"fmt"
	"strings"

	"github.com/charmbracelet/x/ansi"
	"github.com/psbox-dev/psbox/fixtures"

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
	problems       string // why the cases could not be loaded (every problem, file:line), until a run works
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
	s.keys.Up.SetEnabled(has || s.problems != "")
	s.keys.Down.SetEnabled(has || s.problems != "")
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
	case s.problems != "":
		s.vp.Height = max(1, s.height-2)
		s.vp.SetContent(s.c.styles.Form.Error.Render(strings.Join(wrap(s.problems, s.vp.Width), "\n")))
	case !ok:
		s.vp.SetContent("")
	case r.Err != "":
		s.vp.SetContent(s.c.styles.Form.Error.Render(r.Err))
	case r.Pass:
		s.vp.SetContent(s.c.styles.Diff.Pass.Render("The receiver answered as expected."))
	case s.side:
		s.vp.SetContent(sideBySide(s.c.styles, expandTabs(r.Diff), s.width))
	default:
		s.vp.SetContent(unified(s.c.styles, expandTabs(r.Diff), s.width))
	}
}

// unified shows each difference of a case diff ("path: -want +got") as a
// red - line with what the case expects and a green + line with what came.
func unified(st *Styles, diff string, width int) string {
	var out []string
	for _, line := range strings.Split(diff, "\n") {
		path, want, got, ok := fixtures.SplitDiffLine(line)
		if !ok {
			if line != fixtures.DiffHeader {
				out = append(out, wrap(line, width)...)
			}
			continue
		}
		out = append(out, st.Diff.Hunk.Render(path))
		for _, l := range wrap("- "+want, width) {
			out = append(out, st.Diff.Del.Render(l))
		}
		for _, l := range wrap("+ "+got, width) {
			out = append(out, st.Diff.Add.Render(l))
		}
	}
	return strings.Join(out, "\n")
}

// sideBySide lays a case diff out in columns: the path, want on the left
// and got on the right, the differing values coloured; a long value wraps
// within its column, so nothing is cut.
func sideBySide(st *Styles, diff string, width int) string {
	pathW := 0
	type row struct{ path, want, got string }
	var rows []row
	var other []string
	for _, line := range strings.Split(diff, "\n") {
		path, want, got, ok := fixtures.SplitDiffLine(line)
		if !ok {
			if line != fixtures.DiffHeader {
				other = append(other, line)
			}
			continue
		}
		rows = append(rows, row{path, want, got})
		pathW = max(pathW, len(path))
	}
	pathW = min(pathW, max(8, width/4))
	col := max(8, (width-pathW-6)/2)
	out := []string{st.Detail.Header.Render(pad("", pathW) + "   " + pad("want", col) + " │ got")}
	for _, r := range rows {
		ps, ws, gs := wrap(r.path, pathW), wrap(r.want, col), wrap(r.got, col)
		for i := range max(len(ps), len(ws), len(gs)) {
			p, w, g := at(ps, i), at(ws, i), at(gs, i)
			out = append(out, st.Diff.Hunk.Render(pad(p, pathW))+"   "+st.Diff.Del.Render(pad(w, col))+" │ "+st.Diff.Add.Render(g))
		}
	}
	for _, l := range other {
		out = append(out, wrap(l, width)...)
	}
	return strings.Join(out, "\n")
}

func at(ss []string, i int) string {
	if i < len(ss) {
		return ss[i]
	}
	return ""
}

// wrap cuts text into lines of at most w cells, each of its own lines
// apart (ansi.Hardwrap).
func wrap(s string, w int) []string {
	if w <= 0 {
		return []string{s}
	}
	return strings.Split(ansi.Hardwrap(s, w, true), "\n")
}

func (s diffScreen) Update(msg tea.Msg) (diffScreen, tea.Cmd) {
	s, cmd := s.update(msg)
	s.updateKeys()
	return s, cmd
}

func (s diffScreen) update(msg tea.Msg) (diffScreen, tea.Cmd) {
	switch msg := msg.(type) {
	case casesRanMsg:
		s.running, s.ran, s.problems = false, true, ""
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
			if s.results[i].Name == msg.name && s.results[i].File == msg.file {
				s.results[i].Pass = true
				s.results[i].Diff = ""
			}
		}
		s.refreshDiff()
		what := msg.change
		if what == "" {
			what = fmt.Sprintf("%s: %q", msg.file, msg.name)
		}
		return s, reportStatus("accepted the answer as the expectation: " + what)

	case casesFailedMsg:
		s.running, s.ran, s.results = false, false, nil
		s.problems = msg.err.Error()
		s.refreshDiff()
		s.vp.GotoTop()
		n := strings.Count(strings.TrimSpace(s.problems), "\n")
		return s, reportError(fmt.Errorf("the contract cases could not be loaded (%d %s below); fix them and press r", max(1, n), plural(max(1, n), "problem", "problems")))

	case tea.KeyMsg:
		h := s.listHeight()
		switch {
		case s.problems != "" && key.Matches(msg, s.keys.Down):
			s.vp.LineDown(1)
		case s.problems != "" && key.Matches(msg, s.keys.Up):
			s.vp.LineUp(1)
		case key.Matches(msg, s.keys.Run):
			s.running = true
			// The status first: a batch could deliver it after the run's own
			// outcome and leave "running" standing over a finished run.
			return s, tea.Sequence(reportStatus("running the contract cases…"), runCases(s.c.ctx, s.c.deps.Cases))
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
		if s.problems != "" {
			title := st.Detail.Section.Render("── the case files have problems; fix them and press r (↑/↓ scroll)")
			return fitHeight(truncate(title, s.width)+"\n"+s.vp.View(), s.height)
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

// expandTabs makes go-cmp's tab indentation a fixed width on screen.
func expandTabs(s string) string { return strings.ReplaceAll(s, "\t", "    ") }
