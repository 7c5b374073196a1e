package audit

import (
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/psbox-dev/psbox/mock/delivery"
	"github.com/psbox-dev/psbox/receiver"
	"github.com/psbox-dev/psbox/recorder"
	"github.com/psbox-dev/psbox/recorder/httprec"
)

const testSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"

// audit runs the whole audit, signed with testSecret, against h.
func auditHandler(t *testing.T, h http.Handler, effects string, mod func(*Options)) []Result {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	o := Options{
		Target:   srv.URL + "/webhooks",
		Delivery: delivery.Options{Sign: delivery.SignStandardWebhooks, Secret: testSecret}, // the default 10s timeout: race builds on a busy machine are slow
		Seed:     42,
		Budget:   time.Minute, // answers-fast has its own cases; a race build on a busy machine is slow
	}
	if effects != "" {
		o.Effects = srv.URL + effects
	}
	if mod != nil {
		mod(&o)
	}
	res, err := Run(t.Context(), o)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func only(ids ...string) func(*Options) { return func(o *Options) { o.Only = ids } }

func verdicts(res []Result) map[string]Verdict {
	m := map[string]Verdict{}
	for _, r := range res {
		m[r.ID] = r.Verdict
	}
	return m
}

// TestAudit_ReferenceReceiverPassesEverything: psbox receive --verify is
// the receiver that earns every check.
func TestAudit_ReferenceReceiverPassesEverything(t *testing.T) {
	rc := receiver.New(io.Discard, receiver.Options{Verify: delivery.SignStandardWebhooks, Secret: testSecret})
	res := auditHandler(t, rc, receiver.EffectsPath+"{event}/{key}", nil)
	if len(res) != len(Checks) {
		t.Fatalf("%d results, want one per check (%d)", len(res), len(Checks))
	}
	for i, r := range res {
		if r.ID != Checks[i].ID {
			t.Errorf("result %d is %s, want %s (report order)", i, r.ID, Checks[i].ID)
		}
		if r.Verdict != Pass {
			t.Errorf("%s: %s (%s), want pass", r.ID, r.Verdict, r.Reason)
		}
		if r.Reason == "" {
			t.Errorf("%s: no reason", r.ID)
		}
		if r.ID != "answers-fast" && len(r.Deliveries) == 0 {
			t.Errorf("%s: no delivery ids as evidence", r.ID)
		}
	}
}

// TestAudit_FakeWithoutFlawsPasses: the flawed receivers below differ from
// one that passes by their one flaw.
func TestAudit_FakeWithoutFlawsPasses(t *testing.T) {
	res := auditHandler(t, newFake(flaws{}, testSecret), "/effects/{event}/{key}", nil)
	for _, r := range res {
		if r.Verdict != Pass {
			t.Errorf("%s: %s (%s), want pass", r.ID, r.Verdict, r.Reason)
		}
	}
}

// TestAudit_EachFlawIsCaught: for every check that can fail, a receiver
// built to fail it gets the verdict it should there, and every check it
// does not earn is not passed; the others still pass.
func TestAudit_EachFlawIsCaught(t *testing.T) {
	for _, tc := range []struct {
		name            string
		f               flaws
		mod             func(*Options)
		want            map[string]Verdict // the checks this flaw must hit; every other check must pass
		other           bool               // the flaw hits too much to require the rest to pass
		budget, timeout time.Duration
	}{
		{name: "rejects one event", f: flaws{rejectEvent: "partnership_deleted"},
			want: map[string]Verdict{"accepts-every-event": Fail, "burst": Fail}},
		// One delivery each: over the budget by 400ms with 600ms to spare
		// below twice it (room for a slow race build), then over twice it.
		{name: "slow", f: flaws{delay: 1400 * time.Millisecond}, mod: only("still-up", "answers-fast"), budget: time.Second,
			want: map[string]Verdict{"answers-fast": Warn}},
		{name: "very slow", f: flaws{delay: 2100 * time.Millisecond}, mod: only("still-up", "answers-fast"), budget: time.Second,
			want: map[string]Verdict{"answers-fast": Fail}},
		{name: "hangs on an unknown event", f: flaws{hangEvent: UnknownEvent}, mod: only("unknown-event", "still-up", "answers-fast"), timeout: time.Second,
			want: map[string]Verdict{"answers-fast": Fail, "unknown-event": Fail}},
		{name: "acts on every copy", f: flaws{noDedupe: true},
			want: map[string]Verdict{"duplicate-once": Fail, "duplicate-concurrent": Fail, "abandoned-retry": Fail, "signature-replayed": Fail}},
		{name: "409 to a duplicate", f: flaws{dupStatus: 409},
			want: map[string]Verdict{"duplicate-once": Fail, "abandoned-retry": Fail}},
		{name: "500 to a duplicate", f: flaws{dupStatus: 500},
			want: map[string]Verdict{"duplicate-once": Fail, "duplicate-concurrent": Fail, "abandoned-retry": Fail, "signature-replayed": Fail}},
		{name: "check-then-act race", f: flaws{racyDedupe: true},
			want: map[string]Verdict{"duplicate-concurrent": Fail}},
		{name: "forgets an abandoned delivery", f: flaws{forgetAbandoned: true},
			want: map[string]Verdict{"abandoned-retry": Fail}},
		{name: "drops an approval that comes first", f: flaws{dropOrphanApproval: true},
			want: map[string]Verdict{"out-of-order": Fail}},
		{name: "400 to an unknown event", f: flaws{unknownEventStatus: 400},
			want: map[string]Verdict{"unknown-event": Warn}},
		{name: "500 to an unknown event", f: flaws{unknownEventStatus: 500},
			want: map[string]Verdict{"unknown-event": Fail}},
		{name: "strict about fields", f: flaws{strictFields: true},
			want: map[string]Verdict{"unknown-fields": Fail}},
		{name: "crashes on null", f: flaws{nullCrash: true}, other: true,
			want: map[string]Verdict{"empty-and-null-fields": Fail, "accepts-every-event": Fail}},
		{name: "500 to a large body", f: flaws{maxBody: 256 << 10, bigStatus: 500},
			want: map[string]Verdict{"large-payload": Fail}},
		{name: "drops the connection on a large body", f: flaws{maxBody: 256 << 10},
			want: map[string]Verdict{"large-payload": Fail}},
		{name: "413 to a large body passes", f: flaws{maxBody: 256 << 10, bigStatus: 413},
			want: map[string]Verdict{}},
		{name: "200 to a malformed body", f: flaws{malformedStatus: 200},
			want: map[string]Verdict{"malformed-body": Warn}},
		{name: "500 to a malformed body", f: flaws{malformedStatus: 500},
			want: map[string]Verdict{"malformed-body": Fail}},
		{name: "sheds load", f: flaws{maxInFlight: 8, delay: 5 * time.Millisecond},
			want: map[string]Verdict{"burst": Fail}},
		{name: "accepts a missing signature", f: flaws{verifyIfPresent: true},
			want: map[string]Verdict{"signature-missing": Fail}},
		{name: "accepts any signature", f: flaws{presenceOnly: true},
			want: map[string]Verdict{"signature-wrong-secret": Fail, "signature-tampered-body": Fail, "signature-stale-timestamp": Fail, "signature-future-timestamp": Fail}},
		{name: "acknowledges a known id before verifying", f: flaws{dedupeBeforeVerify: true},
			want: map[string]Verdict{"signature-tampered-body": Fail}},
		{name: "no stale check", f: flaws{noStaleCheck: true},
			want: map[string]Verdict{"signature-stale-timestamp": Fail}},
		{name: "no future check", f: flaws{noFutureCheck: true},
			want: map[string]Verdict{"signature-future-timestamp": Fail}},
		{name: "500 to a replay", f: flaws{replayStatus: 500},
			want: map[string]Verdict{"signature-replayed": Fail, "duplicate-once": Fail, "duplicate-concurrent": Fail, "abandoned-retry": Fail}},
		{name: "dies", f: flaws{dieAfter: 14}, mod: only("accepts-every-event", "still-up"),
			want: map[string]Verdict{"still-up": Fail}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.budget == 0 && tc.timeout == 0 && tc.f.delay == 0 {
				t.Parallel() // the timed cases run alone first
			}
			res := auditHandler(t, newFake(tc.f, testSecret), "/effects/{event}/{key}", func(o *Options) {
				o.burstSize = 40 // enough to shed load at 8 in flight; the full 200 runs in the passing tests
				if tc.budget > 0 {
					o.Budget = tc.budget
				}
				if tc.timeout > 0 {
					o.Delivery.Timeout = tc.timeout
				}
				if tc.mod != nil {
					tc.mod(o)
				}
			})
			got := verdicts(res)
			for id, want := range tc.want {
				if got[id] != want {
					t.Errorf("%s: %s, want %s", id, got[id], want)
				}
			}
			for _, r := range res {
				want, hit := tc.want[r.ID]
				switch {
				case hit && r.Verdict != want:
					t.Errorf("%s: %s (%s), want %s", r.ID, r.Verdict, r.Reason, want)
				case !hit && !tc.other && r.Verdict != Pass:
					t.Errorf("%s: %s (%s); the flaw should not touch it", r.ID, r.Verdict, r.Reason)
				}
				if r.Verdict == Fail || r.Verdict == Warn {
					if len(r.Deliveries) == 0 || r.Reason == "" {
						t.Errorf("%s: %s with reason %q and deliveries %v; want both", r.ID, r.Verdict, r.Reason, r.Deliveries)
					}
				}
			}
		})
	}
}

