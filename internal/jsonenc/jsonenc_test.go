package jsonenc

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

func encodingJSON(t testing.TB, s string) string {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(s); err != nil {
		t.Fatal(err)
	}
	return strings.TrimSuffix(buf.String(), "\n")
}

// FuzzAppendString checks the encoder against encoding/json (HTML escaping
// off, as psbox writes); the seeds run in go test.
func FuzzAppendString(f *testing.F) {
	for _, s := range []string{"", "plain", `quote " backslash \`, "tab\tnewline\ncr\r", "\x00\x01\x1f\x7f",
		"<b>&amp;</b>", "é ü 日本", "\u2028\u2029", "bad \xff utf8 \xe2\x82", "emoji 🎉", "whsec_abc"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := string(AppendString([]byte("x"), s)), "x"+encodingJSON(t, s); got != want {
			t.Errorf("AppendString(%q) = %s, want %s", s, got, want)
		}
	})
}
