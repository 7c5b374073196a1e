package ui

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/psbox-dev/psbox/internal/humanize"
	"github.com/psbox-dev/psbox/recorder"
)

func (s deliveriesScreen) updateDetail(msg tea.KeyMsg) (deliveriesScreen, tea.Cmd) {
	switch {
	case key.Matches(msg, s.keys.Cancel):
		s.detail = false
		return s, nil
	case key.Matches(msg, s.keys.Replay):
		return s, replayExchange(s.c.ctx, s.c.deps.Exchanges, s.c.deps.Replayer, s.detailID)
	case key.Matches(msg, s.keys.Copy):
		return s, copyPayload(s.c.deps.Exchanges, s.c.deps.Clipboard, s.detailID)
	}
	var cmd tea.Cmd
	s.vp, cmd = s.vp.Update(msg)
	return s, cmd
}

func (s deliveriesScreen) detailView() string {
	st := s.c.styles
	ex := s.detailEx
	if ex == nil {
		return st.List.Muted.Render("loading " + s.detailID + "…")
	}
	title := st.Detail.Section.Render("Delivery "+ex.ID) + st.List.Muted.Render(fmt.Sprintf("  %s  attempt %d", ex.Event, ex.Attempt))
	outcome := st.statusStyle(ex.Status()).Render(describeExchange(ex))
	pct := st.List.Muted.Render(fmt.Sprintf("%3.0f%%", s.vp.ScrollPercent()*100))
	return truncate(title, s.width) + "\n" + truncate(outcome, s.width) + "\n" + s.vp.View() + "\n" + pct
}

// detailContent is the scrollable part of the detail: headers and bodies.
func (s deliveriesScreen) detailContent() string {
	st := s.c.styles
	ex := s.detailEx
	if ex == nil {
		return ""
	}
	var b strings.Builder
	section := func(name string) {
		b.WriteString(st.Detail.Section.Render("── " + name))
		b.WriteByte('\n')
	}
	headers := func(h map[string][]string) {
		keys := slices.Sorted(maps.Keys(h))
		if len(keys) == 0 {
			b.WriteString(st.List.Muted.Render("(none)") + "\n")
		}
		for _, k := range keys {
			b.WriteString(st.Detail.Header.Render(k+":") + " " + strings.Join(h[k], ", ") + "\n")
		}
	}
	section("Request  " + ex.Request.Method + " " + ex.Request.URL)
	headers(ex.Request.Headers)
	b.WriteByte('\n')
	section("Request body")
	b.WriteString(prettyBody(ex.Request.Body))
	if ex.Request.Truncated {
		b.WriteString("\n(truncated)")
	}
	b.WriteString("\n\n")
	if ex.Response == nil {
		section("No response")
		b.WriteString(ex.ErrorReason + ": " + ex.Error + "\n")
		return b.String()
	}
	section(fmt.Sprintf("Response  %d", ex.Response.Status))
	headers(ex.Response.Headers)
	b.WriteByte('\n')
	section("Response body")
	b.WriteString(prettyBody(ex.Response.Body))
	if ex.Response.Truncated {
		b.WriteString("\n(truncated at 1 MiB)")
	}
	if ex.Error != "" {
		b.WriteString("\n\n")
		section("Error")
		b.WriteString(ex.ErrorReason + ": " + ex.Error)
	}
	return b.String()
}

func describeExchange(ex *recorder.Exchange) string {
	s := ex.Request.Method + " " + ex.Target + " → "
	if ex.Response == nil {
		return s + "no answer (" + ex.ErrorReason + "): " + ex.Error
	}
	s += fmt.Sprintf("%d in %s", ex.Response.Status, humanize.Latency(ex.Duration))
	if ex.ReplayOf != "" {
		s += "  replay of " + ex.ReplayOf
	}
	return s
}

func describeResult(r FireResult) string {
	what := r.Reason
	if r.Status != 0 {
		what = fmt.Sprintf("HTTP %d", r.Status)
	}
	if r.Err != "" {
		what += ": " + r.Err
	}
	return what + " at " + r.Target
}
