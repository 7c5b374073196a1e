// Package crashtest runs a test binary's own code in a child process that a
// test can kill -9: the test binary re-executes itself with an environment
// variable set, and its TestMain runs the named child instead of the tests.
// It is imported by _test.go files only.
package crashtest

import (
	"bufio"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
)

// Main is a TestMain body: when one of children's environment variables is
// set, it runs that child with the variable's value and exits; otherwise it
// runs the tests.
func Main(m *testing.M, children map[string]func(value string)) {
	for env, run := range children {
		if v := os.Getenv(env); v != "" {
			run(v)
			os.Exit(0)
		}
	}
	os.Exit(m.Run())
}

// Child is the test binary running as a child process.
type Child struct {
	Lines  *bufio.Scanner // the child's stdout, line by line
	cmd    *exec.Cmd
	stderr strings.Builder
}

// Command is the test binary (running no tests) with env added to its
// environment, e.g. "PSBOX_X_CHILD_DIR=/tmp/x", not started: for a test
// that wires the child's stdin and stdout itself. Start is the usual way.
func Command(t testing.TB, env ...string) *exec.Cmd {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe, "-test.run=^$")
	cmd.Env = append(os.Environ(), env...)
	return cmd
}

// Start starts Command(t, env...) with its stdout read line by line.
func Start(t testing.TB, env ...string) *Child {
	t.Helper()
	c := &Child{cmd: Command(t, env...)}
	c.cmd.Stderr = &c.stderr
	stdout, err := c.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := c.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	c.Lines = bufio.NewScanner(stdout)
	return c
}

// Kill9 sends SIGKILL: the child gets no chance to flush or close anything.
func (c *Child) Kill9() { c.cmd.Process.Signal(syscall.SIGKILL) }

// Wait waits for the child to end (read Lines to its end first) and returns
// what it wrote to stderr, trimmed; empty means it reported no failure.
func (c *Child) Wait() string {
	c.cmd.Wait()
	return strings.TrimSpace(c.stderr.String())
}
