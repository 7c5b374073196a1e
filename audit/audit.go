// Package audit grades a webhook receiver on what real senders do to it:
// the same delivery twice, an attempt abandoned and retried, events out of
// order, events and fields it has never seen, empty and null fields, large
// and malformed bodies, a burst, and forged, stale and replayed signatures.
// Each check ends in a verdict (pass, warn, fail, skip) with a one-line
// reason and the delivery ids that show it.
//
//	o, _ := cfg.Options() // the one delivery configuration (delivery.Config)
//	o.Wrap = record       // e.g. httprec.TransportKind(rt, store, recorder.KindAudit)
//	res, err := audit.Run(ctx, audit.Options{Target: url, Delivery: o, Effects: tmpl})
//	if err != nil { ... } // the target cannot be reached: no check ran
//	audit.WriteText(os.Stdout, res, audit.TextOptions{})
//
// Side effects are read from an effects URL the receiver's test build
// serves: {event} and {key} are replaced by the event name and the
// payload's entity key (fixtures.EntityKey), and the answer must be 200
// {"count": N}, how many times the receiver acted on that event for that
// entity. Without it, the checks that need it are skipped, never passed.
package audit

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/psbox-dev/psbox/fixtures"
	"github.com/psbox-dev/psbox/mock/delivery"
	"github.com/psbox-dev/psbox/recorder"
)

// Verdict is how a check ended.
type Verdict string

const (
	Pass Verdict = "pass"
	Warn Verdict = "warn"
	Fail Verdict = "fail"
	Skip Verdict = "skip"
)

// DefaultBudget is the p99 answer time answers-fast allows: psbox's
// choice, PartnerStack documents no timeout.
const DefaultBudget = 2 * time.Second

// Shapes of the load the checks send (psbox's choices).
const (
	BurstSize        = 200
	BurstConcurrency = 20
	ConcurrentCopies = 5
	LargeBodyBytes   = 512 << 10
	SkewedBy         = 10 * time.Minute // how stale or early the skewed signatures are
	retryPause       = 100 * time.Millisecond
	maxEffectsBody   = 64 << 10
)

// Result is one check's outcome.
type Result struct {
	ID         string   `json:"id"`
	Verdict    Verdict  `json:"verdict"`
	Reason     string   `json:"reason"`
	Deliveries []string `json:"deliveries"` // the delivery ids that show it, in the order sent
}

// Options configure a run.
type Options struct {
	Target string
	// Delivery is the delivery configuration's sender options: headers,
	// signing, timeout, retries, and Wrap (the recording transport).
	// Concurrency is set by the audit.
	Delivery delivery.Options
	Effects  string        // URL template with {event} and {key}; "" skips the effect counts
	Budget   time.Duration // p99 answer time allowed; default DefaultBudget
	Only     []string      // run only these checks (ids)
	Skip     []string      // report these as skip without running them
	Seed     int64         // payload seed; the same seed gives the same bodies

	burstSize int // tests only: a smaller burst than BurstSize
}

// Check describes one check.
type Check struct {
	ID      string
	Summary string // what it sends and what passes, one line
}

// Checks lists every check in report order. The ids are stable: reports
// and --only/--skip use them.
var Checks = []Check{
	{"accepts-every-event", "each confirmed catalog event once, a fresh entity each: all 2xx"},
	{"answers-fast", "p99 answer time over the audit within the budget; warn up to twice it; fail beyond or on a timeout"},
	{"duplicate-once", "one delivery (same body and headers) twice in a row: both 2xx, acted on once"},
	{"duplicate-concurrent", "one delivery 5 times at once: no 5xx, acted on once"},
	{"abandoned-retry", "the connection closed before the answer, then the same delivery again: 2xx, acted on once"},
	{"out-of-order", "application_approved before application_created: no 5xx, each acted on once"},
	{"unknown-event", "an event name no catalog has: 2xx pass, 4xx warn, 5xx or timeout fail"},
	{"unknown-fields", "extra fields at the top level and nested: answered as without them"},
	{"empty-and-null-fields", "the sample's empty strings and nulls and an empty object: 2xx"},
	{"large-payload", "a 512 KiB payload: no 5xx and no timeout (413 passes)"},
	{"malformed-body", "a body that is not JSON and JSON that is not an object: 4xx pass, 2xx warn, 5xx fail"},
	{"burst", "200 deliveries at concurrency 20: all 2xx"},
	{"signature-valid", "a correctly signed delivery: 2xx"},
	{"signature-missing", "no signature: 4xx"},
	{"signature-wrong-secret", "signed with another secret: 4xx"},
	{"signature-tampered-body", "the body changed after signing: 4xx"},
	{"signature-stale-timestamp", "signed 10 minutes ago: 4xx"},
	{"signature-future-timestamp", "signed 10 minutes ahead: 4xx"},
	{"signature-replayed", "a valid signed delivery sent again unchanged: 2xx or 4xx, acted on once"},
	{"still-up", "one delivery after all the others: 2xx"},
}

