package main

import (
	"strconv"
	"strings"
)

// logSize parses --max-log-size: a whole number of bytes with an optional
// unit (KB, MB, GB are powers of 1000; KiB, MiB, GiB of 1024). "" and "0"
// mean no cap.
func (g *globals) logSize() (int64, error) {
	v := strings.TrimSpace(g.maxLogSize)
	if v == "" {
		return 0, nil
	}
	units := []struct {
		suffix string
		mult   int64
	}{{"KIB", 1 << 10}, {"MIB", 1 << 20}, {"GIB", 1 << 30}, {"KB", 1e3}, {"MB", 1e6}, {"GB", 1e9}, {"B", 1}}
	num, mult := strings.ToUpper(v), int64(1)
	for _, u := range units {
		if n, ok := strings.CutSuffix(num, u.suffix); ok {
			num, mult = strings.TrimSpace(n), u.mult
			break
		}
	}
	n, err := strconv.ParseInt(num, 10, 64)
	const minSize = 64 << 10
	switch {
	case err != nil || n < 0 || n > (1<<50)/mult:
		return 0, usageError("--max-log-size must be a size such as 500MB or 2GiB, not %q", g.maxLogSize)
	case n == 0:
		return 0, nil
	case n*mult < minSize:
		return 0, usageError("--max-log-size must be at least 64KiB (a segment holds whole records), not %q", g.maxLogSize)
	}
	return n * mult, nil
}
