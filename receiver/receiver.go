// Package receiver is psbox's built-in webhook receiver: an http.Handler
// that logs each delivery readably and answers it, with a simulated status
// and delay for watching retries and timeouts. It is also the reference
// receiver psbox audit grades: it can verify signatures, acts on each
// delivery once however often it comes, and reports what it acted on.
//
//	h := receiver.New(os.Stdout, receiver.Options{Status: 200})
//	srv := httptest.NewServer(h)
//	defer srv.Close()
package receiver

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/psbox-dev/psbox/mock"
	"github.com/psbox-dev/psbox/mock/delivery"
	"github.com/psbox-dev/psbox/recorder"
)

// MaxDelay bounds Options.Delay: longer than any sender's timeout is
// pointless, and the server's write timeout would cut it anyway.
const MaxDelay = 25 * time.Second

// EffectsPath is where the receiver answers GET EffectsPath+"{event}/{key}"
// with {"count": N}: how many times it acted on that event for that entity
// (psbox audit's --effects).
const EffectsPath = "/_psbox/effects/"

// Options configure the receiver. Status 0 means 200.
type Options struct {
	Status int           // the status every delivery is answered with
	Delay  time.Duration // wait this long before answering

	// Verify, when set, is the signature scheme every delivery must carry
	// (delivery.SignStandardWebhooks or delivery.SignHMACSHA256), signed with
	// Secret; others are answered 401.
	Verify          string
	Secret          string
	SignatureHeader string        // the hmac-sha256 header; default delivery.DefaultSignatureHeader
	Tolerance       time.Duration // how far a Standard Webhooks timestamp may be from now; default DefaultTolerance

	Quiet bool // print nothing per delivery (Close says how many came)
}

// Validate checks o, naming the flag that is wrong and how to fix it.
func (o Options) Validate() error {
	if o.Status != 0 && (o.Status < 200 || o.Status > 599) {
		return fmt.Errorf("--status %d: give an HTTP status from 200 to 599", o.Status)
	}
	if o.Delay < 0 || o.Delay > MaxDelay {
		return fmt.Errorf("--delay %s: give a duration from 0 to %s", o.Delay, MaxDelay)
	}
	_, err := newVerifier(o)
	return err
}

// Receiver is the built-in receiver's handler. For each delivery it:
//   - reads the body (at most recorder.MaxBodyBytes, else 413);
//   - with Options.Verify, answers 401 to a missing, forged, stale or
//     future signature;
//   - answers 400 to a body that is not a JSON object;
//   - logs it readably (time, event, delivery id, key fields, the pretty
//     JSON body), buffered (written at least every 100 ms); past
//     FullPerSecond deliveries in a second the rest of that second is one
//     line with counts by event, not formatted, so the receiver keeps up
//     with the sender it measures; with Options.Quiet nothing is logged;
//   - acts on it once: a byte-identical body it has seen is acknowledged
//     and not counted again (the last MaxRemembered bodies are kept);
//   - waits Options.Delay and answers Options.Status with
//     {"received": true} (false when the status is not 2xx).
//
// GET EffectsPath+"{event}/{key}" answers {"count": N}, the times it acted
// on that event for that entity key (fixtures.EntityKey).
type Receiver struct {
	o      Options
	out    *printer
	verify verifier // nil: no signature checked
	verr   error    // the verifier could not be built: every delivery is refused

	acted effects
}

// New returns the receiver for o, logging to out. o should have passed
// Validate; a signature configuration that did not is answered 500.
func New(out io.Writer, o Options) *Receiver {
	if o.Status == 0 {
		o.Status = http.StatusOK
	}
	v, err := newVerifier(o)
	return &Receiver{o: o, out: newPrinter(out, o.Quiet), verify: v, verr: err}
}

// Close writes the log still buffered and returns how many deliveries
// came.
func (rc *Receiver) Close() int { return rc.out.close() }

// Count is how many times the receiver acted on event for the entity key.
func (rc *Receiver) Count(event, key string) int { return rc.acted.count(event, key) }