// TestAudit_NeverPassesWithoutEvidence: without --effects the checks that
// need side effects are skip, never pass, even for a receiver that acts
// on every copy; without --sign the signature checks are skip.
func TestAudit_NeverPassesWithoutEvidence(t *testing.T) {
	res := auditHandler(t, newFake(flaws{noDedupe: true}, ""), "", func(o *Options) { o.Delivery.Sign, o.Delivery.Secret = "", "" })
	needEffects := []string{"duplicate-once", "duplicate-concurrent", "abandoned-retry", "out-of-order"}
	for _, r := range res {
		switch {
		case slices.Contains(needEffects, r.ID):
			if r.Verdict != Skip || !strings.Contains(r.Reason, "give --effects to measure side effects") {
				t.Errorf("%s: %s (%s), want skip asking for --effects", r.ID, r.Verdict, r.Reason)
			}
		case strings.HasPrefix(r.ID, "signature-"):
			if r.Verdict != Skip || !strings.Contains(r.Reason, "--sign") {
				t.Errorf("%s: %s (%s), want skip asking for --sign", r.ID, r.Verdict, r.Reason)
			}
		case r.Verdict != Pass:
			t.Errorf("%s: %s (%s), want pass", r.ID, r.Verdict, r.Reason)
		}
	}
}

