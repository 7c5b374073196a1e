package delivery

import (
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"strings"
	"syscall"
)

// ValidateTarget checks a delivery URL: http or https, a host, and no
// user-info (credentials belong in a header, not in the URL, where they
// end up in logs). It is the one check of a target, used by every command
// flag (--to, --target), by the mock API's webhook create and update, and
// by POST /_psbox/events. Its error is a *TargetError.
func ValidateTarget(raw string) error {
	_, err := parseTarget(raw)
	return err
}

// TargetError is a target URL psbox refuses. Its text is one sentence
// naming the URL (without any password) and giving the fix.
type TargetError struct {
	URL     string // as given, user-info removed
	Problem string // e.g. "must start with http:// or https://"
}

const targetExample = "give one like http://localhost:3000/webhooks"

// Blocked marks the error as psbox's refusal (recorder.ReasonBlocked).
func (e *TargetError) Blocked() bool { return true }

func (e *TargetError) Error() string {
	if e.URL == "" {
		return "the target URL " + e.Problem
	}
	return "target " + e.Detail()
}

// Detail is the sentence without its subject, for a message that names
// the field itself (the mock API's "target: ..."): the quoted URL and the
// problem, or the problem alone when the URL is empty.
func (e *TargetError) Detail() string {
	if e.URL == "" {
		return e.Problem
	}
	return fmt.Sprintf("%q %s", e.URL, e.Problem)
}

// parseTarget parses raw and checks it as ValidateTarget does.
func parseTarget(raw string) (*url.URL, error) {
	if strings.TrimSpace(raw) == "" {
		return nil, &TargetError{Problem: "is empty; " + targetExample}
	}
	u, err := url.Parse(raw)
	if err != nil {
		return nil, &TargetError{URL: withoutUserinfo(raw), Problem: "is not a valid URL; " + targetExample}
	}
	if u.User != nil {
		return nil, &TargetError{URL: u.Redacted(), Problem: "carries user-info (name:password@), which psbox refuses; send credentials in a header instead (--header 'Authorization: ...')"}
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, &TargetError{URL: raw, Problem: "must start with http:// or https://; " + targetExample}
	}
	if u.Hostname() == "" {
		return nil, &TargetError{URL: raw, Problem: "has no host; " + targetExample}
	}
	return u, nil
}

// withoutUserinfo drops anything between "://" and an "@" from a URL that
// did not parse, so an error never repeats a password.
func withoutUserinfo(raw string) string {
	scheme, rest, ok := strings.Cut(raw, "://")
	if !ok {
		return raw
	}
	if at := strings.LastIndex(rest, "@"); at >= 0 {
		return scheme + "://" + rest[at+1:]
	}
	return raw
}

// blockedError is a dial refused by the destination guard.
type blockedError struct{ addr string }

// Blocked marks the error as psbox's refusal (recorder.ReasonBlocked).
func (e *blockedError) Blocked() bool { return true }

func (e *blockedError) Error() string {
	return fmt.Sprintf("psbox refuses to connect to %s (a link-local or cloud metadata address); pass --allow-private to allow it", e.addr)
}

var (
	linkLocal4  = netip.MustParsePrefix("169.254.0.0/16")
	linkLocal6  = netip.MustParsePrefix("fe80::/10")
	awsMetadata = netip.MustParseAddr("fd00:ec2::254")
)

// blockedAddr reports whether ip is a link-local (169.254.0.0/16,
// fe80::/10) or cloud metadata address. A zone (fe80::1%eth0) is dropped
// first: netip never matches a zoned address against a prefix.
func blockedAddr(ip netip.Addr) bool {
	ip = ip.Unmap().WithZone("")
	return linkLocal4.Contains(ip) || linkLocal6.Contains(ip) || ip == awsMetadata
}

// dialGuard is a net.Dialer Control function refusing blocked addresses. It
// runs after name resolution, so a host name that resolves to a metadata
// address is refused too.
func dialGuard(network, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		host, _, splitErr := net.SplitHostPort(address)
		if splitErr != nil {
			return nil
		}
		a, parseErr := netip.ParseAddr(host)
		if parseErr != nil {
			return nil
		}
		ap = netip.AddrPortFrom(a, 0)
	}
	if blockedAddr(ap.Addr()) {
		return &blockedError{addr: address}
	}
	return nil
}
