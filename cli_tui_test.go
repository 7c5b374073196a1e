package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"
)

func TestTUI_NeedsATerminal(t *testing.T) {
	var out, errOut bytes.Buffer
	code := run(context.Background(), []string{"--state", t.TempDir(), "--addr", "127.0.0.1:0"}, strings.NewReader(""), &out, &errOut)
	if code != 2 {
		t.Fatalf("exit %d, want 2", code)
	}
	if msg := errOut.String(); !strings.Contains(msg, "psbox serve") || !strings.Contains(msg, "psbox trigger") || strings.Count(msg, "\n") != 1 {
		t.Errorf("stderr %q: want one sentence pointing to psbox serve and psbox trigger", msg)
	}
}

func TestTUIOptions_Validate(t *testing.T) {
	dir := t.TempDir()
	ok := serveOptions{addr: "127.0.0.1:8484", publicKey: "pk", secretKey: "sk"}
	tests := []struct {
		name string
		o    tuiOptions
		want string // "" means valid
	}{
		{"defaults", tuiOptions{serve: ok}, ""},
		{"target and cases", tuiOptions{serve: ok, target: "http://localhost:3000/hooks", cases: dir}, ""},
		{"bad target", tuiOptions{serve: ok, target: "ftp://x"}, "--target"},
		{"missing cases", tuiOptions{serve: ok, cases: filepath.Join(dir, "nope")}, "--cases"},
		{"bad addr", tuiOptions{serve: serveOptions{addr: "nope", publicKey: "pk", secretKey: "sk"}}, "--addr"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.o.validate()
			if tt.want == "" {
				if err != nil {
					t.Fatalf("validate: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("validate = %v, want an error about %s", err, tt.want)
			}
			if code := err.(*exitError).code; code != 2 {
				t.Errorf("exit code %d, want 2", code)
			}
		})
	}
}