// CheckIDs returns the ids of Checks.
func CheckIDs() []string {
	ids := make([]string, len(Checks))
	for i, c := range Checks {
		ids[i] = c.ID
	}
	return ids
}

// ValidateIDs checks ids given to --only or --skip (flag names the flag).
func ValidateIDs(flag string, ids []string) error {
	for _, id := range ids {
		if !slices.Contains(CheckIDs(), id) {
			return fmt.Errorf("%s: no check is called %q; the checks are %s", flag, id, strings.Join(CheckIDs(), ", "))
		}
	}
	return nil
}

// ErrUnreachable wraps the error Run returns when the target cannot be
// reached before any check runs.
var ErrUnreachable = errors.New("the receiver cannot be reached")

// run is one audit in progress.
type run struct {
	o       Options
	send    *delivery.Sender // the configuration's sender
	bare    *delivery.Sender // the same without a signature; nil when unsigned
	forged  *delivery.Sender // the same signing with another secret; nil when unsigned
	effects *http.Client

	mu      sync.Mutex
	answers []timedAnswer // answer times of every delivery answered
	timeout []string      // deliveries that timed out
}

type timedAnswer struct {
	id   string
	took time.Duration
}

// Summary counts the verdicts.
type Summary struct{ Passed, Warned, Failed, Skipped int }

// Summarize counts res by verdict.
func Summarize(res []Result) Summary {
	var s Summary
	for _, r := range res {
		switch r.Verdict {
		case Pass:
			s.Passed++
		case Warn:
			s.Warned++
		case Fail:
			s.Failed++
		case Skip:
			s.Skipped++
		}
	}
	return s
}

// String is "N passed, N warned, N failed, N skipped".
func (s Summary) String() string {
	return fmt.Sprintf("%d passed, %d warned, %d failed, %d skipped", s.Passed, s.Warned, s.Failed, s.Skipped)
}

