package recorder

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"os"
	"strings"
	"syscall"
)

// Blocker is an error saying psbox itself refused a destination (a
// link-local or cloud metadata address, a target with user-info); Classify
// reports it as ReasonBlocked. The sender's guard errors implement it.
type Blocker interface {
	error
	Blocked() bool
}

// Classify names the class of a delivery attempt's transport error with
// one of the Reason* constants ("" for nil). It is the one classification
// of failures: the sender's results and the recorded exchanges both use
// it. It goes by error types; only TLS errors the standard library returns
// untyped are recognised by their "tls: " / "x509: " prefix.
func Classify(err error) string {
	if err == nil {
		return ""
	}
	var (
		blocked   Blocker
		dnsErr    *net.DNSError
		netErr    net.Error
		certErr   *tls.CertificateVerificationError
		recErr    tls.RecordHeaderError
		alertErr  tls.AlertError
		unkAuth   x509.UnknownAuthorityError
		hostErr   x509.HostnameError
		invalid   x509.CertificateInvalidError
		echReject *tls.ECHRejectionError
	)
	switch {
	case errors.As(err, &blocked) && blocked.Blocked():
		return ReasonBlocked
	case errors.Is(err, context.Canceled):
		return ReasonCanceled
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, os.ErrDeadlineExceeded):
		return ReasonTimeout
	case errors.As(err, &dnsErr):
		if dnsErr.IsTimeout {
			return ReasonTimeout
		}
		return ReasonDNS
	case errors.Is(err, syscall.ECONNREFUSED):
		return ReasonRefused
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE),
		errors.Is(err, syscall.ECONNABORTED), errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return ReasonReset
	case errors.As(err, &certErr), errors.As(err, &recErr), errors.As(err, &alertErr),
		errors.As(err, &unkAuth), errors.As(err, &hostErr), errors.As(err, &invalid), errors.As(err, &echReject):
		return ReasonTLS
	case errors.As(err, &netErr) && netErr.Timeout():
		return ReasonTimeout
	case strings.Contains(err.Error(), "tls: "), strings.Contains(err.Error(), "x509: "):
		return ReasonTLS
	}
	return ReasonNetwork
}
