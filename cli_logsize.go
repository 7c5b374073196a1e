package main

import "github.com/psbox-dev/psbox/internal/humanize"

// logSize parses --max-log-size (humanize.ParseBytes: 500MB, 2GiB); "" and
// "0" mean no cap.
func (g *globals) logSize() (int64, error) {
	n, err := humanize.ParseBytes(g.maxLogSize)
	const minSize = 64 << 10
	switch {
	case err != nil:
		return 0, usageError("--max-log-size must be a size such as 500MB or 2GiB, not %q", g.maxLogSize)
	case n > 0 && n < minSize:
		return 0, usageError("--max-log-size must be at least 64KiB (a segment holds whole records), not %q", g.maxLogSize)
	}
	return n, nil
}