// TestAudit_HMACSkipsTimestampChecks: hmac-sha256 signs no timestamp.
func TestAudit_HMACSkipsTimestampChecks(t *testing.T) {
	rc := receiver.New(io.Discard, receiver.Options{Verify: delivery.SignHMACSHA256, Secret: "s3cret"})
	res := auditHandler(t, rc, receiver.EffectsPath+"{event}/{key}", func(o *Options) {
		o.Delivery.Sign, o.Delivery.Secret = delivery.SignHMACSHA256, "s3cret"
		o.Only = []string{"signature-valid", "signature-missing", "signature-wrong-secret", "signature-tampered-body", "signature-stale-timestamp", "signature-future-timestamp", "signature-replayed"}
	})
	for _, r := range res {
		want := Pass
		if strings.Contains(r.ID, "timestamp") {
			want = Skip
		}
		if r.Verdict != want {
			t.Errorf("%s: %s (%s), want %s", r.ID, r.Verdict, r.Reason, want)
		}
	}
}

// TestAudit_BrokenEffectsEndpointFails: a count that cannot be read is a
// fail naming the URL, not a pass.
func TestAudit_BrokenEffectsEndpointFails(t *testing.T) {
	rc := receiver.New(io.Discard, receiver.Options{})
	res := auditHandler(t, rc, "/nothing-here/{event}/{key}", func(o *Options) {
		o.Delivery.Sign, o.Delivery.Secret = "", ""
		o.Only = []string{"duplicate-once"}
	})
	if len(res) != 1 || res[0].Verdict != Fail || !strings.Contains(res[0].Reason, "/nothing-here/application_created/") {
		t.Fatalf("got %+v; want one fail naming the effects URL", res)
	}
}

