package mock

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// checkStrict enforces what encoding/json lets through on a body that is
// already valid JSON: a field name that matches one of fields only when
// case is ignored (encoding/json would take "TARGET" for "target"), a key
// sent twice in one object, also when spelled with escapes (encoding/json
// keeps the last), and a string, key or value, that is not valid UTF-8 or
// holds a lone surrogate escape (encoding/json turns both into U+FFFD).
// Each is a *FieldError naming the field by its path (target, events[1],
// set.content.email).
func checkStrict(raw []byte, fields []string) error {
	s := strictScanner{b: raw, fields: fields}
	return s.value("")
}

// strictScanner walks valid JSON; it does not check the syntax again.
type strictScanner struct {
	b      []byte
	i      int
	fields []string // the exact names of the top-level object's fields
}

func (s *strictScanner) ws() {
	for s.i < len(s.b) && (s.b[s.i] == ' ' || s.b[s.i] == '\t' || s.b[s.i] == '\n' || s.b[s.i] == '\r') {
		s.i++
	}
}

func (s *strictScanner) value(path string) error {
	s.ws()
	if s.i >= len(s.b) {
		return nil
	}
	switch s.b[s.i] {
	case '{':
		return s.object(path)
	case '[':
		return s.array(path)
	case '"':
		_, err := s.str(path)
		return err
	}
	for s.i < len(s.b) && !strings.ContainsRune(",]} \t\r\n", rune(s.b[s.i])) {
		s.i++ // a number, true, false or null
	}
	return nil
}

func (s *strictScanner) object(path string) error {
	s.i++ // {
	seen := map[string]bool{}
	for {
		s.ws()
		if s.i >= len(s.b) || s.b[s.i] == '}' {
			s.i++
			return nil
		}
		if s.b[s.i] == ',' {
			s.i++
			continue
		}
		name := "a field name"
		if path != "" {
			name += " in " + path
		}
		key, err := s.str(name)
		if err != nil {
			return err
		}
		if seen[key] {
			return &FieldError{join(path, key), "is sent twice in one object; send each field once"}
		}
		seen[key] = true
		if path == "" && s.fields != nil {
			for _, f := range s.fields {
				if key != f && strings.EqualFold(key, f) {
					return &FieldError{key, fmt.Sprintf("field names are case-sensitive; send %q", f)}
				}
			}
		}
		s.ws()
		s.i++ // :
		if err := s.value(join(path, key)); err != nil {
			return err
		}
	}
}

func (s *strictScanner) array(path string) error {
	s.i++ // [
	for n := 0; ; {
		s.ws()
		if s.i >= len(s.b) || s.b[s.i] == ']' {
			s.i++
			return nil
		}
		if s.b[s.i] == ',' {
			s.i++
			continue
		}
		if err := s.value(path + "[" + strconv.Itoa(n) + "]"); err != nil {
			return err
		}
		n++
	}
}

// str reads a string at s.i and returns it decoded; path names it in an
// error.
func (s *strictScanner) str(path string) (string, error) {
	start := s.i
	s.i++ // "
	plain := true
	for s.i < len(s.b) && s.b[s.i] != '"' {
		c := s.b[s.i]
		switch {
		case c == '\\':
			plain = false
			if s.i+1 < len(s.b) && s.b[s.i+1] == 'u' {
				if err := s.unicodeEscape(path); err != nil {
					return "", err
				}
				continue
			}
			s.i += 2
		case c < utf8.RuneSelf:
			s.i++
		default:
			r, n := utf8.DecodeRune(s.b[s.i:])
			if r == utf8.RuneError && n == 1 {
				return "", &FieldError{path, fmt.Sprintf("is not valid UTF-8 (byte %d of the body); send text in UTF-8", s.i)}
			}
			s.i += n
		}
	}
	s.i++ // "
	raw := s.b[start:s.i]
	if plain {
		return string(raw[1 : len(raw)-1]), nil
	}
	var out string
	json.Unmarshal(raw, &out) // valid by now
	return out, nil
}

// unicodeEscape reads \uXXXX at s.i (and the low half after a high
// surrogate); a surrogate without its other half is an error.
func (s *strictScanner) unicodeEscape(path string) error {
	at := s.i
	r := s.hex4()
	if !utf16.IsSurrogate(r) {
		return nil
	}
	if r < 0xdc00 && s.i+1 < len(s.b) && s.b[s.i] == '\\' && s.b[s.i+1] == 'u' {
		save := s.i
		if low := s.hex4(); low >= 0xdc00 && low <= 0xdfff {
			return nil
		}
		s.i = save
	}
	return &FieldError{path, fmt.Sprintf("holds a lone surrogate %s (byte %d of the body), which is not a character; send valid UTF-16 pairs or UTF-8", s.b[at:at+6], at)}
}

// hex4 reads \uXXXX at s.i and returns its value.
func (s *strictScanner) hex4() rune {
	if s.i+6 > len(s.b) {
		s.i = len(s.b)
		return 0
	}
	v, _ := strconv.ParseUint(string(s.b[s.i+2:s.i+6]), 16, 32)
	s.i += 6
	return rune(v)
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// jsonFields lists the JSON names of a struct's fields (nil for anything
// but a pointer to a struct).
func jsonFields(dst any) []string {
	t := reflect.TypeOf(dst)
	if t == nil || t.Kind() != reflect.Pointer || t.Elem().Kind() != reflect.Struct {
		return nil
	}
	var names []string
	for i := range t.Elem().NumField() {
		f := t.Elem().Field(i)
		if !f.IsExported() {
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		switch name {
		case "-":
			continue
		case "":
			name = f.Name
		}
		names = append(names, name)
	}
	return names
}
