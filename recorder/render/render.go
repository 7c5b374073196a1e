// Package render is how psbox writes a recorded exchange for a person: the
// cells of a list row (psbox deliveries, --follow, the UI's Deliveries
// screen) and the full exchange (psbox deliveries show, the UI's detail).
// The CLI and the UI both call it; the UI passes its styles, the CLI none.
package render

import (
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"

	"github.com/psbox-dev/psbox/internal/bodytext"
	"github.com/psbox-dev/psbox/internal/humanize"
	"github.com/psbox-dev/psbox/recorder"
)

// EventTarget is what a row shows as an exchange's event and target: a
// delivery's own ("-" for no event), and for a call to the mock API
// "api" and "METHOD /path".
func EventTarget(sm *recorder.Summary) (event, target string) {
	if sm.Kind == recorder.KindAPI {
		return "api", sm.Method + " " + Path(sm.Target)
	}
	if sm.Event == "" {
		return "-", sm.Target
	}
	return sm.Event, sm.Target
}

// Path is the path and query of a URL ("/" when it has none).
func Path(u string) string {
	if i := strings.Index(u, "://"); i >= 0 {
		if j := strings.IndexByte(u[i+3:], '/'); j >= 0 {
			return u[i+3+j:]
		}
		return "/"
	}
	return u
}

// Result is the status, or the failure class when no answer came
// ("connection_refused"), with the class after the status when the answer
// itself was the failure's cause beyond its status.
func Result(status int, reason string) string {
	switch {
	case status == 0 && reason != "":
		return reason
	case status == 0:
		return "no answer"
	case reason != "" && reason != recorder.ReasonStatus && reason != recorder.ReasonRedirect:
		return fmt.Sprintf("%d %s", status, reason)
	}
	return fmt.Sprint(status)
}

// Code is Result in at most 7 cells, for a narrow status column: the
// status, or a short name of the failure class ("refused", "timeout").
func Code(status int, reason string) string {
	if status != 0 {
		return fmt.Sprint(status)
	}
	switch reason {
	case "":
		return "ERR"
	case recorder.ReasonRefused:
		return "refused"
	case recorder.ReasonReset:
		return "reset"
	case recorder.ReasonBlocked:
		return "blocked"
	case recorder.ReasonCanceled:
		return "cancel"
	}
	return reason // timeout, dns, tls, network
}

// Attempt is a row's attempt cell: "-" for an exchange that is no
// delivery attempt, else its number, marked when it is a replay.
func Attempt(sm *recorder.Summary) string {
	switch {
	case sm.Attempt <= 0:
		return "-"
	case sm.ReplayOf != "":
		return fmt.Sprintf("%d (replay)", sm.Attempt)
	}
	return fmt.Sprint(sm.Attempt)
}

// Style dresses the parts of an exchange: section titles and the names of
// fields and headers. A nil function leaves the text plain.
type Style struct {
	Section func(string) string
	Key     func(string) string
}

func apply(f func(string) string, s string) string {
	if f == nil {
		return s
	}
	return f(s)
}

// Exchange is one exchange in full: its Fields, then its Messages.
func Exchange(ex *recorder.Exchange, st Style) string {
	return Fields(ex, st) + Messages(ex, st)
}

// Fields is what an exchange was and how it ended, one "Name  value" line
// each: ids, kind, event, target, start, latency, result.
func Fields(ex *recorder.Exchange, st Style) string {
	var b strings.Builder
	field := func(k, v string) {
		if v != "" {
			b.WriteString(apply(st.Key, fmt.Sprintf("%-10s", k)) + " " + v + "\n")
		}
	}
	field("Exchange", ex.ID)
	field("Kind", string(ex.Kind))
	field("Event", ex.Event)
	if ex.DeliveryID != "" {
		field("Delivery", fmt.Sprintf("%s, attempt %d", ex.DeliveryID, ex.Attempt))
	}
	field("Replay of", ex.ReplayOf)
	field("Target", ex.Target)
	field("Started", ex.Start.Local().Format("2006-01-02 15:04:05.000 MST"))
	field("Latency", humanize.Latency(ex.Duration))
	if ex.InsecureTLS {
		field("TLS", "certificate not verified (--insecure)")
	}
	switch {
	case ex.Error != "":
		field("Result", fmt.Sprintf("failed (%s): %s", ex.ErrorReason, ex.Error))
	case ex.Failed():
		field("Result", fmt.Sprintf("failed: answered %d", ex.Status()))
	default:
		field("Result", fmt.Sprintf("ok: answered %d", ex.Status()))
	}
	return b.String()
}

// Messages is the request and the response of an exchange, each with its
// headers and body, each part under a section title.
func Messages(ex *recorder.Exchange, st Style) string {
	var b strings.Builder
	section := func(title string) { b.WriteString("\n" + apply(st.Section, title) + "\n") }
	headers := func(h map[string][]string) {
		for _, k := range slices.Sorted(maps.Keys(h)) {
			for _, v := range h[k] {
				b.WriteString(apply(st.Key, k+":") + " " + v + "\n")
			}
		}
	}
	section("Request")
	b.WriteString(ex.Request.Method + " " + ex.Request.URL + "\n")
	headers(ex.Request.Headers)
	section("Request body")
	body(&b, ex.Request.Body, ex.Request.Truncated)
	section("Response")
	r := ex.Response
	if r == nil {
		b.WriteString("(none: the attempt failed before an answer came)\n")
		return b.String()
	}
	fmt.Fprintf(&b, "%d %s\n", r.Status, http.StatusText(r.Status))
	headers(r.Headers)
	section("Response body")
	body(&b, r.Body, r.Truncated)
	return b.String()
}

func body(b *strings.Builder, data recorder.Body, truncated bool) {
	switch text, ok := bodytext.Pretty(data); {
	case len(data) == 0:
		b.WriteString("(empty)")
	case ok:
		b.WriteString(text)
	default:
		fmt.Fprintf(b, "(%d bytes of binary data; 'psbox deliveries export --format jsonl' has them in base64)", len(data))
	}
	b.WriteString("\n")
	if truncated {
		fmt.Fprintf(b, "(truncated: psbox keeps the first %d bytes of a body)\n", recorder.MaxBodyBytes)
	}
}
