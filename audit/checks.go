package audit

import (
	"context"
	"fmt"
	"net/http/httptrace"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/psbox-dev/psbox/fixtures"
	"github.com/psbox-dev/psbox/mock/delivery"
)

// UnknownEvent is the event name unknown-event sends: no catalog has it.
const UnknownEvent = "psbox_audit.unknown_event"

// confirmed lists the catalog's confirmed events.
func confirmed() []string {
	var out []string
	for _, e := range fixtures.Events() {
		if e.Confirmed {
			out = append(out, e.Name)
		}
	}
	return out
}

// tally lists how deliveries were answered, most frequent first: "503 ×12, timeout ×1".
func tally(rs []delivery.Result) string {
	counts := map[string]int{}
	var order []string
	for _, r := range rs {
		a := answer(r)
		if counts[a] == 0 {
			order = append(order, a)
		}
		counts[a]++
	}
	slices.SortStableFunc(order, func(a, b string) int { return counts[b] - counts[a] })
	parts := make([]string, len(order))
	for i, a := range order {
		parts[i] = fmt.Sprintf("%s ×%d", a, counts[a])
	}
	return strings.Join(parts, ", ")
}

func (r *run) acceptsEveryEvent(ctx context.Context) Result {
	names := confirmed()
	var all, bad []delivery.Result
	var what []string
	for i, ev := range names {
		res := r.deliver(ctx, r.send, delivery.Delivery{Event: ev, Body: build(r.builder("accepts-every-event", i), ev)})
		all = append(all, res)
		if !res.OK {
			bad = append(bad, res)
			what = append(what, ev+" "+answer(res))
		}
	}
	if len(bad) > 0 {
		if len(what) > 4 {
			what = append(what[:4], fmt.Sprintf("and %d more", len(what)-4))
		}
		reason := fmt.Sprintf("%d of %d events not answered 2xx: %s", len(bad), len(names), strings.Join(what, ", "))
		if r.o.Delivery.Sign == delivery.SignNone && tally(bad) == fmt.Sprintf("401 ×%d", len(bad)) {
			reason += " (does the receiver verify signatures? give --sign and --secret)"
		}
		return Result{Verdict: Fail, Reason: reason, Deliveries: ids(bad...)}
	}
	return Result{Verdict: Pass, Reason: fmt.Sprintf("all %d confirmed events answered 2xx", len(names)), Deliveries: ids(all...)}
}

// percentile is the p-th percentile (0-100) of ds, nearest rank.
func percentile(ds []time.Duration, p float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	i := int(float64(len(s))*p/100+0.999999) - 1
	return s[max(0, min(i, len(s)-1))]
}

func round(d time.Duration) time.Duration {
	switch {
	case d >= time.Second:
		return d.Round(10 * time.Millisecond)
	case d >= time.Millisecond:
		return d.Round(100 * time.Microsecond)
	}
	return d.Round(time.Microsecond)
}

func (r *run) answersFast(ctx context.Context) Result {
	r.mu.Lock()
	n := len(r.answers)
	r.mu.Unlock()
	if n == 0 && len(r.timeout) == 0 {
		// Run alone (--only answers-fast): measure the catalog once.
		for i, ev := range confirmed() {
			r.deliver(ctx, r.send, delivery.Delivery{Event: ev, Body: build(r.builder("answers-fast", i), ev)})
		}
	}
	r.mu.Lock()
	timed, timedOut := slices.Clone(r.answers), slices.Clone(r.timeout)
	r.mu.Unlock()
	answers := make([]time.Duration, len(timed))
	for i, a := range timed {
		answers[i] = a.took
	}
	// The evidence of a slow receiver: its three slowest answers.
	slices.SortStableFunc(timed, func(a, b timedAnswer) int { return int(b.took - a.took) })
	var slowest []string
	for _, a := range timed[:min(3, len(timed))] {
		slowest = append(slowest, a.id)
	}
	budget := r.o.Budget
	p99 := percentile(answers, 99)
	measured := fmt.Sprintf("p99 %s over %d answers (budget %s, psbox's choice)", round(p99), len(answers), budget)
	switch {
	case len(timedOut) > 0:
		return Result{ID: "answers-fast", Verdict: Fail, Reason: fmt.Sprintf("%d deliveries timed out; %s", len(timedOut), measured), Deliveries: timedOut}
	case len(answers) == 0:
		return Result{ID: "answers-fast", Verdict: Fail, Reason: "no delivery was answered"}
	case p99 <= budget:
		return Result{ID: "answers-fast", Verdict: Pass, Reason: measured}
	case p99 <= 2*budget:
		return Result{ID: "answers-fast", Verdict: Warn, Reason: measured + "; over the budget, within twice it", Deliveries: slowest}
	}
	return Result{ID: "answers-fast", Verdict: Fail, Reason: measured + "; over twice the budget", Deliveries: slowest}
}

