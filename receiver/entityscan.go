package receiver

import (
	"github.com/psbox-dev/psbox/fixtures"
	"github.com/psbox-dev/psbox/internal/handwritten"
)

// entityOf is fixtures.ParseEntity, the one reading of each body on the
// receiver's path, made fast: psbox receive --quiet must keep up with a
// bare sink (bench/receive.sh, bar 0.9x), and decoding every payload with
// encoding/json cost it a tenth of that. It checks that body is one JSON
// object and picks the event and the entity key in a single pass, without
// allocating; whatever it does not handle exactly as encoding/json would
// (an escape or a non-ASCII byte in a name or in a value it keeps, a
// number where a key is sought, deep nesting) it hands to
// fixtures.ParseEntity. FuzzEntityOf holds the two to the same answers.
func entityOf(body []byte) (fixtures.Entity, bool) {
	if !handwritten.On(handwritten.EntityScan) {
		return fixtures.ParseEntity(body)
	}
	e, ok, exact := scanEntity(body)
	if !exact {
		return fixtures.ParseEntity(body)
	}
	return e, ok
}

// maxScanDepth is how deep scanEntity follows nesting before handing the
// body to encoding/json (whose own limit is 10,000).
const maxScanDepth = 100

// entityScan reads one body; the fields are the values fixtures.Entity is
// made of, each "" when absent or not a string, as in fixtures.ParseEntity.
type entityScan struct {
	b       []byte
	i       int
	inexact bool // met something only encoding/json answers exactly

	event, key, partnershipKey, partnerKey string
	data, teamMember, team                 innerScan
}

// innerScan is what is kept of an object nested at the top level (data,
// team_member, team).
type innerScan struct{ key, partnerKey, teamKey string }

// scanEntity returns what fixtures.ParseEntity would, unless exact is
// false: then the answer is the caller's to find.
func scanEntity(body []byte) (e fixtures.Entity, ok, exact bool) {
	s := entityScan{b: body}
	s.ws()
	if s.i >= len(s.b) || s.b[s.i] != '{' {
		return fixtures.Entity{}, false, true
	}
	ok = s.object(1, s.topField)
	s.ws()
	if s.inexact {
		return fixtures.Entity{}, false, false
	}
	if !ok || s.i != len(s.b) {
		return fixtures.Entity{}, false, true
	}
	e.Event = s.event
	for _, k := range []string{s.key, s.data.key, s.partnershipKey, s.partnerKey, s.data.partnerKey, s.teamMember.teamKey, s.team.key} {
		if k != "" {
			e.Key = k
			break
		}
	}
	return e, true, true
}

func (s *entityScan) ws() {
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return
		}
	}
}

// object reads the object at s.i, calling field for each member with its
// name (field reads the value); false when it is not valid JSON or the
// scan must stop.
func (s *entityScan) object(depth int, field func(name []byte, plain bool, depth int) bool) bool {
	if depth > maxScanDepth {
		s.inexact = true
		return false
	}
	s.i++ // '{'
	s.ws()
	if s.i < len(s.b) && s.b[s.i] == '}' {
		s.i++
		return true
	}
	for {
		if s.i >= len(s.b) || s.b[s.i] != '"' {
			return false
		}
		name, plain, ok := s.str()
		if !ok {
			return false
		}
		s.ws()
		if s.i >= len(s.b) || s.b[s.i] != ':' {
			return false
		}
		s.i++
		s.ws()
		if !field(name, plain, depth) {
			return false
		}
		s.ws()
		if s.i >= len(s.b) {
			return false
		}
		switch s.b[s.i] {
		case ',':
			s.i++
			s.ws()
		case '}':
			s.i++
			return true
		default:
			return false
		}
	}
}

// topField reads a member of the payload object.
func (s *entityScan) topField(name []byte, plain bool, depth int) bool {
	if !plain {
		s.inexact = true // encoding/json unescapes and folds names
		return false
	}
	switch {
	case nameIs(name, "event"):
		return s.keep(&s.event, depth)
	case nameIs(name, "key"):
		return s.keep(&s.key, depth)
	case nameIs(name, "partnership_key"):
		return s.keep(&s.partnershipKey, depth)
	case nameIs(name, "partner_key"):
		return s.keep(&s.partnerKey, depth)
	case nameIs(name, "data"):
		return s.inner(&s.data, depth)
	case nameIs(name, "team_member"):
		return s.inner(&s.teamMember, depth)
	case nameIs(name, "team"):
		return s.inner(&s.team, depth)
	}
	return s.value(depth)
}

// inner reads the value of data, team_member or team into in, as
// encoding/json decodes into a *struct: an object sets the fields it has,
// null clears them all, any other value leaves them.
func (s *entityScan) inner(in *innerScan, depth int) bool {
	if s.i >= len(s.b) {
		return false
	}
	switch s.b[s.i] {
	case '{':
		return s.object(depth+1, func(name []byte, plain bool, depth int) bool {
			if !plain {
				s.inexact = true
				return false
			}
			switch {
			case nameIs(name, "key"):
				return s.keep(&in.key, depth)
			case nameIs(name, "partner_key"):
				return s.keep(&in.partnerKey, depth)
			case nameIs(name, "team_key"):
				return s.keep(&in.teamKey, depth)
			}
			return s.value(depth)
		})
	case 'n':
		*in = innerScan{}
	}
	return s.value(depth)
}

