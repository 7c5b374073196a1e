package ui

import (
	"fmt"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/psbox-dev/psbox/internal/humanize"
	"github.com/psbox-dev/psbox/recorder"
	"github.com/psbox-dev/psbox/recorder/render"
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

// detailContent is the scrollable part of the detail: the request and the
// response as psbox deliveries show writes them, in the UI's styles (the
// title and outcome above it stand for show's fields).
func (s deliveriesScreen) detailContent() string {
	if s.detailEx == nil {
		return ""
	}
	st := s.c.styles
	return strings.TrimPrefix(render.Messages(s.detailEx, render.Style{
		Section: func(t string) string { return st.Detail.Section.Render("── " + t) },
		Key:     func(k string) string { return st.Detail.Header.Render(k) },
	}), "\n")
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