func (rc *Receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if rest, ok := strings.CutPrefix(r.URL.Path, EffectsPath); ok && (r.Method == http.MethodGet || r.Method == http.MethodHead) {
		rc.serveEffects(w, rest)
		return
	}
	body, err := readBody(http.MaxBytesReader(w, r.Body, recorder.MaxBodyBytes), r.ContentLength)
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		mock.WriteError(w, &mock.StatusError{Code: http.StatusRequestEntityTooLarge, Msg: fmt.Sprintf("body over %d bytes", recorder.MaxBodyBytes)})
		return
	}
	now := time.Now()
	show := rc.out.admit(now, r.Header.Get(delivery.HeaderEvent)) // print in full, or only count
	refuse := func(status int, why string) {
		if !rc.o.Quiet {
			rc.out.print(FormatReceived(now, r, body) + fmt.Sprintf("  refused %d: %s\n", status, why))
		}
		b, _ := json.Marshal(map[string]any{"received": false, "error": why})
		writeJSON(w, status, string(b))
	}
	switch {
	case rc.verr != nil:
		refuse(http.StatusInternalServerError, rc.verr.Error())
		return
	case rc.verify != nil:
		if err := rc.verify.verify(r.Header, body, now); err != nil {
			refuse(http.StatusUnauthorized, err.Error())
			return
		}
	}
	// The one decoding of the body: whether it is an object, and what it
	// is about for the effects counts.
	entity, isObject := entityOf(body)
	if !isObject {
		refuse(http.StatusBadRequest, "the body is not a JSON object")
		return
	}
	ok := rc.o.Status >= 200 && rc.o.Status <= 299
	dup := false
	if ok {
		event := r.Header.Get(delivery.HeaderEvent)
		if event == "" {
			event = entity.Event
		}
		dup = !rc.acted.add(body, event, entity.Key)
	}
	if show {
		entry := FormatReceived(now, r, body)
		if dup {
			entry += "  (a duplicate: acknowledged, not acted on again)\n"
		}
		rc.out.print(entry)
	}

	if rc.o.Delay > 0 {
		t := time.NewTimer(rc.o.Delay)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
			return
		}
	}
	switch {
	case !ok:
		writeJSON(w, rc.o.Status, fmt.Sprintf(`{"received": false, "simulated_status": %d}`, rc.o.Status))
	case dup:
		writeJSON(w, rc.o.Status, `{"received": true, "duplicate": true}`)
	default:
		writeJSON(w, rc.o.Status, `{"received": true}`)
	}
}

func writeJSON(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	io.WriteString(w, body)
	io.WriteString(w, "\n")
}

// readBody is io.ReadAll sized by the request's Content-Length (when it is
// given and within the limit lr enforces), so a delivery's body is read
// into one allocation instead of a growing series.
func readBody(lr io.Reader, contentLength int64) ([]byte, error) {
	size := int64(512)
	if contentLength > 0 && contentLength < recorder.MaxBodyBytes {
		size = contentLength + 1 // room to see EOF without growing
	}
	b := make([]byte, 0, size)
	for {
		n, err := lr.Read(b[len(b):cap(b)])
		b = b[:len(b)+n]
		if err != nil {
			if err == io.EOF {
				err = nil
			}
			return b, err
		}
		if len(b) == cap(b) {
			b = append(b, 0)[:len(b)]
		}
	}
}

// serveEffects answers rest = "{event}/{key}" with the count.
func (rc *Receiver) serveEffects(w http.ResponseWriter, rest string) {
	event, key, ok := strings.Cut(rest, "/")
	if !ok || event == "" || key == "" || strings.Contains(key, "/") {
		writeJSON(w, http.StatusNotFound, `{"error": "ask GET `+EffectsPath+`{event}/{key}"}`)
		return
	}
	b, _ := json.Marshal(map[string]any{"event": event, "key": key, "count": rc.acted.count(event, key)})
	writeJSON(w, http.StatusOK, string(b))
}

// FormatReceived renders one delivery for the log.
func FormatReceived(at time.Time, r *http.Request, body []byte) string {
	var b strings.Builder
	var doc map[string]any
	isJSON := json.Unmarshal(body, &doc) == nil
	event := r.Header.Get(delivery.HeaderEvent)
	if event == "" && isJSON {
		event, _ = doc["event"].(string)
	}
	if event == "" {
		event = "(event not named)"
	}
	fmt.Fprintf(&b, "%s  %s %s  %s", at.Format("15:04:05.000"), r.Method, r.URL.RequestURI(), event)
	if id := r.Header.Get(delivery.HeaderDelivery); id != "" {
		fmt.Fprintf(&b, "  %s", id)
	}
	if isJSON {
		for _, f := range keyFields(doc) {
			fmt.Fprintf(&b, "  %s", f)
		}
	}
	b.WriteString("\n")
	var pretty bytes.Buffer
	switch {
	case len(body) == 0:
		b.WriteString("  (empty body)\n")
	case json.Indent(&pretty, body, "  ", "  ") == nil:
		b.WriteString("  ")
		b.Write(pretty.Bytes())
		b.WriteString("\n")
	default:
		fmt.Fprintf(&b, "  %s (%d bytes, not JSON)\n", strconv.Quote(clipText(body, 200)), len(body))
	}
	return b.String()
}

// keyFields picks the fields a person looks for first: the object key and
// an email, at the top level, under "data" or under "content".
func keyFields(doc map[string]any) []string {
	scopes := []map[string]any{doc}
	for _, k := range []string{"data", "content"} {
		if m, ok := doc[k].(map[string]any); ok {
			scopes = append(scopes, m)
		}
	}
	var out []string
	for _, name := range []string{"key", "email"} {
		for _, s := range scopes {
			if v, ok := s[name].(string); ok && v != "" {
				out = append(out, name+"="+v)
				break
			}
		}
	}
	return out
}

func clipText(b []byte, n int) string {
	if len(b) <= n {
		return string(b)
	}
	return string(b[:n]) + "..."
}
