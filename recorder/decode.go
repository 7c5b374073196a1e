package recorder

import (
	"encoding/json"
	"errors"
	"strconv"
	"time"
	"unicode/utf16"
	"unicode/utf8"
)

// decodeLine reads one log line into ex for the HAR export, which decodes
// every record of the log: it walks the object with the summary scanner,
// 5-7 times faster than encoding/json (BenchmarkDecodeLine), which the HAR
// bar (a million records in 15 s) needs, and falls back to encoding/json
// for anything it does not expect, so both always agree on what a line
// means (FuzzLineRoundTrip). Single reads (List, Get) use encoding/json.
func decodeLine(line []byte, ex *Exchange) error {
	if err := fastDecode(line, ex); err != nil {
		*ex = Exchange{}
		return json.Unmarshal(line, ex)
	}
	return nil
}

var errUnexpected = errors.New("unexpected shape")

func fastDecode(line []byte, ex *Exchange) error {
	return eachField(line, func(key, v []byte) error {
		var err error
		switch string(key) {
		case "id":
			ex.ID, err = unquote(v)
		case "kind":
			var s string
			s, err = unquote(v)
			ex.Kind = Kind(s)
		case "delivery_id":
			ex.DeliveryID, err = unquote(v)
		case "event":
			ex.Event, err = unquote(v)
		case "attempt":
			var n int64
			n, err = num(v)
			ex.Attempt = int(n)
		case "replay_of":
			ex.ReplayOf, err = unquote(v)
		case "target":
			ex.Target, err = unquote(v)
		case "request":
			err = eachField(v, func(k, rv []byte) error {
				switch string(k) {
				case "method":
					ex.Request.Method, err = unquote(rv)
				case "url":
					ex.Request.URL, err = unquote(rv)
				default:
					return decodeMessageField(k, rv, &ex.Request.Headers, &ex.Request.Body, &ex.Request.Truncated)
				}
				return err
			})
		case "response":
			if string(v) == "null" {
				return nil
			}
			r := &Response{}
			ex.Response = r
			err = eachField(v, func(k, rv []byte) error {
				if string(k) == "status" {
					n, err := num(rv)
					r.Status = int(n)
					return err
				}
				return decodeMessageField(k, rv, &r.Headers, &r.Body, &r.Truncated)
			})
		case "error_reason":
			ex.ErrorReason, err = unquote(v)
		case "error":
			ex.Error, err = unquote(v)
		case "insecure_tls":
			ex.InsecureTLS, err = boolean(v)
		case "start":
			var s string
			if s, err = unquote(v); err == nil {
				ex.Start, err = time.Parse(time.RFC3339Nano, s)
			}
		case "duration_ns":
			var n int64
			n, err = num(v)
			ex.Duration = time.Duration(n)
		default:
			return errUnexpected // let encoding/json decide
		}
		return err
	})
}

func decodeMessageField(k, v []byte, h *map[string][]string, body *Body, truncated *bool) error {
	var err error
	switch string(k) {
	case "headers":
		if string(v) == "null" {
			return nil
		}
		m := map[string][]string{}
		err = eachField(v, func(name, vals []byte) error {
			key, err := unescape(name)
			if err != nil {
				return err
			}
			if string(vals) == "null" {
				m[key] = nil
				return nil
			}
			list, err := stringArray(vals)
			m[key] = list
			return err
		})
		*h = m
	case "body":
		if len(v) > 0 && v[0] == '"' {
			var s string
			s, err = unquote(v)
			*body = Body(s)
		} else {
			err = body.UnmarshalJSON(v)
		}
	case "truncated":
		*truncated, err = boolean(v)
	default:
		return errUnexpected
	}
	return err
}

func boolean(v []byte) (bool, error) {
	switch string(v) {
	case "true":
		return true, nil
	case "false", "null":
		return false, nil
	}
	return false, errUnexpected
}

// stringArray decodes ["a","b"].
func stringArray(v []byte) ([]string, error) {
	i := skipWS(v, 0)
	if i >= len(v) || v[i] != '[' {
		return nil, errUnexpected
	}
	out := []string{}
	i = skipWS(v, i+1)
	if i < len(v) && v[i] == ']' {
		return out, nil
	}
	for {
		end, ok := skipString(v, i)
		if !ok || v[i] != '"' {
			return nil, errUnexpected
		}
		s, err := unquote(v[i:end])
		if err != nil {
			return nil, err
		}
		out = append(out, s)
		i = skipWS(v, end)
		if i >= len(v) {
			return nil, errUnexpected
		}
		if v[i] == ']' {
			return out, nil
		}
		if v[i] != ',' {
			return nil, errUnexpected
		}
		i = skipWS(v, i+1)
	}
}

// unquote decodes a JSON string literal, as encoding/json does (invalid
// UTF-8 and lone surrogates become U+FFFD).
func unquote(v []byte) (string, error) {
	if string(v) == "null" {
		return "", nil
	}
	if len(v) < 2 || v[0] != '"' || v[len(v)-1] != '"' {
		return "", errUnexpected
	}
	return unescape(v[1 : len(v)-1])
}

// unescape decodes the inside of a JSON string literal.
func unescape(v []byte) (string, error) {
	plain := true
	for _, c := range v {
		if c == '\\' || c < 0x20 || c >= utf8.RuneSelf {
			plain = false
			break
		}
	}
	if plain {
		return string(v), nil
	}
	b := make([]byte, 0, len(v))
	for i := 0; i < len(v); {
		c := v[i]
		switch {
		case c == '\\':
			if i+1 >= len(v) {
				return "", errUnexpected
			}
			switch v[i+1] {
			case '"', '\\', '/':
				b = append(b, v[i+1])
				i += 2
			case 'b':
				b = append(b, '\b')
				i += 2
			case 'f':
				b = append(b, '\f')
				i += 2
			case 'n':
				b = append(b, '\n')
				i += 2
			case 'r':
				b = append(b, '\r')
				i += 2
			case 't':
				b = append(b, '\t')
				i += 2
			case 'u':
				r, ok := hex4(v, i+2)
				if !ok {
					return "", errUnexpected
				}
				i += 6
				if utf16.IsSurrogate(r) {
					r2 := rune(-1)
					if i+6 <= len(v) && v[i] == '\\' && v[i+1] == 'u' {
						r2, ok = hex4(v, i+2)
						if !ok {
							return "", errUnexpected
						}
					}
					if dec := utf16.DecodeRune(r, r2); dec != utf8.RuneError {
						r = dec
						i += 6
					} else {
						r = utf8.RuneError
					}
				}
				b = utf8.AppendRune(b, r)
			default:
				return "", errUnexpected
			}
		case c < 0x20:
			return "", errUnexpected
		case c < utf8.RuneSelf:
			b = append(b, c)
			i++
		default:
			r, size := utf8.DecodeRune(v[i:])
			if r == utf8.RuneError && size == 1 {
				b = append(b, "\ufffd"...)
			} else {
				b = append(b, v[i:i+size]...)
			}
			i += size
		}
	}
	return string(b), nil
}

func hex4(v []byte, i int) (rune, bool) {
	if i+4 > len(v) {
		return 0, false
	}
	n, err := strconv.ParseUint(string(v[i:i+4]), 16, 32)
	return rune(n), err == nil
}
