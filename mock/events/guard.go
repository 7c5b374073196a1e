package events

import (
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"syscall"
)

// ValidateTarget checks a delivery URL: http or https, a host, and no
// user-info (credentials belong in a header, not in the URL).
func ValidateTarget(raw string) error {
	_, err := parseTarget(raw)
	return err
}

// parseTarget parses raw and checks it as ValidateTarget does.
func parseTarget(raw string) (*url.URL, error) {
	if raw == "" {
		return nil, fmt.Errorf("the target URL is empty; give one like http://localhost:3000/webhooks")
	}
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("target %q is not a valid URL; give one like http://localhost:3000/webhooks", raw)
	}
	if u.User != nil {
		return nil, fmt.Errorf("target %q carries user-info (name:password@), which psbox refuses; send credentials with --header 'Authorization: ...' instead", u.Redacted())
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, fmt.Errorf("target %q must start with http:// or https://, e.g. http://localhost:3000/webhooks", raw)
	}
	if u.Hostname() == "" {
		return nil, fmt.Errorf("target %q has no host; give one like http://localhost:3000/webhooks", raw)
	}
	return u, nil
}

// blockedError is a dial refused by the destination guard.
type blockedError struct{ addr string }

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
