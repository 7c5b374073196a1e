package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/psbox-dev/psbox/recorder"
)

// Shell completion offers event names, recorded ids and enum values.
func TestCompletion_Values(t *testing.T) {
	dir := t.TempDir()
	s, err := recorder.Open(dir, recorder.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ex, _ := s.Append(recorder.Exchange{Kind: recorder.KindDelivery, DeliveryID: "dlv_completeme", Event: "customer_created", Target: "http://r/"})
	s.Close()
	catalog, bad := t.TempDir(), t.TempDir()
	writeFile(t, filepath.Join(catalog, "invoice.paid.json"), `{"name": "invoice.paid", "sample": {"event": "invoice.paid"}}`)
	writeFile(t, filepath.Join(bad, "broken.json"), `{"name": "broken", "sample": []}`)
	complete := func(args ...string) string {
		var out, errb bytes.Buffer
		run(context.Background(), append([]string{"__complete", "--state", dir}, args...), strings.NewReader(""), &out, &errb)
		return out.String()
	}
	for _, tc := range []struct {
		args []string
		want []string
		not  string
	}{
		{[]string{"trigger", "application_a"}, []string{"application_approved"}, "customer_created"},
		{[]string{"events", "show", "cust"}, []string{"customer_created"}, "application_created"},
		{[]string{"deliveries", "--event", "partnership_"}, []string{"partnership_created"}, "customer_"},
		{[]string{"deliveries", "show", ""}, []string{ex.ID, "dlv_completeme"}, ""},
		{[]string{"deliveries", "replay", "dlv_"}, []string{"dlv_completeme"}, ex.ID},
		{[]string{"trigger", "x", "--sign", ""}, []string{"standard-webhooks", "hmac-sha256"}, ""},
		{[]string{"deliveries", "--kind", ""}, []string{"delivery", "api"}, ""},
		{[]string{"deliveries", "export", "--format", ""}, []string{"har", "jsonl"}, ""},
		{[]string{"--catalog", catalog, "trigger", "invoice"}, []string{"invoice.paid"}, "customer_created"},
		{[]string{"--catalog", bad, "trigger", "customer_cr"}, []string{"customer_created"}, ""},
	} {
		got := complete(tc.args...)
		for _, w := range tc.want {
			if !strings.Contains(got, w) {
				t.Errorf("%v: completions %q lack %q", tc.args, got, w)
			}
		}
		if tc.not != "" && strings.Contains(got, tc.not) {
			t.Errorf("%v: completions %q offer %q", tc.args, got, tc.not)
		}
	}
}

// A shell psbox has no script for is a usage mistake: exit 2 and one
// sentence naming the shells it supports, not the help and exit 0.
func TestCompletion_UnknownShell(t *testing.T) {
	var out, errb bytes.Buffer
	code := run(context.Background(), []string{"completion", "ksh"}, strings.NewReader(""), &out, &errb)
	msg := errb.String()
	if code != 2 || out.Len() != 0 || strings.Count(msg, "\n") != 1 {
		t.Fatalf("exit %d, stdout %q, stderr %q; want exit 2, nothing on stdout, one line on stderr", code, out.String(), msg)
	}
	for _, w := range []string{`"ksh"`, "bash", "zsh", "fish", "powershell"} {
		if !strings.Contains(msg, w) {
			t.Errorf("stderr %q lacks %s", msg, w)
		}
	}
	out.Reset()
	if code := run(context.Background(), []string{"completion", "bash"}, strings.NewReader(""), &out, &errb); code != 0 || !strings.Contains(out.String(), "bash completion") {
		t.Errorf("completion bash: exit %d, %d bytes; want the script", code, out.Len())
	}
}
