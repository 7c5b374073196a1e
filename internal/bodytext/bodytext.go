// Package bodytext is the one rule of how psbox shows a recorded body to a
// person: indented JSON when it is JSON, the text as it is when it is UTF-8,
// and nothing when it is binary (each caller words its own note for that:
// `psbox deliveries show` points at the export, the UI just says so). Both
// the CLI and the UI call it.
package bodytext

import (
	"bytes"
	"encoding/json"
	"unicode/utf8"
)

// Pretty returns b as a person reads it and true, or "" and false when b is
// not text.
func Pretty(b []byte) (string, bool) {
	var buf bytes.Buffer
	if json.Valid(b) && json.Indent(&buf, b, "", "  ") == nil {
		return buf.String(), true
	}
	if utf8.Valid(b) {
		return string(b), true
	}
	return "", false
}
