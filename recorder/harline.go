package recorder

import (
	"bytes"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/psbox-dev/psbox/internal/jsonenc"
)

// The HAR export's fast path: appendHAREntry turns one log line into its
// HAR entry by walking the line once (eachField, as the summary scanner
// does) and copying its string tokens, already JSON, straight into the
// entry. Decoding each record with encoding/json and encoding the entry
// again cost ~10x more CPU a record (BenchmarkHAREntry), which on a log of
// 1,000,000 exchanges is far over the export's bar (15 s on 2 cores).
//
// It takes only lines shaped as the Store writes them and with nothing to
// redact; for anything else (an unknown or repeated field, an escaped or
// unsorted header name, a base64 body, invalid UTF-8, a secret) it reports
// false and the caller takes the encoding/json path (harEntryJSON), which
// redacts. When it reports true its entry is the bytes that path writes
// (FuzzHAREntry holds it to that).

// harRaw holds the raw values of one line the entry needs.
type harRaw struct {
	id, kind, deliveryID, event, replayOf, err, errReason []byte // string tokens, with quotes
	attempt                                               int64
	start                                                 time.Time
	duration                                              int64
	req, resp                                             harRawMessage
	hasResp                                               bool
}

type harRawMessage struct {
	method, url []byte // string tokens
	status      int64
	headers     []harRawHeader
	body        []byte // string token, nil when none
	bodyLen     int    // decoded length of body
	truncated   bool
}

type harRawHeader struct {
	name   string   // decoded (it has no escapes)
	values [][]byte // string tokens
}

// appendHAREntry appends the HAR entry of line to b; false (and b as it
// was) when the line is not one it takes.
func appendHAREntry(b, line []byte, red *redactor) ([]byte, bool) {
	if lineMayHoldSecret(line) {
		return b, false
	}
	var r harRaw
	if !r.parse(line, red) {
		return b, false
	}
	return r.append(b), true
}

// Bits of harRaw.parse's seen set, one per field.
const (
	fID = 1 << iota
	fKind
	fDeliveryID
	fEvent
	fAttempt
	fReplayOf
	fTarget
	fRequest
	fResponse
	fErrorReason
	fError
	fInsecureTLS
	fStart
	fDuration
)

func (r *harRaw) parse(line []byte, red *redactor) bool {
	seen := 0
	ok := true
	err := eachField(line, func(key, v []byte) error {
		bit, field := 0, (*[]byte)(nil)
		switch string(key) {
		case "id":
			bit, field = fID, &r.id
		case "kind":
			bit, field = fKind, &r.kind
		case "delivery_id":
			bit, field = fDeliveryID, &r.deliveryID
		case "event":
			bit, field = fEvent, &r.event
		case "replay_of":
			bit, field = fReplayOf, &r.replayOf
		case "error_reason":
			bit, field = fErrorReason, &r.errReason
		case "error":
			bit, field = fError, &r.err
		case "target":
			bit = fTarget
			_, ok = stringLen(v) // not in the entry; redaction reads only the request's URL
		case "attempt":
			bit = fAttempt
			r.attempt, ok = intToken(v)
		case "duration_ns":
			bit = fDuration
			r.duration, ok = intToken(v)
		case "insecure_tls":
			bit = fInsecureTLS
			_, ok = boolToken(v)
		case "start":
			bit = fStart
			ok = r.start.UnmarshalJSON(v) == nil // as encoding/json reads it
		case "request":
			bit = fRequest
			ok = r.req.parse(v, false, red)
		case "response":
			bit = fResponse
			ok = r.resp.parse(v, true, red)
			r.hasResp = true
		default:
			ok = false
		}
		if field != nil {
			*field = v
			_, ok = stringLen(v)
		}
		if seen&bit != 0 {
			ok = false
		}
		seen |= bit
		if !ok {
			return errStop
		}
		return nil
	})
	if err != nil || !ok || seen&fRequest == 0 {
		return false
	}
	// Exactly one header each entry takes a value from, or none.
	for _, m := range []*harRawMessage{&r.req, &r.resp} {
		if _, ok := m.value("Content-Type"); !ok {
			return false
		}
		if _, ok := m.value("Location"); !ok {
			return false
		}
	}
	return true
}

func (m *harRawMessage) parse(v []byte, response bool, red *redactor) bool {
	seen := 0
	ok := true
	err := eachField(v, func(key, v []byte) error {
		bit := 0
		switch k := string(key); {
		case k == "method" && !response:
			bit = 1
			m.method = v
			_, ok = stringLen(v)
		case k == "url" && !response:
			bit = 2
			m.url = v
			_, ok = stringLen(v)
			if ok && slices.Contains(v, '@') { // user-info, unless already redacted
				u, err := str(v)
				ok = err == nil && redactURL(u) == u
			}
		case k == "status" && response:
			bit = 4
			m.status, ok = intToken(v)
		case k == "headers":
			bit = 8
			ok = m.parseHeaders(v, red)
		case k == "body":
			bit = 16
			m.body = v
			m.bodyLen, ok = stringLen(v)
		case k == "truncated":
			bit = 32
			m.truncated, ok = boolToken(v)
		default:
			ok = false
		}
		if seen&bit != 0 {
			ok = false
		}
		seen |= bit
		if !ok {
			return errStop
		}
		return nil
	})
	return err == nil && ok
}

