// Package httpheader holds the one rule of what makes a header psbox can
// send: a name that is an HTTP token and a value without control
// characters. The sender (--header, a delivery's own headers) and the
// contract-case loader (a case's "headers") both check with it. It does not
// import net/http, so fixtures can use it.
//
//	if name, _, badName, found := httpheader.Invalid(h); found { ... }
package httpheader

import "strings"

// ValidValue reports whether v has no control character other than a tab
// (a line break would end the header and start another).
func ValidValue(v string) bool { return ControlIndex(v) < 0 }

// ControlIndex is the index of v's first control character other than a
// tab, -1 when there is none: where an error can point without showing v.
func ControlIndex(v string) int {
	for i := 0; i < len(v); i++ {
		if b := v[i]; b < ' ' && b != '\t' || b == 0x7f {
			return i
		}
	}
	return -1
}

// tokenChars are the bytes of an HTTP token (RFC 9110 section 5.6.2).
var tokenChars = func() (t [256]bool) {
	for c := '!'; c <= '~'; c++ {
		t[c] = !strings.ContainsRune(`"(),/:;<=>?@[\]{}`, c)
	}
	return t
}()

// ValidName reports whether s is a non-empty HTTP token.
func ValidName(s string) bool {
	for i := 0; i < len(s); i++ {
		if !tokenChars[s[i]] {
			return false
		}
	}
	return s != ""
}

// Invalid finds a header name that is not a token or a value with a
// control character; found is false when every header is valid. h has
// http.Header's shape.
func Invalid(h map[string][]string) (name, value string, badName, found bool) {
	for k, vs := range h {
		if !ValidName(k) {
			return k, "", true, true
		}
		for _, v := range vs {
			if !ValidValue(v) {
				return k, v, false, true
			}
		}
	}
	return "", "", false, false
}
