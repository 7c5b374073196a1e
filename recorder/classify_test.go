package recorder

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"testing"
)

// blockedErr is a destination psbox refused, as the sender's guard reports
// one; its text is irrelevant to its class.
type blockedErr struct{}

func (blockedErr) Error() string { return "any words at all" }
func (blockedErr) Blocked() bool { return true }

func TestClassify(t *testing.T) {
	cases := map[error]string{
		nil:                                  "",
		context.Canceled:                     ReasonCanceled,
		context.DeadlineExceeded:             ReasonTimeout,
		&net.DNSError{Err: "no such host"}:   ReasonDNS,
		io.ErrUnexpectedEOF:                  ReasonReset,
		errors.New("tls: bad certificate"):   ReasonTLS,
		errors.New("something else broke"):   ReasonNetwork,
		blockedErr{}:                         ReasonBlocked,
		fmt.Errorf("dial: %w", blockedErr{}): ReasonBlocked,
		// The words alone classify nothing: only the type does.
		errors.New("psbox refuses to connect to 169.254.169.254:80"): ReasonNetwork,
	}
	for err, want := range cases {
		if got := Classify(err); got != want {
			t.Errorf("Classify(%v) = %q, want %q", err, got, want)
		}
	}
}
