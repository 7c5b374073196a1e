package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/psbox-dev/psbox/audit"
	"github.com/psbox-dev/psbox/internal/testutil"
	"github.com/psbox-dev/psbox/receiver"
)

func runCmd(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(t.Context(), args, strings.NewReader(""), &out, &errb)
	return code, out.String(), errb.String()
}

// startReceive runs psbox receive with o on a free port until the test ends.
func startReceive(t *testing.T, o receiver.Options) string {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	ready := make(chan string, 1)
	done := make(chan error, 1)
	go func() {
		done <- runReceive(ctx, receiveOptions{addr: "127.0.0.1:0", Options: o}, &testutil.Buffer{}, &testutil.Buffer{}, ready)
	}()
	t.Cleanup(func() { cancel(); <-done })
	return <-ready
}

// TestAudit_BuiltInReceiverScores: plain psbox receive passes everything
// but the signature checks (skip); with --verify and --sign it passes all
// 20. Every report is written and every exchange is recorded as audit.
func TestAudit_BuiltInReceiverScores(t *testing.T) {
	const secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	for _, tc := range []struct {
		name string
		o    receiver.Options
		args []string
		want string
	}{
		{"plain", receiver.Options{}, nil, "13 passed, 0 warned, 0 failed, 7 skipped"},
		{"verify", receiver.Options{Verify: "standard-webhooks", Secret: secret}, []string{"--sign", "standard-webhooks", "--secret", secret}, "20 passed, 0 warned, 0 failed, 0 skipped"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			addr := startReceive(t, tc.o)
			state, dir := t.TempDir(), t.TempDir()
			junitPath, mdPath := filepath.Join(dir, "audit.xml"), filepath.Join(dir, "audit.md")
			args := append([]string{"--state", state, "audit", "--target", "http://" + addr + "/webhooks",
				"--effects", "http://" + addr + receiver.EffectsPath + "{event}/{key}", "--seed", "7",
				"--junit", junitPath, "--markdown", mdPath}, tc.args...)
			start := time.Now()
			code, stdout, stderr := runCmd(t, args...)
			took := time.Since(start)
			if code != 0 || !strings.Contains(stdout, tc.want) || !strings.Contains(stdout, "(seed 7;") {
				t.Fatalf("exit %d, want 0 and %q:\n%s%s", code, tc.want, stdout, stderr)
			}
			if lines := strings.Count(stdout, "\n"); lines != len(audit.Checks)+2 {
				t.Errorf("%d lines, want a header, one per check and the summary:\n%s", lines, stdout)
			}
			t.Logf("the whole audit took %s", took)

			x, err := os.ReadFile(junitPath)
			if err != nil {
				t.Fatal(err)
			}
			var suites struct {
				Tests int `xml:"tests,attr"`
			}
			if err := xml.Unmarshal(x, &suites); err != nil || suites.Tests != len(audit.Checks) {
				t.Errorf("junit: %v, %d tests:\n%s", err, suites.Tests, x)
			}
			md, err := os.ReadFile(mdPath)
			if err != nil || !strings.Contains(string(md), "| `still-up` | ✅ pass |") || !strings.Contains(string(md), tc.want) {
				t.Errorf("markdown: %v\n%s", err, md)
			}

			// Every exchange is recorded as kind audit.
			code, list, stderr := runCmd(t, "--state", state, "deliveries", "--kind", "audit", "--json", "--limit", "0")
			if code != 0 {
				t.Fatalf("deliveries --kind audit: exit %d %s", code, stderr)
			}
			n := 0
			sc := bufio.NewScanner(strings.NewReader(list))
			sc.Buffer(nil, 4<<20)
			for sc.Scan() {
				var ex struct{ Kind string }
				if err := json.Unmarshal(sc.Bytes(), &ex); err != nil || ex.Kind != "audit" {
					t.Fatalf("line %q: %v", sc.Text(), err)
				}
				n++
			}
			if n < audit.BurstSize {
				t.Errorf("%d audit exchanges listed, want every one (more than the burst's %d)", n, audit.BurstSize)
			}
			if code, list, _ := runCmd(t, "--state", state, "deliveries", "--kind", "delivery", "--json"); code != 0 || list != "" {
				t.Errorf("audit exchanges listed as deliveries: %q", list)
			}
		})
	}
}