func (r *run) duplicateOnce(ctx context.Context) Result {
	const ev = "application_created"
	body := build(r.builder("duplicate-once", 0), ev)
	d := fixed(delivery.Delivery{Event: ev, Body: body})
	first := r.deliver(ctx, r.send, d)
	second := r.deliver(ctx, r.send, d)
	evidence := ids(first, second)
	if !first.OK || !second.OK {
		return Result{Verdict: Fail, Reason: fmt.Sprintf("the delivery answered %s, its duplicate %s; both must be 2xx", answer(first), answer(second)), Deliveries: evidence}
	}
	return r.withEffects(ctx, "both copies answered 2xx", evidence, [2]string{ev, fixtures.EntityKey(body)})
}

func (r *run) duplicateConcurrent(ctx context.Context) Result {
	const ev = "customer_created"
	body := build(r.builder("duplicate-concurrent", 0), ev)
	d := fixed(delivery.Delivery{Event: ev, Body: body})
	rs := make([]delivery.Result, ConcurrentCopies)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range rs {
		wg.Go(func() {
			<-start
			rs[i] = r.deliver(ctx, r.send, d)
		})
	}
	close(start)
	wg.Wait()
	evidence := ids(rs...)
	for _, res := range rs {
		if res.Status == 0 || class(res) == 5 {
			return Result{Verdict: Fail, Reason: fmt.Sprintf("%d copies at once were answered %s; none may be 5xx or unanswered", len(rs), tally(rs)), Deliveries: evidence}
		}
	}
	return r.withEffects(ctx, fmt.Sprintf("%d copies at once answered %s", len(rs), tally(rs)), evidence, [2]string{ev, fixtures.EntityKey(body)})
}

// abandon returns a context whose first request is written and then has
// its connection given up before any answer is read: what a sender does
// when its timeout fires while the receiver is still working. The read
// deadline is set when the request is written (httptrace's WroteRequest
// comes before the last flush, so the connection cannot be closed there);
// the read then fails at once and the transport closes the connection.
func abandon(ctx context.Context) context.Context {
	var conn atomic.Value
	var done atomic.Bool
	return httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{
		GotConn: func(i httptrace.GotConnInfo) {
			if !done.Load() {
				conn.Store(i.Conn)
			}
		},
		WroteRequest: func(httptrace.WroteRequestInfo) {
			if done.Swap(true) {
				return
			}
			if c, ok := conn.Load().(interface{ SetReadDeadline(time.Time) error }); ok {
				c.SetReadDeadline(time.Unix(1, 0))
			}
		},
	})
}

func (r *run) abandonedRetry(ctx context.Context) Result {
	const ev = "customer_updated"
	body := build(r.builder("abandoned-retry", 0), ev)
	d := fixed(delivery.Delivery{Event: ev, Body: body})
	first := r.send.Send(abandon(ctx), withTarget(d, r.o.Target)) // no answer time: there is none
	rs := []delivery.Result{first}
	if first.Status != 0 && first.Attempts == 1 {
		return Result{Verdict: Fail, Reason: "psbox could not abandon the attempt: an answer came before the connection closed", Deliveries: ids(first)}
	}
	retry := first
	if !first.OK { // the configuration's own retries may have delivered it already
		time.Sleep(retryPause)
		retry = r.deliver(ctx, r.send, d)
		rs = append(rs, retry)
	}
	evidence := ids(rs...)
	if !retry.OK {
		return Result{Verdict: Fail, Reason: fmt.Sprintf("after an attempt abandoned before its answer, the retry answered %s; want 2xx", answer(retry)), Deliveries: evidence}
	}
	return r.withEffects(ctx, "the retry after an abandoned attempt answered "+answer(retry), evidence, [2]string{ev, fixtures.EntityKey(body)})
}

