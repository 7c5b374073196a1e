package humanize

import (
	"testing"
	"time"
)

func TestLatency(t *testing.T) {
	for _, c := range []struct {
		in   time.Duration
		want string
	}{
		{0, "-"},
		{-time.Millisecond, "-"},
		{400 * time.Microsecond, "0.4ms"},
		{1500 * time.Microsecond, "1.5ms"},
		{12*time.Millisecond + 340*time.Microsecond, "12.3ms"},
		{999*time.Millisecond + 900*time.Microsecond, "999.9ms"},
		{999*time.Millisecond + 960*time.Microsecond, "1.0s"}, // never "1000.0ms"
		{1230 * time.Millisecond, "1.2s"},
		{30 * time.Second, "30.0s"},
	} {
		if got := Latency(c.in); got != c.want {
			t.Errorf("Latency(%v) = %q, want %q", c.in, got, c.want)
		}
		if got := string(AppendLatency([]byte("x "), c.in)); got != "x "+c.want {
			t.Errorf("AppendLatency(%v) = %q, want %q", c.in, got, "x "+c.want)
		}
	}
}

func TestPlural(t *testing.T) {
	if Plural(1, "case", "cases") != "case" || Plural(0, "case", "cases") != "cases" || Plural(2, "was", "were") != "were" {
		t.Error("Plural picks the wrong form")
	}
}