// TestAudit_JSONAndExitCodes: --json is one object per check; a failing
// receiver exits 1.
func TestAudit_JSONAndExitCodes(t *testing.T) {
	addr := startReceive(t, receiver.Options{Status: 503})
	state := t.TempDir()
	code, stdout, stderr := runCmd(t, "--state", state, "audit", "--target", "http://"+addr+"/", "--json", "--only", "still-up,unknown-event")
	if code != 1 {
		t.Fatalf("exit %d, want 1:\n%s%s", code, stdout, stderr)
	}
	var got []audit.Result
	for _, line := range strings.Split(strings.TrimSpace(stdout), "\n") {
		var r audit.Result
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Fatalf("%q: %v", line, err)
		}
		got = append(got, r)
	}
	// An audit delivery the scorecard names can be shown, and replayed to reproduce it.
	if code, out, errOut := runCmd(t, "--state", state, "deliveries", "show", got[1].Deliveries[0]); code != 0 || !strings.Contains(out, "503") {
		t.Errorf("show %s: exit %d:\n%s%s", got[1].Deliveries[0], code, out, errOut)
	}
	code, out, errOut := runCmd(t, "--state", state, "deliveries", "replay", got[1].Deliveries[0], "--to", "http://"+addr+"/")
	if code != 1 || !strings.Contains(out+errOut, "503") {
		t.Errorf("replay of %s: exit %d, want 1 with the receiver's 503:\n%s%s", got[1].Deliveries[0], code, out, errOut)
	}
	if len(got) != 2 || got[0].ID != "unknown-event" || got[0].Verdict != audit.Fail || got[1].ID != "still-up" || got[1].Verdict != audit.Fail || len(got[1].Deliveries) != 1 {
		t.Errorf("got %+v", got)
	}
}

func TestAudit_UnreachableAndMistakes(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	free := l.Addr().String()
	l.Close()
	code, stdout, stderr := runCmd(t, "--state", t.TempDir(), "audit", "--target", "http://"+free+"/webhooks")
	if code != 1 || stdout != "" || !strings.Contains(stderr, "nothing answers at http://"+free) {
		t.Errorf("unreachable: exit %d, stdout %q, stderr %q; want 1 and one sentence before any check", code, stdout, stderr)
	}
	assertOneSentence(t, stderr)

	for _, tc := range []struct {
		args []string
		want string
	}{
		{nil, "--target is required"},
		{[]string{"--target", "ftp://x"}, "--target"},
		{[]string{"--target", "http://127.0.0.1:1/", "--only", "duplicates"}, `no check is called "duplicates"`},
		{[]string{"--target", "http://127.0.0.1:1/", "--skip", "x"}, "--skip"},
		{[]string{"--target", "http://127.0.0.1:1/", "--effects", "http://127.0.0.1:1/effects"}, "{key}"},
		{[]string{"--target", "http://127.0.0.1:1/", "--budget", "0s"}, "--budget"},
		{[]string{"--target", "http://127.0.0.1:1/", "--sign", "standard-webhooks", "--secret", "nope"}, "whsec_"},
	} {
		code, _, stderr := runCmd(t, append([]string{"--state", t.TempDir(), "audit"}, tc.args...)...)
		if code != 2 || !strings.Contains(stderr, tc.want) {
			t.Errorf("%v: exit %d, stderr %q; want 2 mentioning %q", tc.args, code, stderr, tc.want)
		}
		assertOneSentence(t, stderr)
	}
}