// Run audits o.Target and returns one Result per check, in Checks order
// (those left out by Only are not listed). It returns an error wrapping
// ErrUnreachable, and no results, when nothing answers at the target;
// other errors are bad options.
func Run(ctx context.Context, o Options) ([]Result, error) {
	if o.Budget == 0 {
		o.Budget = DefaultBudget
	}
	if o.burstSize == 0 {
		o.burstSize = BurstSize
	}
	if o.Budget < 0 {
		return nil, fmt.Errorf("--budget %s: give a positive duration such as 2s", o.Budget)
	}
	if err := ValidateIDs("--only", o.Only); err != nil {
		return nil, err
	}
	if err := ValidateIDs("--skip", o.Skip); err != nil {
		return nil, err
	}
	if o.Effects != "" {
		if err := ValidateEffects(o.Effects); err != nil {
			return nil, err
		}
	}
	if err := delivery.ValidateTarget(o.Target); err != nil {
		return nil, err
	}
	dopts := o.Delivery
	dopts.Concurrency = BurstConcurrency
	r := &run{o: o}
	var err error
	if r.send, err = delivery.New(dopts); err != nil {
		return nil, err
	}
	defer r.send.Close()
	if dopts.Sign != delivery.SignNone {
		bare := dopts
		bare.Sign, bare.Secret = delivery.SignNone, ""
		if r.bare, err = delivery.New(bare); err != nil {
			return nil, err
		}
		defer r.bare.Close()
		forged := dopts
		forged.Secret = otherSecret(dopts.Sign)
		if r.forged, err = delivery.New(forged); err != nil {
			return nil, err
		}
		defer r.forged.Close()
	}
	timeout := dopts.Timeout
	if timeout <= 0 {
		timeout = delivery.DefaultTimeout
	}
	r.effects = &http.Client{
		Timeout:       timeout,
		Transport:     &http.Transport{Proxy: nil, DisableKeepAlives: false, MaxIdleConnsPerHost: 4},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	defer r.effects.CloseIdleConnections()
	if err := reachable(ctx, o.Target, timeout); err != nil {
		return nil, err
	}

	selected := func(id string) bool { return len(o.Only) == 0 || slices.Contains(o.Only, id) }
	byID := map[string]func(context.Context) Result{
		"accepts-every-event":        r.acceptsEveryEvent,
		"duplicate-once":             r.duplicateOnce,
		"duplicate-concurrent":       r.duplicateConcurrent,
		"abandoned-retry":            r.abandonedRetry,
		"out-of-order":               r.outOfOrder,
		"unknown-event":              r.unknownEvent,
		"unknown-fields":             r.unknownFields,
		"empty-and-null-fields":      r.emptyAndNullFields,
		"large-payload":              r.largePayload,
		"malformed-body":             r.malformedBody,
		"burst":                      r.burst,
		"signature-valid":            r.signatureValid,
		"signature-missing":          r.signatureRejected("signature-missing"),
		"signature-wrong-secret":     r.signatureRejected("signature-wrong-secret"),
		"signature-tampered-body":    r.signatureRejected("signature-tampered-body"),
		"signature-stale-timestamp":  r.signatureRejected("signature-stale-timestamp"),
		"signature-future-timestamp": r.signatureRejected("signature-future-timestamp"),
		"signature-replayed":         r.signatureReplayed,
		"still-up":                   r.stillUp,
	}
	var out []Result
	fastAt := -1
	for _, c := range Checks {
		if !selected(c.ID) {
			continue
		}
		if slices.Contains(o.Skip, c.ID) {
			out = append(out, Result{ID: c.ID, Verdict: Skip, Reason: "left out by --skip"})
			continue
		}
		if ctx.Err() != nil {
			out = append(out, Result{ID: c.ID, Verdict: Skip, Reason: "not run: the audit was interrupted"})
			continue
		}
		if c.ID == "answers-fast" {
			fastAt = len(out) // measured over the whole audit, filled in at the end
			out = append(out, Result{ID: c.ID})
			continue
		}
		res := byID[c.ID](ctx)
		res.ID = c.ID
		out = append(out, res)
	}
	if fastAt >= 0 {
		out[fastAt] = r.answersFast(ctx)
	}
	return out, nil
}

// reachable dials the target once, so that a receiver that is not running
// is one clear sentence instead of twenty failed checks.
func reachable(ctx context.Context, target string, timeout time.Duration) error {
	u, err := url.Parse(target)
	if err != nil {
		return err
	}
	port := u.Port()
	if port == "" {
		port = map[string]string{"http": "80", "https": "443"}[u.Scheme]
	}
	d := net.Dialer{Timeout: min(timeout, delivery.DefaultConnectTimeout)}
	c, err := d.DialContext(ctx, "tcp", net.JoinHostPort(u.Hostname(), port))
	if err != nil {
		var oe *net.OpError
		why := err.Error()
		if errors.As(err, &oe) && oe.Err != nil {
			why = oe.Err.Error()
		}
		return fmt.Errorf("%w: nothing answers at %s (%s); start your receiver or check --target", ErrUnreachable, target, why)
	}
	c.Close()
	return nil
}

// otherSecret is a fresh secret for the scheme, which the receiver cannot
// know: what a forger signs with.
func otherSecret(scheme string) string {
	var b [32]byte
	rand.Read(b[:])
	if scheme == delivery.SignStandardWebhooks {
		return "whsec_" + base64.StdEncoding.EncodeToString(b[:])
	}
	return "forged-" + base64.RawURLEncoding.EncodeToString(b[:])
}

// builder returns a payload builder for a check: the same seed, check and
// n give the same entity; different ones give fresh entities.
func (r *run) builder(check string, n int) *fixtures.Builder {
	h := fnv.New64a()
	io.WriteString(h, check)
	return fixtures.NewBuilder(r.o.Seed ^ int64(h.Sum64()>>2) + int64(n)*7919)
}

// build makes one payload; the catalog's own events never fail to build.
func build(b *fixtures.Builder, event string, edits ...fixtures.Edit) []byte {
	body, err := b.Build(event, edits...)
	if err != nil {
		panic(fmt.Sprintf("audit: building %s: %v", event, err)) // a catalog or edit bug, not a user mistake
	}
	return body
}

// deliver sends d through s and notes its answer time. It gives d an id
// when it has none.
func (r *run) deliver(ctx context.Context, s *delivery.Sender, d delivery.Delivery) delivery.Result {
	if d.ID == "" {
		d.ID = delivery.NewDeliveryID()
	}
	d.Target = r.o.Target
	res := s.Send(ctx, d)
	r.note(res)
	return res
}

func (r *run) note(res delivery.Result) {
	r.mu.Lock()
	defer r.mu.Unlock()
	switch {
	case res.Reason == recorder.ReasonTimeout:
		r.timeout = append(r.timeout, res.DeliveryID)
	case res.Status != 0:
		r.answers = append(r.answers, timedAnswer{res.DeliveryID, res.Latency})
	}
}

// fixed returns d with an id and a signing time, so that sending it again
// sends the same bytes and headers.
func fixed(d delivery.Delivery) delivery.Delivery {
	if d.ID == "" {
		d.ID = delivery.NewDeliveryID()
	}
	if d.SignedAt.IsZero() {
		d.SignedAt = time.Now()
	}
	return d
}

// answer describes how a delivery ended, for a reason: "200", "503",
// "timeout", "connection_reset".
func answer(res delivery.Result) string {
	if res.Status != 0 {
		return fmt.Sprint(res.Status)
	}
	if res.Reason != "" {
		return res.Reason
	}
	return "no answer"
}

func class(res delivery.Result) int { return res.Status / 100 }

// ids lists the unique delivery ids of rs, in order.
func ids(rs ...delivery.Result) []string {
	var out []string
	for _, r := range rs {
		if r.DeliveryID != "" && !slices.Contains(out, r.DeliveryID) {
			out = append(out, r.DeliveryID)
		}
	}
	return out
}

// ValidateEffects checks an effects URL template.
func ValidateEffects(tmpl string) error {
	u, err := url.Parse(strings.NewReplacer("{event}", "e", "{key}", "k").Replace(tmpl))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("--effects %q is not an http(s) URL; give e.g. --effects 'http://127.0.0.1:3000/test/effects/{event}/{key}'", tmpl)
	}
	if !strings.Contains(tmpl, "{key}") {
		return fmt.Errorf("--effects %q has no {key}; psbox substitutes {event} and {key}, e.g. --effects 'http://127.0.0.1:3000/test/effects/{event}/{key}'", tmpl)
	}
	return nil
}

