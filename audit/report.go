package audit

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/psbox-dev/psbox/internal/junit"
)

// TextOptions shape the terminal scorecard.
type TextOptions struct {
	Header string        // the first line, e.g. the target and the seed; none when empty
	Took   time.Duration // shown after the summary when not zero
	MaxIDs int           // delivery ids shown per check; default 3, the rest counted
}

// WriteText writes the scorecard: one line per check (verdict, id,
// reason, the delivery ids that show it), then the summary line.
func WriteText(w io.Writer, res []Result, o TextOptions) error {
	if o.MaxIDs == 0 {
		o.MaxIDs = 3
	}
	var b strings.Builder
	if o.Header != "" {
		b.WriteString(o.Header + "\n")
	}
	width := 0
	for _, r := range res {
		width = max(width, len(r.ID))
	}
	for _, r := range res {
		fmt.Fprintf(&b, "  %s  %-*s  %s", r.Verdict, width, r.ID, r.Reason)
		if len(r.Deliveries) > 0 {
			shown := r.Deliveries[:min(len(r.Deliveries), o.MaxIDs)]
			fmt.Fprintf(&b, "  [%s", strings.Join(shown, " "))
			if more := len(r.Deliveries) - len(shown); more > 0 {
				fmt.Fprintf(&b, " +%d more", more)
			}
			b.WriteString("]")
		}
		b.WriteString("\n")
	}
	b.WriteString(Summarize(res).String())
	if o.Took > 0 {
		fmt.Fprintf(&b, " (%s)", o.Took.Round(time.Millisecond))
	}
	b.WriteString("\n")
	_, err := io.WriteString(w, b.String())
	return err
}

// WriteJSONLines writes one JSON object per check: id, verdict, reason,
// deliveries (every id, never null).
func WriteJSONLines(w io.Writer, res []Result) error {
	enc := json.NewEncoder(w)
	for _, r := range res {
		if r.Deliveries == nil {
			r.Deliveries = []string{}
		}
		if err := enc.Encode(r); err != nil {
			return err
		}
	}
	return nil
}

// WriteJUnit writes one testcase per check in a "psbox audit" suite: a
// fail is a failure, a skip is skipped, and a warn passes with a verdict
// property and its reason in system-out, so CI shows it.
func WriteJUnit(w io.Writer, res []Result, took time.Duration) error {
	suite := junit.Suite{Name: "psbox audit", Time: junit.Seconds(took)}
	for _, r := range res {
		c := junit.Case{
			Name: r.ID, Classname: "psbox.audit", Time: "0.000",
			Properties: &junit.Properties{Property: []junit.Property{{Name: "verdict", Value: string(r.Verdict)}}},
		}
		if len(r.Deliveries) > 0 {
			c.Properties.Property = append(c.Properties.Property, junit.Property{Name: "deliveries", Value: strings.Join(r.Deliveries, " ")})
		}
		switch r.Verdict {
		case Fail:
			c.Failure = &junit.Failure{Message: r.Reason, Type: "fail", Text: r.Reason + "\ndeliveries: " + strings.Join(r.Deliveries, " ")}
		case Skip:
			c.Skipped = &junit.Skipped{Message: r.Reason}
		case Warn:
			c.SystemOut = "WARN: " + r.Reason
		default:
			c.SystemOut = r.Reason
		}
		suite.Cases = append(suite.Cases, c)
	}
	return junit.Write(w, junit.Suites{Name: "psbox audit", Time: junit.Seconds(took), Suites: []junit.Suite{suite}})
}

// WriteMarkdown writes the scorecard as a Markdown table and the summary
// line, e.g. for a CI step summary ($GITHUB_STEP_SUMMARY).
func WriteMarkdown(w io.Writer, res []Result, title string) error {
	var b strings.Builder
	if title != "" {
		fmt.Fprintf(&b, "### %s\n\n", mdCell(title))
	}
	b.WriteString("| Check | Verdict | Reason | Deliveries |\n|---|---|---|---|\n")
	for _, r := range res {
		ids := r.Deliveries
		more := ""
		if len(ids) > 5 {
			more = fmt.Sprintf(" +%d more", len(ids)-5)
			ids = ids[:5]
		}
		quoted := make([]string, len(ids))
		for i, id := range ids {
			quoted[i] = "`" + id + "`"
		}
		fmt.Fprintf(&b, "| `%s` | %s %s | %s | %s%s |\n", r.ID, mark[r.Verdict], r.Verdict, mdCell(r.Reason), strings.Join(quoted, " "), more)
	}
	fmt.Fprintf(&b, "\n**%s**\n", Summarize(res))
	_, err := io.WriteString(w, b.String())
	return err
}

var mark = map[Verdict]string{Pass: "✅", Warn: "⚠️", Fail: "❌", Skip: "⏭️"}

// mdCell keeps text inside one table cell.
func mdCell(s string) string {
	return strings.NewReplacer("|", `\|`, "\n", " ", "\r", " ").Replace(s)
}
