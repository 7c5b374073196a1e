package mock

import (
	"errors"
	"strings"
	"testing"

	"github.com/psbox-dev/psbox/fixtures"
)

// TestRound: one delivery per event and target, in the order given, the
// bodies built by one builder (the same application in both events); no
// subscription and no target is a NoSubscriptionsError naming the event;
// a bad edit names the event it broke.
func TestRound(t *testing.T) {
	names := []string{"application_created", "application_approved"}
	round, err := Round(nil, fixtures.NewBuilder(7), names, nil, "http://127.0.0.1:1/hook")
	if err != nil {
		t.Fatal(err)
	}
	if len(round) != 2 || round[0].Event != names[0] || round[1].Event != names[1] || round[0].Target != "http://127.0.0.1:1/hook" {
		t.Fatalf("round %+v", round)
	}
	key := fixtures.EntityKey(round[0].Body)
	if key == "" || fixtures.EntityKey(round[1].Body) != key {
		t.Errorf("the events do not share their application: %q, %q", key, fixtures.EntityKey(round[1].Body))
	}

	_, err = Round(nil, fixtures.NewBuilder(7), names, nil, "")
	var none NoSubscriptionsError
	if !errors.As(err, &none) || none.Event != names[0] {
		t.Errorf("no target: %v, want a NoSubscriptionsError for %s", err, names[0])
	}

	edits, err := fixtures.ParseEdits([]string{"no.such.path=1"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Round(nil, fixtures.NewBuilder(7), names, edits, "http://127.0.0.1:1/hook"); err == nil || !strings.HasPrefix(err.Error(), names[0]+": ") {
		t.Errorf("bad edit: %v, want an error naming %s", err, names[0])
	}
}
