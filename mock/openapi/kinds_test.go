package openapi

import (
	"slices"
	"testing"

	"github.com/psbox-dev/psbox/recorder"
)

// TestExchangeKinds_MatchRecorder: the document's kind enum is every kind
// the log records (an audit exchange answered by GET /_psbox/deliveries
// must validate).
func TestExchangeKinds_MatchRecorder(t *testing.T) {
	var want []string
	for _, k := range recorder.Kinds {
		want = append(want, string(k))
	}
	if !slices.Equal(exchangeKinds, want) {
		t.Errorf("exchangeKinds %v, recorder.Kinds %v", exchangeKinds, want)
	}
}
