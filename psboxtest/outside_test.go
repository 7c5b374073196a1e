package psboxtest_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// TestOutsideModule builds and runs, with -race, the tests of a module
// outside psbox (testdata/outside) that imports psboxtest through a
// replace directive, as a user's module would. Modules come from the
// shared module cache (GOFLAGS=-mod=mod, the repository's go.sum), so it
// needs the network no more than the repository's own build does.
func TestOutsideModule(t *testing.T) {
	goBin := filepath.Join(runtime.GOROOT(), "bin", "go")
	if _, err := os.Stat(goBin); err != nil {
		if goBin, err = exec.LookPath("go"); err != nil {
			t.Fatalf("no go command to build the outside module with: %v", err)
		}
	}
	repo, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	mod := t.TempDir()
	if err := os.CopyFS(mod, os.DirFS("testdata/outside")); err != nil {
		t.Fatal(err)
	}
	sum, err := os.ReadFile(filepath.Join(repo, "go.sum"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(mod, "go.sum"), sum, 0o644); err != nil {
		t.Fatal(err)
	}
	goCmd := func(args ...string) string {
		t.Helper()
		cmd := exec.Command(goBin, args...)
		cmd.Dir = mod
		cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "GOWORK=off", "GOTOOLCHAIN=local")
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("go %s in the outside module: %v\n%s", strings.Join(args, " "), err, out)
		}
		return string(out)
	}
	goCmd("mod", "edit", "-replace", "github.com/psbox-dev/psbox="+repo)
	out := goCmd("test", "-race", "-count=1", "-v", "./...")
	for _, want := range []string{
		"--- PASS: TestDeliveredAndVerified",
		"--- PASS: TestContractCases/an_application_is_acknowledged_with_its_key",
		"--- PASS: TestHandlerUnit",
		"ok  \texample.com/outside",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("the outside module's tests did not report %q:\n%s", want, out)
		}
	}
}
