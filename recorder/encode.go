package recorder

import (
	"encoding/base64"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/psbox-dev/psbox/internal/jsonenc"
)

// appendLine appends ex as one JSON line (with '\n'): the same document
// encoding/json makes of an Exchange, written by hand because it is on
// every delivery's path and reflection costs several times more.
func appendLine(b []byte, ex *Exchange) []byte { return encodeLine(b, ex, nil) }

// lineRedactor does, while encodeLine writes, the redaction that needs a
// look at each field: secret header values (the redactor's names) and
// user-info in URLs. whsec_ tokens and secret query parameters are found
// afterwards by one look at the whole line (lineMayHoldSecret). It notes
// whether it changed anything, so an exchange with nothing secret is
// never copied.
type lineRedactor struct {
	*redactor
	changed bool // something was redacted
}

func (r *lineRedactor) url(s string) string {
	if r == nil || strings.IndexByte(s, '@') < 0 {
		return s
	}
	out := redactURL(s)
	r.changed = r.changed || out != s
	return out
}

// encodeRedacted appends ex's line, redacted by red, to b and returns it
// with the redacted exchange (ex itself when nothing in it is secret): the
// line red.exchange(ex) encodes to.
func encodeRedacted(b []byte, ex Exchange, red *redactor) ([]byte, Exchange) {
	start := len(b)
	r := lineRedactor{redactor: red}
	b = encodeLine(b, &ex, &r)
	if lineMayHoldSecret(b[start:]) {
		ex = red.exchange(ex)
		return appendLine(b[:start], &ex), ex
	}
	if r.changed {
		ex = red.exchange(ex)
	}
	return b, ex
}

// encodeLine is appendLine, redacting with r when r is not nil.
func encodeLine(b []byte, ex *Exchange, r *lineRedactor) []byte {
	b = append(b, `{"id":`...)
	b = appendString(b, ex.ID)
	b = append(b, `,"kind":`...)
	b = appendString(b, string(ex.Kind))
	if ex.DeliveryID != "" {
		b = append(b, `,"delivery_id":`...)
		b = appendString(b, ex.DeliveryID)
	}
	if ex.Event != "" {
		b = append(b, `,"event":`...)
		b = appendString(b, ex.Event)
	}
	if ex.Attempt != 0 {
		b = append(b, `,"attempt":`...)
		b = strconv.AppendInt(b, int64(ex.Attempt), 10)
	}
	if ex.ReplayOf != "" {
		b = append(b, `,"replay_of":`...)
		b = appendString(b, ex.ReplayOf)
	}
	b = append(b, `,"target":`...)
	target := r.url(ex.Target)
	b = appendString(b, target)
	b = append(b, `,"request":{"method":`...)
	b = appendString(b, ex.Request.Method)
	b = append(b, `,"url":`...)
	if ex.Request.URL == ex.Target {
		b = appendString(b, target) // usually the same text: redacted once
	} else {
		b = appendString(b, r.url(ex.Request.URL))
	}
	b = appendMessage(b, ex.Request.Headers, ex.Request.Body, ex.Request.Truncated, r)
	if resp := ex.Response; resp != nil {
		b = append(b, `,"response":{"status":`...)
		b = strconv.AppendInt(b, int64(resp.Status), 10)
		b = appendMessage(b, resp.Headers, resp.Body, resp.Truncated, r)
	}
	if ex.ErrorReason != "" {
		b = append(b, `,"error_reason":`...)
		b = appendString(b, ex.ErrorReason)
	}
	if ex.Error != "" {
		b = append(b, `,"error":`...)
		b = appendString(b, ex.Error)
	}
	if ex.InsecureTLS {
		b = append(b, `,"insecure_tls":true`...)
	}
	b = append(b, `,"start":"`...)
	b = appendTime(b, ex.Start)
	b = append(b, `","duration_ns":`...)
	b = strconv.AppendInt(b, int64(ex.Duration), 10)
	return append(b, "}\n"...)
}

// appendMessage writes the headers, body and truncated fields shared by
// Request and Response, and the closing brace.
func appendMessage(b []byte, h map[string][]string, body Body, truncated bool, r *lineRedactor) []byte {
	if len(h) > 0 {
		b = append(b, `,"headers":{`...)
		// Most messages have fewer headers than this: no allocation, and
		// each value is taken while iterating, not looked up again.
		var arr [16]header
		hs := arr[:0]
		for k, vs := range h {
			hs = append(hs, header{k, vs})
		}
		slices.SortFunc(hs, func(x, y header) int { return strings.Compare(x.k, y.k) })
		for i, kv := range hs {
			if i > 0 {
				b = append(b, ',')
			}
			secret := r != nil && r.secret(kv.k)
			b = appendString(b, kv.k)
			b = append(b, ':')
			if kv.vs == nil {
				b = append(b, "null"...)
				continue
			}
			b = append(b, '[')
			for j, v := range kv.vs {
				if j > 0 {
					b = append(b, ',')
				}
				if secret {
					v, r.changed = Redacted, true
				}
				b = appendString(b, v)
			}
			b = append(b, ']')
		}
		b = append(b, '}')
	}
	if len(body) > 0 {
		b = append(b, `,"body":`...)
		if utf8.Valid(body) {
			b = appendString(b, string(body))
		} else {
			b = append(b, `{"base64":"`...)
			b = base64.StdEncoding.AppendEncode(b, body)
			b = append(b, `"}`...)
		}
	}
	return appendTruncated(b, truncated)
}

// header is one header's name and values, for sorting.
type header struct {
	k  string
	vs []string
}

// appendTruncated ends a message.
func appendTruncated(b []byte, truncated bool) []byte {
	if truncated {
		b = append(b, `,"truncated":true`...)
	}
	return append(b, '}')
}

// appendString writes s as a JSON string (see jsonenc.AppendString).
func appendString(b []byte, s string) []byte { return jsonenc.AppendString(b, s) }

// appendTime writes t as time.RFC3339Nano does (and so encoding/json).
func appendTime(b []byte, t time.Time) []byte { return t.AppendFormat(b, time.RFC3339Nano) }
