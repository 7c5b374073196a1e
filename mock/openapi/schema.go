package openapi

import (
	"encoding/json"
	"strings"

	"github.com/psbox-dev/psbox/internal/jsondec"
)

// node is what the payloads seen so far say of one JSON value: the types it
// took and, for objects and arrays, what they held. Merging the payloads of
// several seeds gives a schema every one of them passes.
type node struct {
	types   map[string]bool // JSON Schema type names
	props   []string        // property names, in the order first seen
	prop    map[string]*node
	present map[string]int // objects seen with each property
	objects int            // objects seen
	items   *node
	strs    []string // up to a few string values, for patterns and formats
	allStr  int      // strings seen
}

func newNode() *node {
	return &node{types: map[string]bool{}, prop: map[string]*node{}, present: map[string]int{}}
}

// decode parses one payload, keeping object keys in order and numbers exact.
func decode(b []byte) (any, error) {
	return jsondec.Decode(b, func() *ordered { return &ordered{vals: map[string]any{}} }, (*ordered).put)
}

// ordered is a JSON object with its keys in file order.
type ordered struct {
	keys []string
	vals map[string]any
}

// put sets k to v; a repeated key keeps its first place and its last value.
func (o *ordered) put(k string, v any) {
	if _, dup := o.vals[k]; !dup {
		o.keys = append(o.keys, k)
	}
	o.vals[k] = v
}

// add merges one value into n.
func (n *node) add(v any) {
	switch x := v.(type) {
	case nil:
		n.types["null"] = true
	case bool:
		n.types["boolean"] = true
	case string:
		n.types["string"] = true
		n.allStr++
		if len(n.strs) < 8 {
			n.strs = append(n.strs, x)
		}
	case json.Number:
		if strings.ContainsAny(string(x), ".eE") {
			n.types["number"] = true
		} else {
			n.types["integer"] = true
		}
	case []any:
		n.types["array"] = true
		for _, e := range x {
			if n.items == nil {
				n.items = newNode()
			}
			n.items.add(e)
		}
	case *ordered:
		n.types["object"] = true
		n.objects++
		for _, k := range x.keys {
			c := n.prop[k]
			if c == nil {
				c = newNode()
				n.prop[k] = c
				n.props = append(n.props, k)
			}
			c.add(x.vals[k])
			n.present[k]++
		}
	}
}

// typeOrder lists JSON Schema types in the order a schema names them.
var typeOrder = []string{"object", "array", "string", "integer", "number", "boolean", "null"}

// schema is the JSON Schema (2020-12, OpenAPI 3.1's dialect) of what n saw.
// Objects allow properties not seen: PartnerStack adds fields, and a
// receiver should accept them.
func (n *node) schema(key string) obj {
	var types []string
	for _, t := range typeOrder {
		if n.types[t] && !(t == "integer" && n.types["number"]) {
			types = append(types, t)
		}
	}
	s := obj{}
	switch len(types) {
	case 0:
		return s
	case 1:
		if types[0] == "null" {
			return obj{{"description", "null in every sample psbox has; its type when set is not documented"}}
		}
		s = s.set("type", types[0])
	default:
		s = s.set("type", types)
	}
	if n.types["object"] {
		props := obj{}
		var required []string
		for _, k := range n.props {
			props = props.set(k, n.prop[k].schema(k))
			if n.present[k] == n.objects {
				required = append(required, k)
			}
		}
		s = s.set("properties", props)
		if len(required) > 0 {
			s = s.set("required", required)
		}
	}
	if n.types["array"] {
		if n.items != nil {
			s = s.set("items", n.items.schema(key))
		} else {
			s = s.set("items", obj{})
		}
	}
	if n.types["string"] && len(types) == 1 {
		if p, ok := keyPattern(n.strs); ok && n.allStr == len(n.strs) {
			s = s.set("pattern", p)
		} else if allEmails(n.strs) {
			s = s.set("format", "email")
		}
	}
	if n.types["integer"] && (strings.HasSuffix(key, "_at") || key == "close_date") {
		s = s.set("description", "epoch milliseconds")
	}
	return s
}

// keyPattern is the pattern of PartnerStack keys when every value is one
// with the same prefix: prefix, "_" and 14 letters or digits.
func keyPattern(vals []string) (string, bool) {
	prefix := ""
	for _, v := range vals {
		i := strings.IndexByte(v, '_')
		if i < 2 || i > 8 || len(v)-i-1 != 14 || !base62(v[i+1:]) || !lower(v[:i]) {
			return "", false
		}
		if prefix != "" && v[:i] != prefix {
			return "", false
		}
		prefix = v[:i]
	}
	if prefix == "" {
		return "", false
	}
	return "^" + prefix + "_[0-9A-Za-z]{14}$", true
}

func base62(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z') {
			return false
		}
	}
	return true
}

func lower(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 'a' || s[i] > 'z' {
			return false
		}
	}
	return true
}

func allEmails(vals []string) bool {
	if len(vals) == 0 {
		return false
	}
	for _, v := range vals {
		at := strings.IndexByte(v, '@')
		if at < 1 || strings.ContainsAny(v, " <>\"") || !strings.Contains(v[at:], ".") {
			return false
		}
	}
	return true
}
