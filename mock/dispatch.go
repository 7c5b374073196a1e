package mock

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sync"

	"github.com/psbox-dev/psbox/fixtures"
	"github.com/psbox-dev/psbox/mock/delivery"
)

// Subscriptions is what the dispatcher needs from the subscription store.
type Subscriptions interface {
	// Subscribed returns the active webhooks subscribed to event.
	Subscribed(event string) []Webhook
}

// NoSubscriptionsError is returned by Fire when no active webhook subscribes
// to the event and no target was given.
type NoSubscriptionsError struct {
	Event string
}

func (e NoSubscriptionsError) Error() string {
	return fmt.Sprintf("no active webhook subscribes to %s; create one with POST /api/v2/webhooks "+
		`{"target": "http://localhost:3000/webhooks", "events": [%q]} on psbox serve, or give a target`, e.Event, e.Event)
}

// BadInputError is a Fire failure caused by the caller's input (unknown
// event, bad edit, bad target); Field names what was wrong.
type BadInputError struct {
	Field string
	Err   error
}

func (e *BadInputError) Error() string { return e.Err.Error() }
func (e *BadInputError) Unwrap() error { return e.Err }

// maxFanOut bounds the deliveries of one Fire running at once.
const maxFanOut = 8

// Dispatcher builds an event's payload and sends it to one target or to
// every webhook subscribed to the event.
type Dispatcher struct {
	Subs    Subscriptions
	Sender  *delivery.Sender
	Catalog *fixtures.Catalog // the events it builds; nil: the built-in catalog
	// Fallback receives an event no webhook subscribes to (the UI's
	// target); empty, such an event is an NoSubscriptionsError.
	Fallback string
}

// Recipients decides who receives event, the one place psbox decides it:
// target when it is not empty (checked by delivery.ValidateTarget; a
// *BadInputError when it is wrong), else every active webhook subscribed
// to event, in the store's order, else fallback when it is not empty, else
// an NoSubscriptionsError. subs may be nil when a target is given.
func Recipients(subs Subscriptions, event, target, fallback string) ([]string, error) {
	if target != "" {
		if err := delivery.ValidateTarget(target); err != nil {
			return nil, &BadInputError{"target", err}
		}
		return []string{target}, nil
	}
	var targets []string
	if subs != nil {
		for _, w := range subs.Subscribed(event) {
			targets = append(targets, w.Target)
		}
	}
	if len(targets) == 0 && fallback != "" {
		targets = []string{fallback}
	}
	if len(targets) == 0 {
		return nil, NoSubscriptionsError{Event: event}
	}
	return targets, nil
}

// Fire builds event from seed and edits and delivers it to its Recipients.
// Results follow the recipients' order. A *BadInputError means the input
// was wrong.
func (d *Dispatcher) Fire(ctx context.Context, event string, seed int64, edits []fixtures.Edit, target string) ([]delivery.Result, error) {
	cat := d.Catalog
	if _, ok := cat.Lookup(event); !ok {
		return nil, &BadInputError{"event", cat.UnknownEventError(event)}
	}
	body, err := cat.NewBuilder(seed).Build(event, edits...)
	if err != nil {
		return nil, &BadInputError{"set", err}
	}
	return d.Deliver(ctx, event, body, target)
}

// Deliver sends body as event to its Recipients, at most maxFanOut at
// once, and returns the results in the recipients' order.
func (d *Dispatcher) Deliver(ctx context.Context, event string, body []byte, target string) ([]delivery.Result, error) {
	targets, err := Recipients(d.Subs, event, target, d.Fallback)
	if err != nil {
		return nil, err
	}
	results := make([]delivery.Result, len(targets))
	sem := make(chan struct{}, maxFanOut)
	var wg sync.WaitGroup
	for i, t := range targets {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			// Only how it ended: the receiver's answer is in the log, and
			// keeping it would grow with subscriptions x response size.
			results[i] = d.Sender.Send(ctx, delivery.Delivery{Event: event, Target: t, Body: body}).Summary()
		})
	}
	wg.Wait()
	return results, nil
}

// fireRequest is the body of POST /_psbox/events.
type fireRequest struct {
	Event  string                     `json:"event"`
	Set    map[string]json.RawMessage `json:"set"`
	Unset  []string                   `json:"unset"`
	Seed   *int64                     `json:"seed"`
	Target string                     `json:"target"`
}

// fireResponse is the data of a POST /_psbox/events answer.
type fireResponse struct {
	Seed       int64             `json:"seed"`
	Deliveries []delivery.Result `json:"deliveries"`
}

// Handler serves POST /_psbox/events, psbox's own control endpoint:
// {"event": NAME, "set": {PATH: VALUE}, "unset": [PATH], "seed": N,
// "target": URL} fires the event (to target, or to its subscriptions) and
// answers 200 with {"data": {"seed", "deliveries": [...]}, "message",
// "status"}. A delivery that fails is still a 200: each result says how it
// ended (status, reason, error, attempts, latency), not what the receiver
// sent back, which is in the log. The answer comes within FireBound (20 s,
// under the server's WriteTimeout): a delivery still running then is cut
// and says so. Bad input gets 400 naming the field; no subscription gets 409.
func (d *Dispatcher) Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			w.Header().Set("Allow", http.MethodPost)
			WriteError(w, &StatusError{http.StatusMethodNotAllowed, "use POST to fire an event"})
			return
		}
		var req fireRequest
		if err := DecodeJSON(w, r, &req); err != nil {
			WriteError(w, err)
			return
		}
		if req.Event == "" {
			WriteError(w, &StatusError{http.StatusBadRequest, `invalid event: missing; send {"event": "application_created"}`})
			return
		}
		edits, err := fixtures.EditsFromJSON(req.Set, req.Unset)
		if err != nil {
			WriteError(w, &StatusError{http.StatusBadRequest, "invalid " + err.Error()})
			return
		}
		var seed int64
		if req.Seed != nil {
			seed = *req.Seed
		} else {
			seed = fixtures.RandomSeed()
		}
		ctx, cancel := context.WithTimeoutCause(r.Context(), FireBound, fireBoundError())
		defer cancel()
		results, err := d.Fire(ctx, req.Event, seed, edits, req.Target)
		var bad *BadInputError
		var none NoSubscriptionsError
		switch {
		case errors.As(err, &bad):
			WriteError(w, &StatusError{http.StatusBadRequest, "invalid " + bad.Field + ": " + bad.Error()})
			return
		case errors.As(err, &none):
			WriteError(w, &StatusError{http.StatusConflict, none.Error()})
			return
		case err != nil:
			WriteError(w, &StatusError{http.StatusInternalServerError, err.Error()})
			return
		}
		failed := 0
		for i, res := range results {
			if !res.OK {
				failed++
			}
			results[i] = res.Redacted(nil)
		}
		msg := fmt.Sprintf("%s sent to %d target(s), %d delivered, %d failed (seed %d)", req.Event, len(results), len(results)-failed, failed, seed)
		WriteJSON(w, http.StatusOK, fireResponse{Seed: seed, Deliveries: results}, msg)
	})
}