// errNoEffects is the reason of a check that needs --effects without it.
const noEffects = "give --effects to measure side effects"

// count asks the effects endpoint how many times the receiver acted on
// event for the entity key.
func (r *run) count(ctx context.Context, event, key string) (int, error) {
	u := strings.NewReplacer("{event}", url.PathEscape(event), "{key}", url.PathEscape(key)).Replace(r.o.Effects)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return 0, fmt.Errorf("the effects URL %s is not valid: %v", u, err)
	}
	resp, err := r.effects.Do(req)
	if err != nil {
		return 0, fmt.Errorf("the effects URL %s did not answer: %v", u, unwrapURLError(err))
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, maxEffectsBody))
	if resp.StatusCode != http.StatusOK {
		return 0, fmt.Errorf("the effects URL %s answered %d; it must answer 200 {\"count\": N}", u, resp.StatusCode)
	}
	var c struct {
		Count *int `json:"count"`
	}
	if json.Unmarshal(body, &c) != nil || c.Count == nil || *c.Count < 0 {
		return 0, fmt.Errorf("the effects URL %s answered %q; it must answer 200 {\"count\": N}", u, clip(body, 80))
	}
	return *c.Count, nil
}

func unwrapURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

func clip(b []byte, n int) string {
	if len(b) > n {
		return string(b[:n]) + "..."
	}
	return string(b)
}

// acted checks that the receiver acted exactly want times on each
// (event, key) pair; it returns the verdict's reason, "" when every count
// is right, and whether the effects endpoint itself failed.
func (r *run) acted(ctx context.Context, want int, pairs ...[2]string) (string, error) {
	for _, p := range pairs {
		n, err := r.count(ctx, p[0], p[1])
		if err != nil {
			return "", err
		}
		if n != want {
			return fmt.Sprintf("acted %d times on %s for %s, want %d", n, p[0], p[1], want), nil
		}
	}
	return "", nil
}

// withEffects finishes a check whose deliveries were answered as they
// should be: without --effects it is a skip, else the counts decide.
func (r *run) withEffects(ctx context.Context, okReason string, evidence []string, pairs ...[2]string) Result {
	if r.o.Effects == "" {
		return Result{Verdict: Skip, Reason: okReason + "; " + noEffects, Deliveries: evidence}
	}
	bad, err := r.acted(ctx, 1, pairs...)
	switch {
	case err != nil:
		return Result{Verdict: Fail, Reason: err.Error(), Deliveries: evidence}
	case bad != "":
		return Result{Verdict: Fail, Reason: okReason + ", but " + bad, Deliveries: evidence}
	}
	return Result{Verdict: Pass, Reason: okReason + ", acted on once", Deliveries: evidence}
}