// keep reads a value into dst: a string as it is, anything else "" (as
// fixtures.ParseEntity's any-typed fields, read back as strings). A
// string with escapes or non-ASCII bytes, or a number (which
// encoding/json may refuse as out of range, leaving the field as it
// was), is not kept here.
func (s *entityScan) keep(dst *string, depth int) bool {
	if s.i >= len(s.b) {
		return false
	}
	switch c := s.b[s.i]; {
	case c == '"':
		v, plain, ok := s.str()
		if !ok {
			return false
		}
		if !plain {
			s.inexact = true
			return false
		}
		*dst = string(v)
		return true
	case c == '-' || c >= '0' && c <= '9':
		s.inexact = true
		return false
	}
	*dst = ""
	return s.value(depth)
}

// value skips one JSON value, checking it.
func (s *entityScan) value(depth int) bool {
	if s.i >= len(s.b) {
		return false
	}
	switch c := s.b[s.i]; {
	case c == '{':
		return s.object(depth+1, func(_ []byte, _ bool, depth int) bool { return s.value(depth) })
	case c == '[':
		return s.array(depth + 1)
	case c == '"':
		_, _, ok := s.str()
		return ok
	case c == 't':
		return s.literal("true")
	case c == 'f':
		return s.literal("false")
	case c == 'n':
		return s.literal("null")
	case c == '-' || c >= '0' && c <= '9':
		return s.number()
	}
	return false
}

func (s *entityScan) array(depth int) bool {
	if depth > maxScanDepth {
		s.inexact = true
		return false
	}
	s.i++ // '['
	s.ws()
	if s.i < len(s.b) && s.b[s.i] == ']' {
		s.i++
		return true
	}
	for {
		if !s.value(depth) {
			return false
		}
		s.ws()
		if s.i >= len(s.b) {
			return false
		}
		switch s.b[s.i] {
		case ',':
			s.i++
			s.ws()
		case ']':
			s.i++
			return true
		default:
			return false
		}
	}
}

func (s *entityScan) literal(lit string) bool {
	if len(s.b)-s.i < len(lit) || string(s.b[s.i:s.i+len(lit)]) != lit {
		return false
	}
	s.i += len(lit)
	return true
}

// number skips -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?.
func (s *entityScan) number() bool {
	if s.b[s.i] == '-' {
		s.i++
	}
	switch {
	case s.i < len(s.b) && s.b[s.i] == '0':
		s.i++
	case s.digits() == 0:
		return false
	}
	if s.i < len(s.b) && s.b[s.i] == '.' {
		s.i++
		if s.digits() == 0 {
			return false
		}
	}
	if s.i < len(s.b) && (s.b[s.i] == 'e' || s.b[s.i] == 'E') {
		s.i++
		if s.i < len(s.b) && (s.b[s.i] == '+' || s.b[s.i] == '-') {
			s.i++
		}
		if s.digits() == 0 {
			return false
		}
	}
	return true
}

func (s *entityScan) digits() int {
	n := 0
	for s.i < len(s.b) && s.b[s.i] >= '0' && s.b[s.i] <= '9' {
		s.i++
		n++
	}
	return n
}

// str reads the string at s.i (its opening quote), returning its bytes
// between the quotes; plain is true when it has no escape and no byte
// outside ASCII, so those bytes are its value.
func (s *entityScan) str() (v []byte, plain, ok bool) {
	s.i++ // '"'
	start := s.i
	plain = true
	for s.i < len(s.b) {
		c := s.b[s.i]
		switch {
		case c == '"':
			v = s.b[start:s.i]
			s.i++
			return v, plain, true
		case c < 0x20:
			return nil, false, false
		case c == '\\':
			plain = false
			s.i++
			if s.i >= len(s.b) {
				return nil, false, false
			}
			switch s.b[s.i] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				s.i++
			case 'u':
				if len(s.b)-s.i < 5 || !isHex(s.b[s.i+1]) || !isHex(s.b[s.i+2]) || !isHex(s.b[s.i+3]) || !isHex(s.b[s.i+4]) {
					return nil, false, false
				}
				s.i += 5
			default:
				return nil, false, false
			}
		default:
			if c >= 0x80 {
				plain = false
			}
			s.i++
		}
	}
	return nil, false, false
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

// nameIs reports whether an object member's name (plain ASCII) selects
// the field want, as encoding/json matches names: ignoring ASCII case.
func nameIs(name []byte, want string) bool {
	if len(name) != len(want) {
		return false
	}
	for i := range name {
		c := name[i]
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != want[i] {
			return false
		}
	}
	return true
}