// TestAudit_OnlyAndSkip: --only lists just those checks, --skip shows them
// as skip.
func TestAudit_OnlyAndSkip(t *testing.T) {
	rc := receiver.New(io.Discard, receiver.Options{})
	res := auditHandler(t, rc, "", func(o *Options) {
		o.Delivery.Sign, o.Delivery.Secret = "", ""
		o.Only = []string{"still-up", "unknown-event", "answers-fast"}
		o.Skip = []string{"unknown-event"}
	})
	got := verdicts(res)
	want := map[string]Verdict{"answers-fast": Pass, "unknown-event": Skip, "still-up": Pass}
	if len(got) != len(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	for id, v := range want {
		if got[id] != v {
			t.Errorf("%s: %s, want %s", id, got[id], v)
		}
	}
	if _, err := Run(t.Context(), Options{Target: "http://127.0.0.1:1/", Only: []string{"nope"}}); err == nil || !strings.Contains(err.Error(), `"nope"`) {
		t.Errorf("an unknown id: %v", err)
	}
}

// TestAudit_UnreachableTarget is one error before any check runs.
func TestAudit_UnreachableTarget(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	res, err := Run(t.Context(), Options{Target: "http://" + addr + "/webhooks"})
	if !errors.Is(err, ErrUnreachable) || res != nil || !strings.Contains(err.Error(), addr) {
		t.Fatalf("got %v, %v; want ErrUnreachable naming %s", res, err, addr)
	}
}

// TestAudit_RecordsEveryAttemptAsAudit: the recording transport sees each
// attempt, the abandoned one included, and records it as kind audit.
func TestAudit_RecordsEveryAttemptAsAudit(t *testing.T) {
	store, err := recorder.Open(t.TempDir(), recorder.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	rc := receiver.New(io.Discard, receiver.Options{})
	res := auditHandler(t, rc, receiver.EffectsPath+"{event}/{key}", func(o *Options) {
		o.Delivery.Sign, o.Delivery.Secret = "", ""
		o.Delivery.Wrap = recordKind(store)
		o.Only = []string{"abandoned-retry"}
	})
	if res[0].Verdict != Pass {
		t.Fatalf("abandoned-retry: %+v", res[0])
	}
	store.Flush()
	got := store.List(recorder.Filter{Kind: recorder.KindAudit, DeliveryID: res[0].Deliveries[0]})
	if len(got) != 2 {
		t.Fatalf("%d audit exchanges for %s, want the abandoned attempt and the retry", len(got), res[0].Deliveries[0])
	}
	if got[1].Response != nil || got[1].Error == "" || got[0].Response == nil || got[0].Response.Status != 200 {
		t.Errorf("oldest %+v, newest %+v; want the abandoned attempt without an answer, then a 200", got[1], got[0])
	}
}

func TestPercentile(t *testing.T) {
	ds := []time.Duration{5, 1, 4, 2, 3, 6, 7, 8, 9, 10}
	for _, tc := range []struct {
		p    float64
		want time.Duration
	}{{50, 5}, {99, 10}, {100, 10}, {10, 1}, {0, 1}} {
		if got := percentile(ds, tc.p); got != tc.want {
			t.Errorf("p%v = %v, want %v", tc.p, got, tc.want)
		}
	}
	if percentile(nil, 99) != 0 {
		t.Error("no samples: want 0")
	}
}

func recordKind(store *recorder.Store) func(http.RoundTripper) http.RoundTripper {
	return func(rt http.RoundTripper) http.RoundTripper {
		return httprec.TransportKind(rt, store, recorder.KindAudit)
	}
}
