package humanize

import (
	"errors"
	"strconv"
	"strings"
	"time"
)

// errSize and errAgo are what the parsers say; callers word the flag.
var (
	errSize = errors.New("not a size such as 500MB or 2GiB")
	errAgo  = errors.New("neither a duration back from now nor a time")
)

// ParseBytes reads a size as people write it: a whole number of bytes
// with an optional unit (KB, MB, GB are powers of 1000; KiB, MiB, GiB of
// 1024; any letter case). "" is 0. Sizes beyond a pebibyte are refused.
func ParseBytes(v string) (int64, error) {
	v = strings.TrimSpace(v)
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
	if err != nil || n < 0 || n > (1<<50)/mult {
		return 0, errSize
	}
	return n * mult, nil
}

// ParseAgo reads a point in time as people write it: a duration back from
// now (Go's units plus d for days: 90m, 24h, 7d) or a date or time
// (2026-03-01, 2026-03-01T12:00:00, RFC 3339), local unless it says.
func ParseAgo(v string, now time.Time) (time.Time, error) {
	v = strings.TrimSpace(v)
	if n, ok := strings.CutSuffix(v, "d"); ok {
		if days, err := strconv.Atoi(n); err == nil && days >= 0 && days < 100000 {
			return now.Add(-time.Duration(days) * 24 * time.Hour), nil
		}
	}
	if d, err := time.ParseDuration(v); err == nil && d >= 0 {
		return now.Add(-d), nil
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02"} {
		if t, err := time.ParseInLocation(layout, v, time.Local); err == nil {
			return t, nil
		}
	}
	return time.Time{}, errAgo
}
