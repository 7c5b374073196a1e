package mock

import (
	"fmt"

	"github.com/psbox-dev/psbox/fixtures"
	"github.com/psbox-dev/psbox/mock/delivery"
)

// Round is one round of a trigger run: each named event's payload, built
// by b with edits (one builder for all of them, so the events share
// identity), to each of its Recipients(subs, event, target, ""), in the
// order given. A payload that cannot be built is an error naming its
// event; no recipient is a NoSubscriptionsError.
func Round(subs Subscriptions, b *fixtures.Builder, names []string, edits []fixtures.Edit, target string) ([]delivery.Delivery, error) {
	var round []delivery.Delivery
	for _, n := range names {
		body, err := b.Build(n, edits...)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", n, err)
		}
		targets, err := Recipients(subs, n, target, "")
		if err != nil {
			return nil, err
		}
		for _, t := range targets {
			round = append(round, delivery.Delivery{Event: n, Target: t, Body: body})
		}
	}
	return round, nil
}
