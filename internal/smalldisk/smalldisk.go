// Package smalldisk gives tests a real, small filesystem to fill: a tmpfs
// mounted for the test, so that "no space left on device" is the
// kernel's, not a fake's.
package smalldisk

import (
	"os/exec"
	"testing"
)

// Mount mounts a tmpfs of size (mount(8) syntax, e.g. "1m") on a fresh
// folder and unmounts it when the test ends. Without the right to mount
// (not root, no mount(8)) the test is skipped with the reason: it cannot
// make a real full disk there.
func Mount(t testing.TB, size string) string {
	t.Helper()
	dir := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size="+size+",mode=0700", "tmpfs", dir).CombinedOutput(); err != nil {
		t.Skipf("cannot mount a %s tmpfs to make a real full disk (needs root and mount): %v %s", size, err, out)
	}
	t.Cleanup(func() { exec.Command("umount", dir).Run() })
	return dir
}
