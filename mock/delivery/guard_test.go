package delivery

import (
	"errors"
	"strings"
	"testing"

	"github.com/psbox-dev/psbox/recorder"
)

func TestSender_BlockedDestinations(t *testing.T) {
	s := newTestSender(t, Options{})
	for _, target := range []string{
		"http://169.254.169.254/latest/meta-data/",
		"http://[fd00:ec2::254]/latest/meta-data/",
		"http://user:secret@127.0.0.1/hook",
	} {
		r := send(t, s, target)
		if r.OK || r.Reason != recorder.ReasonBlocked {
			t.Errorf("%s: got reason %q (%s), want %q", target, r.Reason, r.Err, recorder.ReasonBlocked)
		}
		if strings.Contains(r.Err, "secret") {
			t.Errorf("%s: error text leaks the password: %s", target, r.Err)
		}
	}
}

func TestDialGuard(t *testing.T) {
	wantBlocked(t, map[string]bool{
		"169.254.169.254:80":          true,
		"169.254.0.1:443":             true,
		"[::ffff:169.254.10.1]:80":    true,
		"[fd00:ec2::254]:80":          true,
		"127.0.0.1:80":                false,
		"10.0.0.1:80":                 false,
		"[::1]:80":                    false,
		"[fd00:ec2::253]:80":          false,
		"not-an-address-at-all:80:80": false,
	})
}

func TestValidateTarget(t *testing.T) {
	for raw, ok := range map[string]bool{
		"http://localhost:3000/webhooks": true,
		"https://example.com/hook?x=1":   true,
		"":                               false,
		"localhost:3000":                 false,
		"ftp://example.com/":             false,
		"http://":                        false,
		"http://u:p@example.com/":        false,
		"http://[::1":                    false,
	} {
		err := ValidateTarget(raw)
		if (err == nil) != ok {
			t.Errorf("ValidateTarget(%q) = %v, want ok %v", raw, err, ok)
		}
		if err != nil && strings.Count(err.Error(), "\n") > 0 {
			t.Errorf("ValidateTarget(%q): want one sentence, got %q", raw, err)
		}
	}
}

// TestDialGuard_IPv6LinkLocal: fe80::/10 is the IPv6 link-local range, with
// or without a zone; the guard refuses all of it like 169.254.0.0/16.
func TestDialGuard_IPv6LinkLocal(t *testing.T) {
	wantBlocked(t, map[string]bool{
		"[fe80::1]:80":                 true,
		"[fe80::1%lo]:80":              true,
		"[fe80::a00:27ff:fe4e:66a1]:1": true,
		"[febf:ffff::1]:80":            true,
		"[fec0::1]:80":                 false,
		"[fe7f::1]:80":                 false,
	})
	// End to end: a delivery to a link-local target fails as blocked, before
	// any packet leaves.
	r := send(t, newTestSender(t, Options{}), "http://[fe80::1%25lo]:9/hook")
	if r.OK || !strings.Contains(r.Err, "refuses to connect") {
		t.Errorf("delivery to fe80::1 = ok %v, %s %q; want refused by the guard", r.OK, r.Reason, r.Err)
	}
}

// wantBlocked checks the dial guard's verdict on each address.
func wantBlocked(t *testing.T, cases map[string]bool) {
	t.Helper()
	for addr, blocked := range cases {
		err := dialGuard("tcp", addr, nil)
		var be *blockedError
		if got := errors.As(err, &be); got != blocked {
			t.Errorf("dialGuard(%s) = %v, want blocked %v", addr, err, blocked)
		}
	}
}