func withTarget(d delivery.Delivery, target string) delivery.Delivery {
	d.Target = target
	return d
}

func (r *run) outOfOrder(ctx context.Context) Result {
	b := r.builder("out-of-order", 0)
	created := build(b, "application_created")
	approved := build(b, "application_approved")
	a := r.deliver(ctx, r.send, delivery.Delivery{Event: "application_approved", Body: approved})
	c := r.deliver(ctx, r.send, delivery.Delivery{Event: "application_created", Body: created})
	evidence := ids(a, c)
	if a.Status == 0 || c.Status == 0 || class(a) == 5 || class(c) == 5 {
		return Result{Verdict: Fail, Reason: fmt.Sprintf("application_approved first answered %s, then application_created %s; neither may be 5xx or unanswered", answer(a), answer(c)), Deliveries: evidence}
	}
	key := fixtures.EntityKey(created)
	return r.withEffects(ctx, fmt.Sprintf("approved before created answered %s then %s", answer(a), answer(c)), evidence,
		[2]string{"application_approved", key}, [2]string{"application_created", key})
}

func (r *run) unknownEvent(ctx context.Context) Result {
	body := build(r.builder("unknown-event", 0), "application_created", fixtures.Edit{Path: "event", Value: UnknownEvent})
	res := r.deliver(ctx, r.send, delivery.Delivery{Event: UnknownEvent, Body: body})
	ev := ids(res)
	switch class(res) {
	case 2:
		return Result{Verdict: Pass, Reason: "an event no catalog has (" + UnknownEvent + ") answered " + answer(res), Deliveries: ev}
	case 4:
		return Result{Verdict: Warn, Reason: "an unknown event answered " + answer(res) + ": a sender may retry or disable the endpoint; acknowledge with 2xx and ignore it", Deliveries: ev}
	}
	return Result{Verdict: Fail, Reason: "an unknown event answered " + answer(res) + "; acknowledge it with 2xx and ignore it", Deliveries: ev}
}

func (r *run) unknownFields(ctx context.Context) Result {
	const ev = "application_created"
	plain := r.deliver(ctx, r.send, delivery.Delivery{Event: ev, Body: build(r.builder("unknown-fields", 0), ev)})
	extra := build(r.builder("unknown-fields", 1), ev,
		fixtures.Edit{Path: "psbox_audit_extra", Value: map[string]any{"note": "a field no sample has", "level": 2}, Create: true},
		fixtures.Edit{Path: "content.psbox_audit_extra", Value: "nested", Create: true},
		fixtures.Edit{Path: "group.psbox_audit_extra", Value: []any{1, "two", nil}, Create: true})
	got := r.deliver(ctx, r.send, delivery.Delivery{Event: ev, Body: extra})
	evidence := ids(plain, got)
	switch {
	case !plain.OK:
		return Result{Verdict: Fail, Reason: fmt.Sprintf("the payload without extra fields already answered %s; want 2xx for both", answer(plain)), Deliveries: evidence}
	case class(got) != class(plain):
		return Result{Verdict: Fail, Reason: fmt.Sprintf("extra fields answered %s, without them %s: ignore fields you do not know", answer(got), answer(plain)), Deliveries: evidence}
	}
	return Result{Verdict: Pass, Reason: fmt.Sprintf("extra top-level and nested fields answered %s, as without them", answer(got)), Deliveries: evidence}
}

func (r *run) emptyAndNullFields(ctx context.Context) Result {
	const ev = "application_created"
	body := build(r.builder("empty-and-null-fields", 0), ev,
		fixtures.Edit{Path: "email", Value: ""},
		fixtures.Edit{Path: "first_name", Value: ""},
		fixtures.Edit{Path: "decline_reason", Value: ""},
		fixtures.Edit{Path: "approved", Value: nil},
		fixtures.Edit{Path: "meta", Value: map[string]any{}})
	res := r.deliver(ctx, r.send, delivery.Delivery{Event: ev, Body: body})
	if !res.OK {
		return Result{Verdict: Fail, Reason: `"email": "", "approved": null and "meta": {} (as PartnerStack's own sample has them) answered ` + answer(res) + "; want 2xx", Deliveries: ids(res)}
	}
	return Result{Verdict: Pass, Reason: `"email": "", "approved": null and "meta": {} answered ` + answer(res), Deliveries: ids(res)}
}

