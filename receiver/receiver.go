// Package receiver is psbox's built-in webhook receiver: an http.Handler
// that logs each delivery readably and answers it, with a simulated status
// and delay for watching retries and timeouts.
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
	"sync"
	"time"

	"github.com/psbox-dev/psbox/mock"
	"github.com/psbox-dev/psbox/mock/events"
	"github.com/psbox-dev/psbox/recorder"
)

// MaxDelay bounds Options.Delay: longer than any sender's timeout is
// pointless, and the server's write timeout would cut it anyway.
const MaxDelay = 25 * time.Second

// Options configure the receiver. Status 0 means 200.
type Options struct {
	Status int           // the status every delivery is answered with
	Delay  time.Duration // wait this long before answering
}

// Validate checks o, naming the flag that is wrong and how to fix it.
func (o Options) Validate() error {
	if o.Status != 0 && (o.Status < 200 || o.Status > 599) {
		return fmt.Errorf("--status %d: give an HTTP status from 200 to 599", o.Status)
	}
	if o.Delay < 0 || o.Delay > MaxDelay {
		return fmt.Errorf("--delay %s: give a duration from 0 to %s", o.Delay, MaxDelay)
	}
	return nil
}

// New returns the receiver's handler: it reads each delivery (at most
// recorder.MaxBodyBytes, else 413), logs it readably to out (time, event,
// delivery id, key fields, the pretty JSON body), waits o.Delay and answers
// o.Status with {"received": true} (false when the status is not 2xx).
func New(out io.Writer, o Options) http.Handler {
	if o.Status == 0 {
		o.Status = http.StatusOK
	}
	var mu sync.Mutex // one log entry at a time
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, recorder.MaxBodyBytes))
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			mock.WriteError(w, &mock.StatusError{Code: http.StatusRequestEntityTooLarge, Msg: fmt.Sprintf("body over %d bytes", recorder.MaxBodyBytes)})
			return
		}
		entry := FormatReceived(time.Now(), r, body)
		mu.Lock()
		io.WriteString(out, entry)
		mu.Unlock()

		if o.Delay > 0 {
			t := time.NewTimer(o.Delay)
			select {
			case <-t.C:
			case <-r.Context().Done():
				t.Stop()
				return
			}
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(o.Status)
		if o.Status >= 200 && o.Status <= 299 {
			io.WriteString(w, `{"received": true}`+"\n")
		} else {
			fmt.Fprintf(w, `{"received": false, "simulated_status": %d}`+"\n", o.Status)
		}
	})
}

// FormatReceived renders one delivery for the log.
func FormatReceived(at time.Time, r *http.Request, body []byte) string {
	var b strings.Builder
	var doc map[string]any
	isJSON := json.Unmarshal(body, &doc) == nil
	event := r.Header.Get(events.HeaderEvent)
	if event == "" && isJSON {
		event, _ = doc["event"].(string)
	}
	if event == "" {
		event = "(event not named)"
	}
	fmt.Fprintf(&b, "%s  %s %s  %s", at.Format("15:04:05.000"), r.Method, r.URL.RequestURI(), event)
	if id := r.Header.Get(events.HeaderDelivery); id != "" {
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
