package main

import (
	"bytes"
	"context"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/psbox-dev/psbox/internal/testutil"
	"github.com/psbox-dev/psbox/receiver"
)

// TestReceive_TriggerEndToEnd runs psbox receive, fires psbox trigger at it,
// and stops it with a cancel (Ctrl-C).
func TestReceive_TriggerEndToEnd(t *testing.T) {
	var out, errb testutil.Buffer
	ctx, cancel := context.WithCancel(t.Context())
	ready := make(chan string, 1)
	done := make(chan error, 1)
	go func() {
		done <- runReceive(ctx, receiveOptions{addr: "127.0.0.1:0", Options: receiver.Options{Status: 200}}, &out, &errb, ready)
	}()
	addr := <-ready
	code, stdout, stderr := runTriggerCmd(t, t.TempDir(), "application_created", "--to", "http://"+addr+"/webhooks", "--no-record")
	if code != 0 || !strings.Contains(stdout, "  200  ") {
		t.Errorf("trigger exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("receive returned %v", err)
		}
	case <-time.After(6 * time.Second):
		t.Fatal("receive did not stop after cancel")
	}
	if !strings.Contains(out.String(), "application_created") { // written by the time it stops
		t.Errorf("receiver log lacks the event:\n%s", out.String())
	}
	if !strings.Contains(errb.String(), "stopped") {
		t.Errorf("stderr %q", errb.String())
	}
}

func TestReceive_UserMistakesExit2(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--addr", l.Addr().String()}, "already in use"},
		{[]string{"--addr", "nope"}, "host:port"},
		{[]string{"--status", "42"}, "--status"},
		{[]string{"--delay", "-1s"}, "--delay"},
		{[]string{"--delay", "1h"}, "--delay"},
	} {
		var out, errb bytes.Buffer
		code := run(t.Context(), append([]string{"receive"}, tc.args...), strings.NewReader(""), &out, &errb)
		if code != 2 || !strings.Contains(errb.String(), tc.want) {
			t.Errorf("%v: exit %d, stderr %q; want 2 mentioning %q", tc.args, code, errb.String(), tc.want)
		}
		assertOneSentence(t, errb.String())
	}
}
