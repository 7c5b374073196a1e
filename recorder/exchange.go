// Package recorder keeps every HTTP exchange psbox takes part in: each
// delivery attempt it makes and each call to its mock API. Exchanges are
// plain values (no net/http types), appended durably to a JSON Lines file,
// indexed in memory and streamed to live subscribers.
package recorder

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"
	"unicode/utf8"
)

// Kind says which side of psbox produced an exchange.
type Kind string

const (
	KindDelivery Kind = "delivery" // psbox sent a webhook to a receiver
	KindAPI      Kind = "api"      // a client called psbox's mock API
	KindAudit    Kind = "audit"    // psbox audit sent a delivery, ordinary or faulty, to grade a receiver
)

// Kinds lists every Kind, in the order help texts name them.
var Kinds = []Kind{KindDelivery, KindAPI, KindAudit}

// ParseKind checks a kind a user typed; "" (every kind) is valid.
func ParseKind(s string) (Kind, error) {
	if s == "" || slices.Contains(Kinds, Kind(s)) {
		return Kind(s), nil
	}
	return "", fmt.Errorf("kind must be delivery, api or audit, not %q", s)
}

// Failure reasons, one per class of failed delivery attempt.
const (
	ReasonStatus   = "http_status"        // the receiver answered outside 200-299 (not 3xx)
	ReasonRedirect = "redirect"           // the receiver answered 3xx; redirects are never followed
	ReasonTimeout  = "timeout"            // connect or total deadline passed
	ReasonRefused  = "connection_refused" // nothing listening
	ReasonReset    = "connection_reset"   // the peer closed or reset the connection mid-exchange
	ReasonDNS      = "dns"                // the host name did not resolve
	ReasonTLS      = "tls"                // TLS handshake or certificate failure
	ReasonBlocked  = "blocked_address"    // destination refused by psbox (link-local, metadata, user-info)
	ReasonNetwork  = "network"            // any other transport error
	ReasonCanceled = "canceled"           // psbox was shutting down
)

// MaxBodyBytes is the most of a body an Exchange keeps; the rest is dropped
// and Truncated is set.
const MaxBodyBytes = 1 << 20

// Exchange is one HTTP request and its answer (or the error instead).
type Exchange struct {
	ID          string        `json:"id"` // sortable by time
	Kind        Kind          `json:"kind"`
	DeliveryID  string        `json:"delivery_id,omitempty"`
	Event       string        `json:"event,omitempty"`
	Attempt     int           `json:"attempt,omitempty"` // 1 for the first try
	ReplayOf    string        `json:"replay_of,omitempty"`
	Target      string        `json:"target"`
	Request     Request       `json:"request"`
	Response    *Response     `json:"response,omitempty"` // nil when no answer came
	ErrorReason string        `json:"error_reason,omitempty"`
	Error       string        `json:"error,omitempty"`
	InsecureTLS bool          `json:"insecure_tls,omitempty"`
	Start       time.Time     `json:"start"`
	Duration    time.Duration `json:"duration_ns"`
}

// Request is what was sent.
type Request struct {
	Method    string              `json:"method"`
	URL       string              `json:"url"`
	Headers   map[string][]string `json:"headers,omitempty"`
	Body      Body                `json:"body,omitempty"`
	Truncated bool                `json:"truncated,omitempty"`
}

// Response is what came back.
type Response struct {
	Status    int                 `json:"status"`
	Headers   map[string][]string `json:"headers,omitempty"`
	Body      Body                `json:"body,omitempty"`
	Truncated bool                `json:"truncated,omitempty"`
}

// Failed reports whether the exchange did not end in a 2xx answer.
func (e *Exchange) Failed() bool {
	return e.ErrorReason != "" || e.Response == nil || e.Response.Status < 200 || e.Response.Status > 299
}

// Status is the response status, or 0 when there was none.
func (e *Exchange) Status() int {
	if e.Response == nil {
		return 0
	}
	return e.Response.Status
}

// Clone copies the exchange's header maps and bodies, for holders that
// keep it while its producer reuses the originals.
func (e Exchange) Clone() Exchange {
	e.Request.Headers = CloneHeaders(e.Request.Headers)
	e.Request.Body = bytes.Clone(e.Request.Body)
	if e.Response != nil {
		r := *e.Response
		r.Headers = CloneHeaders(r.Headers)
		r.Body = bytes.Clone(r.Body)
		e.Response = &r
	}
	return e
}

// CloneHeaders copies a header map and its value slices (nil stays nil).
func CloneHeaders(h map[string][]string) map[string][]string {
	if h == nil {
		return nil
	}
	out := make(map[string][]string, len(h))
	for k, vs := range h {
		out[k] = slices.Clone(vs)
	}
	return out
}

// Body holds bytes as sent. In JSON it is a string when the bytes are UTF-8
// text and {"base64": "..."} otherwise.
type Body []byte

func (b Body) MarshalJSON() ([]byte, error) {
	if utf8.Valid(b) {
		return json.Marshal(string(b))
	}
	return json.Marshal(struct {
		Base64 string `json:"base64"`
	}{base64.StdEncoding.EncodeToString(b)})
}

func (b *Body) UnmarshalJSON(data []byte) error {
	if len(data) > 0 && data[0] == '"' {
		var s string
		if err := json.Unmarshal(data, &s); err != nil {
			return err
		}
		*b = Body(s)
		return nil
	}
	if string(data) == "null" {
		*b = nil
		return nil
	}
	var v struct {
		Base64 *string `json:"base64"`
	}
	if err := json.Unmarshal(data, &v); err != nil || v.Base64 == nil {
		return errors.New("body: want a string or {\"base64\": ...}")
	}
	raw, err := base64.StdEncoding.DecodeString(*v.Base64)
	if err != nil {
		return err
	}
	*b = raw
	return nil
}