func (m *harRawMessage) parseHeaders(v []byte, red *redactor) bool {
	ok := true
	err := eachField(v, func(key, vs []byte) error {
		name := string(key)
		// Names as the Store writes them: unescaped, sorted, each once.
		if slices.Contains(key, '\\') || !utf8.Valid(key) || len(m.headers) > 0 && m.headers[len(m.headers)-1].name >= name {
			ok = false
			return errStop
		}
		for _, c := range key {
			if c < 0x20 {
				ok = false
				return errStop
			}
		}
		secret := red.secret(name)
		h := harRawHeader{name: name}
		if vs[0] != '[' {
			ok = false
			return errStop
		}
		i := skipWS(vs, 1)
		for i < len(vs) && vs[i] != ']' {
			end, sok := skipString(vs, i)
			if vs[i] != '"' || !sok {
				ok = false
				return errStop
			}
			tok := vs[i:end]
			if _, sok := stringLen(tok); !sok || secret && string(tok) != `"`+Redacted+`"` {
				ok = false
				return errStop
			}
			h.values = append(h.values, tok)
			i = skipWS(vs, end)
			if i < len(vs) && vs[i] == ',' {
				i = skipWS(vs, i+1)
				if i < len(vs) && vs[i] == ']' {
					ok = false
					return errStop
				}
			} else if i >= len(vs) || vs[i] != ']' {
				ok = false
				return errStop
			}
		}
		if i != len(vs)-1 {
			ok = false
			return errStop
		}
		m.headers = append(m.headers, h)
		return nil
	})
	return err == nil && ok
}

// value is the first value of the header named name in any letter case,
// as headerValue does; false when two names match (the map's order would
// decide).
func (m *harRawMessage) value(name string) ([]byte, bool) {
	var out []byte
	found := false
	for _, h := range m.headers {
		if strings.EqualFold(h.name, name) {
			if found {
				return nil, false
			}
			found = true
			if len(h.values) > 0 {
				out = h.values[0]
			}
		}
	}
	return out, true
}

func (r *harRaw) append(b []byte) []byte {
	ms := float64(r.duration) / float64(time.Millisecond)
	if ms < 0 {
		ms = 0
	}
	b = append(b, `{"startedDateTime":"`...)
	b = r.start.UTC().AppendFormat(b, "2006-01-02T15:04:05.000Z07:00")
	b = append(b, `","time":`...)
	b = appendFloat(b, ms)

	q := &r.req
	b = append(b, `,"request":{"method":`...)
	if len(q.method) <= 2 {
		b = append(b, `"POST"`...)
	} else {
		b = append(b, q.method...)
	}
	b = append(b, `,"url":`...)
	b = appendToken(b, q.url)
	b = append(b, `,"httpVersion":"HTTP/1.1","cookies":[],"headers":`...)
	b = q.appendHeaders(b)
	b = append(b, `,"queryString":[`...)
	if slices.Contains(q.url, '?') {
		u, _ := str(q.url)
		for i, nv := range harQuery(u) {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendNV(b, jsonenc.AppendString(nil, nv.Name), jsonenc.AppendString(nil, nv.Value))
		}
	}
	b = append(b, ']')
	if q.bodyLen > 0 {
		ct, _ := q.value("Content-Type")
		b = append(b, `,"postData":{"mimeType":`...)
		b = appendToken(b, ct)
		b = append(b, `,"params":[],"text":`...)
		b = append(b, q.body...)
		b = append(b, '}')
	}
	b = append(b, `,"headersSize":-1,"bodySize":`...)
	b = strconv.AppendInt(b, int64(q.bodyLen), 10)
	if q.truncated {
		b = append(b, `,"_truncated":true`...)
	}

	p := &r.resp
	if !r.hasResp {
		b = append(b, `},"response":{"status":0,"statusText":"","httpVersion":"","cookies":[],"headers":[],"content":{"size":0,"mimeType":"x-unknown"},"redirectURL":"","headersSize":-1,"bodySize":0}`...)
	} else {
		b = append(b, `},"response":{"status":`...)
		b = strconv.AppendInt(b, p.status, 10)
		b = append(b, `,"statusText":"`...)
		b = append(b, statusText(int(p.status))...)
		b = append(b, `","httpVersion":"HTTP/1.1","cookies":[],"headers":`...)
		b = p.appendHeaders(b)
		b = append(b, `,"content":{"size":`...)
		b = strconv.AppendInt(b, int64(p.bodyLen), 10)
		b = append(b, `,"mimeType":`...)
		if ct, _ := p.value("Content-Type"); len(ct) > 2 {
			b = append(b, ct...)
		} else {
			b = append(b, `"x-unknown"`...)
		}
		if p.bodyLen > 0 {
			b = append(b, `,"text":`...)
			b = append(b, p.body...)
		}
		b = append(b, `},"redirectURL":`...)
		loc, _ := p.value("Location")
		b = appendToken(b, loc)
		b = append(b, `,"headersSize":-1,"bodySize":`...)
		b = strconv.AppendInt(b, int64(p.bodyLen), 10)
		if p.truncated {
			b = append(b, `,"_truncated":true`...)
		}
		b = append(b, '}')
	}
	b = append(b, `,"cache":{},"timings":{"send":0,"wait":`...)
	b = appendFloat(b, ms)
	b = append(b, `,"receive":0},"_id":`...)
	b = appendToken(b, r.id)
	b = appendOmit(b, `,"_kind":`, r.kind)
	b = appendOmit(b, `,"_deliveryId":`, r.deliveryID)
	b = appendOmit(b, `,"_event":`, r.event)
	if r.attempt != 0 {
		b = append(b, `,"_attempt":`...)
		b = strconv.AppendInt(b, r.attempt, 10)
	}
	b = appendOmit(b, `,"_replayOf":`, r.replayOf)
	b = appendOmit(b, `,"_error":`, r.err)
	b = appendOmit(b, `,"_errorReason":`, r.errReason)
	return append(b, '}')
}

