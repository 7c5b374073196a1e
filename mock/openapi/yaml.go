package openapi

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
)

// YAML writes a JSON document as YAML 1.2 in block style: the same tree,
// for readers and tools that prefer YAML. Strings are written as JSON
// strings, which are YAML double-quoted scalars with the same escapes;
// keys are plain when they cannot be read as anything but a string.
func YAML(doc []byte) ([]byte, error) {
	v, err := decode(doc)
	if err != nil {
		return nil, fmt.Errorf("the document is not JSON: %v", err)
	}
	var b bytes.Buffer
	if s, ok, err := scalar(v); ok || err != nil {
		return []byte(s + "\n"), err
	}
	if err := writeYAML(&b, v, 0, false); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// plainKey is a key YAML reads as the same string without quotes.
var plainKey = regexp.MustCompile(`^[A-Za-z_/][A-Za-z0-9_./-]*$`)

// yamlWords are plain scalars YAML 1.1 readers take for booleans or null.
var yamlWords = map[string]bool{
	"y": true, "n": true, "yes": true, "no": true, "on": true, "off": true,
	"true": true, "false": true, "null": true,
}

func yamlKey(k string) (string, error) {
	if plainKey.MatchString(k) && !yamlWords[strings.ToLower(k)] {
		return k, nil
	}
	return yamlString(k)
}

func yamlString(s string) (string, error) {
	b, err := marshal(s)
	return string(b), err
}

// scalar writes v when it is not a non-empty object or array.
func scalar(v any) (string, bool, error) {
	switch x := v.(type) {
	case nil:
		return "null", true, nil
	case bool:
		if x {
			return "true", true, nil
		}
		return "false", true, nil
	case json.Number:
		return string(x), true, nil
	case string:
		s, err := yamlString(x)
		return s, true, err
	case []any:
		if len(x) == 0 {
			return "[]", true, nil
		}
	case *ordered:
		if len(x.keys) == 0 {
			return "{}", true, nil
		}
	}
	return "", false, nil
}

// writeYAML writes v, a non-empty object or array, one entry a line at
// indent; inline says the first line's indent is already written (after a
// list item's "- ").
func writeYAML(b *bytes.Buffer, v any, indent int, inline bool) error {
	pad := strings.Repeat(" ", indent)
	lead := func(i int) {
		if i > 0 || !inline {
			b.WriteString(pad)
		}
	}
	switch x := v.(type) {
	case *ordered:
		for i, k := range x.keys {
			lead(i)
			key, err := yamlKey(k)
			if err != nil {
				return err
			}
			b.WriteString(key + ":")
			if err := writeValue(b, x.vals[k], indent+2); err != nil {
				return err
			}
		}
	case []any:
		for i, e := range x {
			lead(i)
			b.WriteString("-")
			if err := writeValue(b, e, indent+2); err != nil {
				return err
			}
		}
	}
	return nil
}

// writeValue writes what follows a key's ":" or an item's "-": a scalar on
// the same line; an object or list on the lines below, except that a list
// item's object starts on the item's line.
func writeValue(b *bytes.Buffer, v any, indent int) error {
	if s, ok, err := scalar(v); ok || err != nil {
		b.WriteString(" " + s + "\n")
		return err
	}
	if b.Bytes()[b.Len()-1] == '-' {
		b.WriteByte(' ')
		return writeYAML(b, v, indent, true)
	}
	b.WriteByte('\n')
	return writeYAML(b, v, indent, false)
}
