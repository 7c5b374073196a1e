package delivery

import (
	"context"
	"errors"
	"net/http"

	"github.com/psbox-dev/psbox/fixtures"
	"github.com/psbox-dev/psbox/recorder"
)

// DeliverCases adapts the sender to the contract-case runner: each case's
// payload goes to target with the same headers, deadline and failure
// reasons as `psbox trigger`, plus the case's own "headers", each replacing
// the configuration's header of that name. A delivery that got no usable answer
// (timeout, reset, refused) comes back as status 0 with its reason, so the
// runner reports a failed case rather than an error.
//
//	results := fixtures.Run(ctx, cases, sender.DeliverCases(url), fixtures.RunOptions{})
func (s *Sender) DeliverCases(target string) fixtures.DeliverFunc {
	return func(ctx context.Context, c fixtures.Case, body []byte) (fixtures.Answer, error) {
		var h http.Header
		if len(c.Headers) > 0 {
			h = make(http.Header, len(c.Headers))
			for k, v := range c.Headers {
				h.Set(k, v)
			}
		}
		r := s.Send(ctx, Delivery{Event: c.Event, Target: target, Body: body, Header: h})
		a := fixtures.Answer{Status: r.Status, Headers: r.ResponseHeaders, Body: r.ResponseBody,
			Reason: r.Reason, Err: r.Err, Latency: r.Latency}
		if r.Reason != "" && r.Reason != recorder.ReasonStatus && r.Reason != recorder.ReasonRedirect {
			a.Status = 0
		}
		if errors.Is(ctx.Err(), context.Canceled) && a.Status == 0 {
			a.Reason = recorder.ReasonCanceled
		}
		return a, nil
	}
}