func (m *harRawMessage) appendHeaders(b []byte) []byte {
	b = append(b, '[')
	first := true
	for _, h := range m.headers {
		for _, v := range h.values {
			if !first {
				b = append(b, ',')
			}
			first = false
			b = append(b, `{"name":"`...)
			b = append(b, h.name...)
			b = append(b, '"')
			b = append(b, `,"value":`...)
			b = append(b, v...)
			b = append(b, '}')
		}
	}
	return append(b, ']')
}

func appendNV(b, name, value []byte) []byte {
	b = append(b, `{"name":`...)
	b = append(b, name...)
	b = append(b, `,"value":`...)
	b = append(b, value...)
	return append(b, '}')
}

// appendToken appends a string token, or "" for none.
func appendToken(b, tok []byte) []byte {
	if len(tok) == 0 {
		return append(b, `""`...)
	}
	return append(b, tok...)
}

// appendOmit appends key and tok unless tok is empty (omitempty).
func appendOmit(b []byte, key string, tok []byte) []byte {
	if len(tok) <= 2 {
		return b
	}
	return append(append(b, key...), tok...)
}

// appendFloat writes f as encoding/json writes a float64.
func appendFloat(b []byte, f float64) []byte {
	format := byte('f')
	if abs := math.Abs(f); abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	b = strconv.AppendFloat(b, f, format, -1, 64)
	if format == 'e' { // e-09 to e-9, as encoding/json does
		if n := len(b); n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
	}
	return b
}

// intToken reads an integer as encoding/json reads one into an int64.
func intToken(v []byte) (int64, bool) {
	d := bytes.TrimPrefix(v, []byte("-"))
	if len(d) == 0 || d[0] == '0' && len(d) > 1 || d[0] < '0' || d[0] > '9' { // JSON's integers: no "+", no leading zero
		return 0, false
	}
	n, err := strconv.ParseInt(string(v), 10, 64)
	return n, err == nil
}

func boolToken(v []byte) (bool, bool) {
	switch string(v) {
	case "true":
		return true, true
	case "false":
		return false, true
	}
	return false, false
}

// stringLen checks that tok is a JSON string token in the form
// encoding/json (and jsonenc) writes its text back, byte for byte, and
// returns the length of the text; false for anything else (null, a
// number, a bad escape, invalid UTF-8, an escape encoding/json would not
// write, such as \/ or \ufffd, or a character it would escape).
func stringLen(tok []byte) (int, bool) {
	if len(tok) < 2 || tok[0] != '"' || tok[len(tok)-1] != '"' {
		return 0, false
	}
	n := 0
	s := tok[1 : len(tok)-1]
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == '"' || c < 0x20:
			return 0, false
		case c == '\\':
			if i+1 >= len(s) {
				return 0, false
			}
			switch s[i+1] {
			case '"', '\\', 'n', 'r', 't', 'b', 'f':
				n++
				i += 2
			case 'u':
				if i+6 > len(s) {
					return 0, false
				}
				hex := string(s[i+2 : i+6])
				v, err := strconv.ParseUint(hex, 16, 16)
				if err != nil || strings.ToLower(hex) != hex || !(v < 0x20 && !strings.ContainsRune("\n\r\t\b\f", rune(v)) || v == 0x2028 || v == 0x2029) {
					return 0, false
				}
				n += utf8.RuneLen(rune(v))
				i += 6
			default:
				return 0, false
			}
		case c < utf8.RuneSelf:
			n++
			i++
		default:
			r, size := utf8.DecodeRune(s[i:])
			if r == utf8.RuneError && size == 1 || r == '\u2028' || r == '\u2029' {
				return 0, false
			}
			n += size
			i += size
		}
	}
	return n, true
}
