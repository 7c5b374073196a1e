package tuiapp

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/psbox-dev/psbox/fixtures"
	"github.com/psbox-dev/psbox/mock/delivery"
)

// Accepting one case rewrites its file; accepting a second case of the
// same file next still works, and each accept says which file and line.
func TestCases_AcceptTwoCasesOfOneFile(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"ok":false}`))
	}))
	defer srv.Close()
	dir := t.TempDir()
	file := filepath.Join(dir, "both.json")
	os.WriteFile(file, []byte(`[
  {"name": "one", "event": "application_created", "expect": {"status": 200, "body": {"ok": true}}},
  {"name": "two", "event": "application_approved", "expect": {"status": 200, "body": {"ok": true}}}
]
`), 0o600)
	sender, err := delivery.New(delivery.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer sender.Close()
	c := &cases{dir: dir, sender: sender, target: srv.URL, cat: fixtures.Builtin()}
	res, err := c.Run(t.Context())
	if err != nil || len(res) != 2 || res[0].Pass || res[1].Pass {
		t.Fatalf("Run = %+v, %v; want two failures", res, err)
	}
	for _, r := range res {
		change, err := c.Accept(t.Context(), r)
		if err != nil {
			t.Fatalf("accept %q: %v", r.Name, err)
		}
		if !strings.Contains(change, "both.json:") || !strings.Contains(change, r.Name) {
			t.Errorf("accept %q says %q; want the file:line and the case", r.Name, change)
		}
	}
	res, err = c.Run(t.Context())
	if err != nil || !res[0].Pass || !res[1].Pass {
		t.Fatalf("after accepting both: %+v, %v", res, err)
	}
}
