package mock

import (
	"errors"
	"os"
	"strings"
	"testing"
)

// TestStore_CompleteCorruptLastLineStops: only a torn tail (no newline, or
// zeros a crash left) may be skipped. A last line that ends in a newline
// but does not decode was written whole by someone: it stops OpenStore with
// the file and the line, and the journal is left as it is.
func TestStore_CompleteCorruptLastLineStops(t *testing.T) {
	good := hookLine(1, "whook_AAAAAAAAAAAAAA", "https://a.test") + hookLine(2, "whook_BBBBBBBBBBBBBB", "https://b.test")
	for name, last := range map[string]string{
		"cut JSON":     `{"seq":3,"webhook":{"key":"whook_CC` + "\n",
		"wrong key":    `{"seq":3,"webhook":{"key":"nope","target":"https://c.test","events":[]}}` + "\n",
		"not JSON":     "hello\n",
		"extra field":  `{"seq":3,"webhook":{"key":"whook_CCCCCCCCCCCCCC"},"x":1}` + "\n",
		"two newlines": hookLine(3, "whook_CCCCCCCCCCCCCC", "https://c.test") + "\n",
	} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			path := journalPath(dir)
			if err := os.WriteFile(path, []byte(good+last), 0o600); err != nil {
				t.Fatal(err)
			}
			_, err := OpenStore(dir)
			var ce *CorruptStoreError
			if !errors.As(err, &ce) || ce.Path != path || ce.Line < 3 {
				t.Fatalf("OpenStore: %v, want *CorruptStoreError at %s line 3 or later", err, path)
			}
			if msg := err.Error(); !strings.Contains(msg, path) || !strings.Contains(msg, "line ") {
				t.Errorf("message %q does not name the file and the line", msg)
			}
			if b, _ := os.ReadFile(path); string(b) != good+last {
				t.Error("the corrupt journal was changed")
			}
		})
	}
}
