package suggest

import (
	"slices"
	"testing"
)

var events = []string{"application_created", "application_approved", "application_declined", "customer_created", "customer_updated", "partnership_created", "reward_created", "application.created"}

func TestNearest(t *testing.T) {
	tests := []struct {
		name string
		want []string
	}{
		{"aplication_created", []string{"application.created", "application_created"}},
		{"APPLICATION_CREATED", []string{"application.created", "application_created"}},
		{"application-created", []string{"application.created", "application_created"}},
		{"customer_update", []string{"customer_updated"}},
		{"triger", nil},
		{"zzz", nil},
	}
	for _, tt := range tests {
		if got := Nearest(tt.name, events); !slices.Equal(got, tt.want) {
			t.Errorf("Nearest(%q) = %q, want %q", tt.name, got, tt.want)
		}
	}
	if got := Nearest("triger", []string{"serve", "trigger", "events", "test", "receive", "deliveries"}); !slices.Equal(got, []string{"trigger"}) {
		t.Errorf("commands: %q", got)
	}
}

func TestDistance(t *testing.T) {
	for _, tt := range []struct {
		a, b string
		d    int
	}{{"", "", 0}, {"a", "", 1}, {"kitten", "sitting", 3}, {"flaw", "lawn", 2}, {"same", "same", 0}} {
		if d := Distance(tt.a, tt.b); d != tt.d || Distance(tt.b, tt.a) != tt.d {
			t.Errorf("Distance(%q, %q) = %d, want %d", tt.a, tt.b, d, tt.d)
		}
	}
}

func FuzzDistance(f *testing.F) {
	f.Add("kitten", "sitting")
	f.Fuzz(func(t *testing.T, a, b string) {
		d := Distance(a, b)
		if d < 0 || d > max(len(a), len(b)) || d < abs(len(a)-len(b)) || (d == 0) != (a == b) {
			t.Fatalf("Distance(%q, %q) = %d", a, b, d)
		}
	})
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}