func (r *run) largePayload(ctx context.Context) Result {
	const ev = "application_created"
	pad := func(n int) []byte {
		return build(r.builder("large-payload", 0), ev, fixtures.Edit{Path: "meta.psbox_audit_padding", Value: strings.Repeat("x", n), Create: true})
	}
	body := pad(0)
	body = pad(max(0, LargeBodyBytes-len(body))) // exactly LargeBodyBytes: the padding is plain ASCII
	res := r.deliver(ctx, r.send, delivery.Delivery{Event: ev, Body: body})
	size := fmt.Sprintf("a %d KiB payload", len(body)>>10)
	if res.Status == 0 || class(res) == 5 {
		return Result{Verdict: Fail, Reason: size + " answered " + answer(res) + "; answer 2xx, or 413 if it is too large for you", Deliveries: ids(res)}
	}
	return Result{Verdict: Pass, Reason: size + " answered " + answer(res), Deliveries: ids(res)}
}

func (r *run) malformedBody(ctx context.Context) Result {
	const ev = "application_created"
	notJSON := r.deliver(ctx, r.send, delivery.Delivery{Event: ev, Body: []byte(`{"event": "application_created", "key": `)})
	notObject := r.deliver(ctx, r.send, delivery.Delivery{Event: ev, Body: []byte(`["application_created"]`)})
	evidence := ids(notJSON, notObject)
	said := fmt.Sprintf("a body that is not JSON answered %s, a JSON array %s", answer(notJSON), answer(notObject))
	verdict := Pass
	for _, res := range []delivery.Result{notJSON, notObject} {
		switch class(res) {
		case 4:
		case 2:
			if verdict == Pass {
				verdict = Warn
			}
		default:
			verdict = Fail
		}
	}
	switch verdict {
	case Warn:
		said += "; a 4xx tells the sender the body is bad"
	case Fail:
		said += "; want 4xx"
	}
	return Result{Verdict: verdict, Reason: said, Deliveries: evidence}
}

