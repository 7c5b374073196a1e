package delivery

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Schedule is a retry backoff given as data: Schedule[i] is the wait before
// retry i+1 (the wait between attempt i+1 and attempt i+2). When more retries
// are asked for than the schedule lists, its last wait repeats. An empty
// Schedule means DefaultSchedule.
type Schedule []time.Duration

// Built-in schedules. All are psbox's choices: PartnerStack documents no
// retry policy.
var (
	// DefaultSchedule waits 1 s and doubles up to at most 30 s.
	DefaultSchedule = Doubling(time.Second, 30*time.Second)
	// StandardWebhooksSchedule is the schedule the Standard Webhooks
	// specification recommends: 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h.
	StandardWebhooksSchedule = Schedule{
		5 * time.Second, 5 * time.Minute, 30 * time.Minute,
		2 * time.Hour, 5 * time.Hour, 10 * time.Hour, 10 * time.Hour,
	}
	// NoWaitSchedule retries at once.
	NoWaitSchedule = Schedule{0}
)

// Profiles names the built-in schedules accepted by ParseSchedule.
var Profiles = map[string]Schedule{
	"default":           DefaultSchedule,
	"standard-webhooks": StandardWebhooksSchedule,
	"none":              NoWaitSchedule,
}

// Doubling returns a schedule that starts at first and doubles up to max.
func Doubling(first, max time.Duration) Schedule {
	if first <= 0 {
		return NoWaitSchedule
	}
	if max < first {
		max = first
	}
	var s Schedule
	for d := first; ; d *= 2 {
		if d >= max {
			return append(s, max)
		}
		s = append(s, d)
	}
}

// Wait is the wait before retry n (n = 1 is the second attempt).
func (s Schedule) Wait(n int) time.Duration {
	if len(s) == 0 {
		s = DefaultSchedule
	}
	if n < 1 {
		n = 1
	}
	if n > len(s) {
		return s[len(s)-1]
	}
	return s[n-1]
}

// ParseSchedule reads a --retry-backoff value: a profile name ("default",
// "standard-webhooks", "none"), one duration ("2s": 2 s doubling up to at
// most 30 s, or the duration itself when it is longer), or a comma-separated
// list of waits ("1s,10s,1m", the last one repeating).
func ParseSchedule(v string) (Schedule, error) {
	v = strings.TrimSpace(v)
	if s, ok := Profiles[v]; ok {
		return s, nil
	}
	parts := strings.Split(v, ",")
	var s Schedule
	for _, p := range parts {
		d, err := time.ParseDuration(strings.TrimSpace(p))
		if err != nil || d < 0 {
			return nil, fmt.Errorf("retry backoff %q is not a profile (default, standard-webhooks, none), a duration like 2s, or a list like 1s,10s,1m", v)
		}
		s = append(s, d)
	}
	if len(s) == 1 {
		return Doubling(s[0], 30*time.Second), nil
	}
	return s, nil
}

// parseRetryAfter reads a Retry-After header (seconds or an HTTP date)
// relative to now. ok is false when the header is absent or unreadable.
func parseRetryAfter(h http.Header, now time.Time) (time.Duration, bool) {
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0, false
	}
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		if n < 0 {
			return 0, true
		}
		if n > int64(24*time.Hour/time.Second) {
			n = int64(24 * time.Hour / time.Second)
		}
		return time.Duration(n) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		d := t.Sub(now)
		if d < 0 {
			d = 0
		}
		return d, true
	}
	return 0, false
}
