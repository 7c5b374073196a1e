package audit

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/psbox-dev/psbox/internal/atomicfile"
	"github.com/psbox-dev/psbox/mock/delivery"
)

// Header is the scorecard's first line: what was audited and how (signed
// or not, effects measured or not), with the seed that repeats it.
func Header(o Options) string {
	var parts []string
	if o.Delivery.Sign != delivery.SignNone {
		parts = append(parts, "signed "+o.Delivery.Sign)
	} else {
		parts = append(parts, "unsigned")
	}
	if o.Effects != "" {
		parts = append(parts, "effects measured")
	} else {
		parts = append(parts, "no --effects")
	}
	return fmt.Sprintf("psbox audit of %s (seed %d; %s)", o.Target, o.Seed, strings.Join(parts, ", "))
}

// WriteJUnitFile writes the JUnit report to path atomically (temp file,
// fsync, rename).
func WriteJUnitFile(path string, res []Result, took time.Duration) error {
	return atomicfile.Write(path, 0o644, func(w io.Writer) error { return WriteJUnit(w, res, took) })
}

// WriteMarkdownFile writes the Markdown scorecard to path atomically.
func WriteMarkdownFile(path string, res []Result, title string) error {
	return atomicfile.Write(path, 0o644, func(w io.Writer) error { return WriteMarkdown(w, res, title) })
}
