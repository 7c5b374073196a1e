package psboxtest_test

import (
	"fmt"
	"os"
	"runtime"
	"strings"
	"sync"
	"testing"
)

// fakeTB is a testing.TB that records failures instead of failing the
// test that uses it, so a test can check that psboxtest fails a test
// (and the examples can run with output). Fatalf ends the goroutine, as
// testing's does: call the code under test through run.
type fakeTB struct {
	testing.TB // unimplemented methods panic
	mu         sync.Mutex
	msgs       []string
	failed     bool
	cleanups   []func()
	dirs       []string
	print      bool
}

func (f *fakeTB) Helper()                           {}
func (f *fakeTB) Name() string                      { return "fake" }
func (f *fakeTB) Logf(string, ...any)               {}
func (f *fakeTB) Cleanup(fn func())                 { f.mu.Lock(); f.cleanups = append(f.cleanups, fn); f.mu.Unlock() }
func (f *fakeTB) Failed() bool                      { f.mu.Lock(); defer f.mu.Unlock(); return f.failed }
func (f *fakeTB) Errorf(format string, args ...any) { f.fail(format, args...) }
func (f *fakeTB) Fatalf(format string, args ...any) {
	f.fail(format, args...)
	runtime.Goexit()
}
func (f *fakeTB) TempDir() string {
	d, err := os.MkdirTemp("", "psboxtest")
	if err != nil {
		panic(err)
	}
	f.mu.Lock()
	f.dirs = append(f.dirs, d)
	f.mu.Unlock()
	return d
}

func (f *fakeTB) fail(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	f.mu.Lock()
	f.failed = true
	f.msgs = append(f.msgs, msg)
	f.mu.Unlock()
	if f.print {
		fmt.Println("test failed:", msg)
	}
}

func (f *fakeTB) messages() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return strings.Join(f.msgs, "\n")
}

// run calls body with a fakeTB in its own goroutine, then runs the
// cleanups, and returns the fakeTB.
func run(body func(t testing.TB)) *fakeTB {
	f := &fakeTB{}
	runTB(f, body)
	return f
}

func runTB(f *fakeTB, body func(t testing.TB)) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		body(f)
	}()
	<-done
	for i := len(f.cleanups) - 1; i >= 0; i-- {
		f.cleanups[i]()
	}
	for _, d := range f.dirs {
		os.RemoveAll(d)
	}
}

// test runs an example's body as a test would, printing any failure.
func test(body func(t testing.TB)) { runTB(&fakeTB{print: true}, body) }
