package main

import (
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/psbox-dev/psbox/internal/smalldisk"
)

// TestTrigger_DiskFullExits1 runs trigger with its state on a real 1 MiB
// filesystem: the deliveries are made, but most cannot be recorded, so it
// exits 1 saying how many of them were not recorded and why, and the log
// is left whole (it ends in a complete line).
func TestTrigger_DiskFullExits1(t *testing.T) {
	disk := smalldisk.Mount(t, "1m")
	state := filepath.Join(disk, "state")
	rcv := newTriggerReceiver(t, 200)
	code, stdout, stderr := runTriggerCmd(t, state, "application_created", "--to", rcv.URL, "--count", "3000", "--concurrency", "4")
	if code != 1 {
		t.Errorf("exit %d, want 1; stderr %q", code, stderr)
	}
	if !strings.Contains(stdout, "3000 delivered") {
		t.Errorf("stdout %q: the deliveries themselves were made", stdout[max(0, len(stdout)-300):])
	}
	last := strings.TrimSpace(stderr[strings.LastIndex(strings.TrimSpace(stderr), "\n")+1:])
	if m := regexp.MustCompile(`^psbox: (\d+) of 3000 deliveries were not recorded: .*no space left on device`).FindStringSubmatch(last); m == nil || m[1] == "0" {
		t.Errorf("last stderr line %q, want 'N of 3000 deliveries were not recorded: <cause>'", last)
	}
	b, err := os.ReadFile(filepath.Join(state, "deliveries.jsonl"))
	if err != nil || len(b) == 0 || b[len(b)-1] != '\n' {
		t.Errorf("the log (%v) does not end in a whole line: ...%q", err, b[max(0, len(b)-80):])
	}
}

// TestServe_DiskFullSaysWhatIsTrue: serve on a full disk refuses every
// change (500), and at Ctrl-C says that none was saved and how many calls
// were not recorded, exit 1, instead of claiming the changes are kept in
// webhooks.journal.
func TestServe_DiskFullSaysWhatIsTrue(t *testing.T) {
	disk := smalldisk.Mount(t, "256k")
	state := filepath.Join(disk, "state")
	if err := os.MkdirAll(state, 0o700); err != nil {
		t.Fatal(err)
	}
	fill, err := os.Create(filepath.Join(disk, "fill"))
	if err != nil {
		t.Fatal(err)
	}
	for _, err = fill.Write(make([]byte, 4096)); err == nil; _, err = fill.Write(make([]byte, 4096)) {
	}
	fill.Close()
	base, cancel, code, _, stderr := startServe(t, "--addr", "127.0.0.1:0", "--state", state)
	defer cancel()
	basic := func(r *http.Request) { r.SetBasicAuth(defaultPublicKey, defaultSecretKey) }
	if st, body := serveCall(t, "POST", base+"/api/v2/webhooks", `{"target":"http://127.0.0.1:1/hook","events":["application_created"]}`, basic); st != 500 || !strings.Contains(body, "no space left") {
		t.Errorf("create on a full disk: %d %s, want 500 saying why", st, body)
	}
	cancel()
	if c := <-code; c != 1 {
		t.Errorf("exit %d, want 1", c)
	}
	msg := stderr.String()
	if !strings.Contains(msg, "no change was saved") || strings.Contains(msg, "stay in") || !strings.Contains(msg, "1 of 1 exchanges were not recorded") {
		t.Errorf("stderr %q: want that no change was saved and that 1 of 1 calls was not recorded", msg)
	}
}
