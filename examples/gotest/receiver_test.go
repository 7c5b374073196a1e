package receiver

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/psbox-dev/psbox/fixtures"
)

// TestContract fires every case in testdata/ at the receiver and fails
// with psbox's diff (-want +got) when an answer differs.
func TestContract(t *testing.T) {
	srv := httptest.NewServer(Handler())
	defer srv.Close()

	cases, err := fixtures.LoadCases("testdata")
	if err != nil {
		t.Fatal(err)
	}
	client := &http.Client{Timeout: 5 * time.Second}
	deliver := func(ctx context.Context, c fixtures.Case, body []byte) (fixtures.Answer, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, srv.URL, bytes.NewReader(body))
		if err != nil {
			return fixtures.Answer{}, err
		}
		req.Header.Set("Content-Type", "application/json")
		start := time.Now()
		resp, err := client.Do(req)
		if err != nil {
			return fixtures.Answer{Reason: "network", Err: err.Error()}, nil
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
		if err != nil {
			return fixtures.Answer{Reason: "network", Err: err.Error()}, nil
		}
		return fixtures.Answer{Status: resp.StatusCode, Headers: resp.Header, Body: b, Latency: time.Since(start)}, nil
	}

	results := fixtures.Run(context.Background(), cases, deliver, fixtures.RunOptions{})
	if len(results) != len(cases) {
		t.Fatalf("ran %d of %d cases", len(results), len(cases))
	}
	for _, r := range results {
		if !r.Pass {
			t.Errorf("%s (%s):\n%s", r.Case.Name, r.Case.Event, r.Diff)
		}
	}
}