func (r *run) burst(ctx context.Context) Result {
	names := confirmed()
	size := r.o.burstSize
	rs := make([]delivery.Result, size)
	jobs := make(chan int)
	var wg sync.WaitGroup
	for range BurstConcurrency {
		wg.Go(func() {
			for i := range jobs {
				ev := names[i%len(names)]
				rs[i] = r.deliver(ctx, r.send, delivery.Delivery{Event: ev, Body: build(r.builder("burst", i), ev)})
			}
		})
	}
	for i := range rs {
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	var lat []time.Duration
	var bad []delivery.Result
	for _, res := range rs {
		if res.Status != 0 {
			lat = append(lat, res.Latency)
		}
		if !res.OK {
			bad = append(bad, res)
		}
	}
	pct := fmt.Sprintf("p50 %s, p99 %s", round(percentile(lat, 50)), round(percentile(lat, 99)))
	if len(bad) > 0 {
		return Result{Verdict: Fail, Reason: fmt.Sprintf("%d of %d at concurrency %d not answered 2xx (%s); %s", len(bad), size, BurstConcurrency, tally(bad), pct), Deliveries: ids(bad...)}
	}
	return Result{Verdict: Pass, Reason: fmt.Sprintf("%d at concurrency %d all answered 2xx; %s", size, BurstConcurrency, pct), Deliveries: ids(rs...)}
}

// noSign is the reason of a signature check without --sign.
const noSign = "give --sign and --secret to check signatures"

func (r *run) signed(check string) (delivery.Delivery, string) {
	const ev = "customer_created"
	body := build(r.builder(check, 0), ev)
	return delivery.Delivery{Event: ev, Body: body}, fixtures.EntityKey(body)
}

func (r *run) signatureValid(ctx context.Context) Result {
	if r.o.Delivery.Sign == delivery.SignNone {
		return Result{Verdict: Skip, Reason: noSign}
	}
	d, _ := r.signed("signature-valid")
	res := r.deliver(ctx, r.send, d)
	if !res.OK {
		return Result{Verdict: Fail, Reason: fmt.Sprintf("a delivery correctly signed (%s) answered %s; want 2xx: check the secret and how the signature is computed", r.o.Delivery.Sign, answer(res)), Deliveries: ids(res)}
	}
	return Result{Verdict: Pass, Reason: "a correctly signed delivery answered " + answer(res), Deliveries: ids(res)}
}

// signatureRejected returns the check of one forged signature: each must
// be answered 4xx.
func (r *run) signatureRejected(check string) func(context.Context) Result {
	return func(ctx context.Context) Result {
		if r.o.Delivery.Sign == delivery.SignNone {
			return Result{Verdict: Skip, Reason: noSign}
		}
		d, _ := r.signed(check)
		via := r.send
		var what string
		var captured []delivery.Result // sent first, as the forgery's model
		switch check {
		case "signature-missing":
			via, what = r.bare, "a delivery with no signature"
		case "signature-wrong-secret":
			via, what = r.forged, "a delivery signed with another secret"
		case "signature-tampered-body":
			// A delivery captured in flight, its body changed, sent again
			// with its own valid headers: a receiver that recognises the
			// id before checking the signature would take it.
			d = fixed(d)
			captured = []delivery.Result{r.deliver(ctx, r.send, d)}
			d.SignedBody = d.Body
			d.Body = []byte(strings.Replace(string(d.Body), `"archived":false`, `"archived":true`, 1))
			if string(d.Body) == string(d.SignedBody) {
				d.Body = append(d.Body[:len(d.Body)-1:len(d.Body)-1], `,"psbox_audit_tampered":true}`...)
			}
			what = "a signed delivery sent again with its body changed"
		case "signature-stale-timestamp", "signature-future-timestamp":
			if r.o.Delivery.Sign != delivery.SignStandardWebhooks {
				return Result{Verdict: Skip, Reason: r.o.Delivery.Sign + " signs no timestamp"}
			}
			if check == "signature-stale-timestamp" {
				d.SignedAt, what = time.Now().Add(-SkewedBy), "a delivery signed 10 minutes ago"
			} else {
				d.SignedAt, what = time.Now().Add(SkewedBy), "a delivery signed 10 minutes ahead"
			}
		}
		res := r.deliver(ctx, via, d)
		evidence := ids(append(captured, res)...)
		switch class(res) {
		case 4:
			return Result{Verdict: Pass, Reason: what + " answered " + answer(res), Deliveries: evidence}
		case 2:
			return Result{Verdict: Fail, Reason: what + " answered " + answer(res) + ": the receiver accepts forged deliveries; verify the signature and answer 401", Deliveries: evidence}
		}
		return Result{Verdict: Fail, Reason: what + " answered " + answer(res) + "; want 4xx (401)", Deliveries: evidence}
	}
}

func (r *run) signatureReplayed(ctx context.Context) Result {
	if r.o.Delivery.Sign == delivery.SignNone {
		return Result{Verdict: Skip, Reason: noSign}
	}
	d, key := r.signed("signature-replayed")
	d = fixed(d)
	first := r.deliver(ctx, r.send, d)
	again := r.deliver(ctx, r.send, d)
	evidence := ids(first, again)
	if !first.OK {
		return Result{Verdict: Fail, Reason: "the signed delivery answered " + answer(first) + " the first time; want 2xx", Deliveries: evidence}
	}
	if c := class(again); c != 2 && c != 4 {
		return Result{Verdict: Fail, Reason: "the same signed delivery sent again answered " + answer(again) + "; want 2xx or 4xx", Deliveries: evidence}
	}
	return r.withEffects(ctx, "sent again unchanged it answered "+answer(again), evidence, [2]string{d.Event, key})
}

func (r *run) stillUp(ctx context.Context) Result {
	const ev = "application_created"
	res := r.deliver(ctx, r.send, delivery.Delivery{Event: ev, Body: build(r.builder("still-up", 0), ev)})
	switch {
	case res.Status == 0 || class(res) == 5:
		return Result{Verdict: Fail, Reason: "one delivery after all the others answered " + answer(res) + ": the receiver crashed or wedged", Deliveries: ids(res)}
	case !res.OK:
		return Result{Verdict: Fail, Reason: "one delivery after all the others answered " + answer(res) + "; want 2xx", Deliveries: ids(res)}
	}
	return Result{Verdict: Pass, Reason: "one delivery after all the others answered " + answer(res), Deliveries: ids(res)}
}
