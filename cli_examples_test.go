package main

import (
	"bytes"
	"context"
	"io"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/psbox-dev/psbox/receiver"
)

// TestExamples_CasesPassAgainstBuiltInReceiver keeps the README's first
// contract-test command true: the example cases pass against psbox receive,
// and fail with a diff when the receiver answers 503.
func TestExamples_CasesPassAgainstBuiltInReceiver(t *testing.T) {
	for _, tc := range []struct {
		status int
		code   int
		want   string
	}{
		{200, 0, "3 passed, 0 failed"},
		{503, 1, "status: -200 +503"},
	} {
		rcv := httptest.NewServer(receiver.New(io.Discard, receiver.Options{Status: tc.status, Quiet: true}))
		var out, errb bytes.Buffer
		code := run(context.Background(), []string{"--state", t.TempDir(), "test", "examples/cases", "--target", rcv.URL + "/webhooks"},
			strings.NewReader(""), &out, &errb)
		rcv.Close()
		if code != tc.code || !strings.Contains(out.String(), tc.want) {
			t.Errorf("receiver answering %d: exit %d, want %d with %q:\n%s%s", tc.status, code, tc.code, tc.want, out.String(), errb.String())
		}
	}
}
