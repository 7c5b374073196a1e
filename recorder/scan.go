package recorder

import (
	"bytes"
	"encoding/json"
	"errors"
	"strconv"
	"time"
)

// Lists and filters read only the summary fields of each line. Going through
// encoding/json would scan every body twice; this scanner walks the
// top-level object once, skips values it does not need (bodies, headers)
// by their structure, and decodes the few it keeps. A line that is cut off
// or not a JSON object fails here; damage inside a skipped value surfaces
// when that exchange is read in full.

var errSyntax = errors.New("not a complete JSON object")

func skipWS(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\r' || b[i] == '\n') {
		i++
	}
	return i
}

// skipString returns the index after the string starting at b[i] == '"'.
func skipString(b []byte, i int) (int, bool) {
	i++
	for {
		j := bytes.IndexByte(b[i:], '"')
		if j < 0 {
			return 0, false
		}
		q := i + j
		// An even number of backslashes before the quote means it ends the string.
		k := q - 1
		for k >= i && b[k] == '\\' {
			k--
		}
		if (q-1-k)%2 == 0 {
			return q + 1, true
		}
		i = q + 1
	}
}

// skipValue returns the index after the JSON value starting at b[i].
func skipValue(b []byte, i int) (int, bool) {
	if i >= len(b) {
		return 0, false
	}
	switch c := b[i]; {
	case c == '"':
		return skipString(b, i)
	case c == '{' || c == '[':
		depth := 0
		for i < len(b) {
			switch b[i] {
			case '"':
				var ok bool
				if i, ok = skipString(b, i); !ok {
					return 0, false
				}
				continue
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return i + 1, true
				}
			}
			i++
		}
		return 0, false
	default: // number, true, false, null
		j := i
		for j < len(b) && (b[j] == '-' || b[j] == '+' || b[j] == '.' || (b[j] >= '0' && b[j] <= '9') || (b[j] >= 'a' && b[j] <= 'z') || b[j] == 'E') {
			j++
		}
		if j == i {
			return 0, false
		}
		return j, true
	}
}

// eachField calls fn with each top-level key and raw value of the object in b.
func eachField(b []byte, fn func(key, val []byte) error) error {
	i := skipWS(b, 0)
	if i >= len(b) || b[i] != '{' {
		return errSyntax
	}
	i = skipWS(b, i+1)
	if i < len(b) && b[i] == '}' {
		return trailing(b, i+1)
	}
	for {
		if i >= len(b) || b[i] != '"' {
			return errSyntax
		}
		end, ok := skipString(b, i)
		if !ok {
			return errSyntax
		}
		key := b[i+1 : end-1]
		i = skipWS(b, end)
		if i >= len(b) || b[i] != ':' {
			return errSyntax
		}
		i = skipWS(b, i+1)
		vend, ok := skipValue(b, i)
		if !ok {
			return errSyntax
		}
		if err := fn(key, b[i:vend]); err != nil {
			return err
		}
		i = skipWS(b, vend)
		if i >= len(b) {
			return errSyntax
		}
		if b[i] == '}' {
			return trailing(b, i+1)
		}
		if b[i] != ',' {
			return errSyntax
		}
		i = skipWS(b, i+1)
	}
}

func trailing(b []byte, i int) error {
	if skipWS(b, i) != len(b) {
		return errors.New("unexpected data after the JSON object")
	}
	return nil
}

// str decodes a JSON string value, fast when it has no escapes.
func str(v []byte) (string, error) {
	if len(v) >= 2 && v[0] == '"' && v[len(v)-1] == '"' && bytes.IndexByte(v, '\\') < 0 {
		return string(v[1 : len(v)-1]), nil
	}
	if string(v) == "null" {
		return "", nil
	}
	var s string
	err := json.Unmarshal(v, &s)
	return s, err
}

func num(v []byte) (int64, error) {
	if string(v) == "null" {
		return 0, nil
	}
	return strconv.ParseInt(string(v), 10, 64)
}

// errFound ends an eachField walk that found what it looked for.
var errFound = errors.New("found")

// scanSummary fills sm from one log line.
func scanSummary(line []byte, sm *Summary) error {
	return eachField(line, func(key, v []byte) error {
		var err error
		switch string(key) {
		case "id":
			sm.ID, err = str(v)
		case "kind":
			var s string
			s, err = str(v)
			sm.Kind = Kind(s)
		case "delivery_id":
			sm.DeliveryID, err = str(v)
		case "event":
			sm.Event, err = str(v)
		case "attempt":
			var n int64
			n, err = num(v)
			sm.Attempt = int(n)
		case "replay_of":
			sm.ReplayOf, err = str(v)
		case "target":
			sm.Target, err = str(v)
		case "error_reason":
			sm.ErrorReason, err = str(v)
		case "request":
			if sm.Kind == KindAPI { // a delivery is always a POST: skip its body
				err = eachField(v, func(k, rv []byte) error {
					if string(k) != "method" {
						return nil
					}
					m, err := str(rv)
					sm.Method = m
					if err == nil {
						err = errFound // the rest of the request is not needed
					}
					return err
				})
				if err == errFound {
					err = nil
				}
			}
		case "start":
			var s string
			if s, err = str(v); err == nil && s != "" {
				sm.Start, err = time.Parse(time.RFC3339Nano, s)
			}
		case "duration_ns":
			var n int64
			n, err = num(v)
			sm.Duration = time.Duration(n)
		case "response":
			if string(v) == "null" {
				return nil
			}
			err = eachField(v, func(k, rv []byte) error {
				if string(k) == "status" {
					n, err := num(rv)
					sm.Status = int(n)
					return err
				}
				return nil
			})
		}
		return err
	})
}
