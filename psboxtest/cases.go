package psboxtest

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/psbox-dev/psbox/fixtures"
	"github.com/psbox-dev/psbox/mock/delivery"
)

// RunCases runs psbox contract cases (case files, or folders of them, as
// psbox test reads them) against target, one subtest per case named after
// it. A case whose answer differs fails its subtest with psbox's diff
// (-want +got). A bad case file fails t.
func RunCases(t *testing.T, target string, paths ...string) {
	t.Helper()
	cases, err := fixtures.LoadCases(paths...)
	if err != nil {
		t.Fatalf("psboxtest.RunCases: %v", err)
	}
	var dc delivery.Config
	sender, err := dc.NewSender(delivery.Options{UserAgent: userAgent})
	if err != nil {
		t.Fatalf("psboxtest.RunCases: %v", err)
	}
	defer sender.Close()
	if err := delivery.ValidateTarget(target); err != nil {
		t.Fatalf("psboxtest.RunCases: %v", err)
	}
	deliver := sender.DeliverCases(target)
	for _, c := range cases {
		t.Run(c.Name, func(t *testing.T) {
			t.Helper()
			r := fixtures.Run(context.Background(), []fixtures.Case{c}, deliver, fixtures.RunOptions{})[0]
			if !r.Pass {
				t.Errorf("%s (%s, %s:%d): the answer differs (-want +got):\n%s", c.Name, c.Event, c.File, c.Line, r.Diff)
			}
		})
	}
}

// RunCasesHandler is RunCases against h, served by an httptest server for
// the length of the call.
func RunCasesHandler(t *testing.T, h http.Handler, paths ...string) {
	t.Helper()
	srv := httptest.NewServer(h)
	defer srv.Close()
	RunCases(t, srv.URL, paths...)
}
