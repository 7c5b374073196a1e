package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/spf13/cobra"

	"github.com/psbox-dev/psbox/fixtures"
	"github.com/psbox-dev/psbox/internal/desktop"
	"github.com/psbox-dev/psbox/load"
	"github.com/psbox-dev/psbox/mock"
	"github.com/psbox-dev/psbox/mock/delivery"
)

// triggerOptions are the flags of psbox trigger.
type triggerOptions struct {
	names        []string
	to           string
	seed         int64
	seedSet      bool
	sets, unsets []string
	load.Job                     // --count, --concurrency, --rate, --duplicates, --shuffle, --jitter, --cpuprofile (hidden)
	delivery     delivery.Config // --header, --sign, --secret, --timeout, --retries...
	jsonOut      bool
	quiet        bool // only the summary
	noRecord     bool
	redact       []string // --redact-header: more secret header names for the output, as for the log

	cat *fixtures.Catalog // the events that can be sent; nil: the built-in ones

	// Filled by validate.
	edits []fixtures.Edit
}

// validate checks every flag and argument; its errors are user mistakes.
func (o *triggerOptions) validate() error {
	if len(o.names) == 0 {
		return errors.New("name at least one event, e.g. psbox trigger application_created; run `psbox events` for the list")
	}
	for _, n := range o.names {
		if _, ok := o.cat.Lookup(n); !ok {
			return o.cat.UnknownEventError(n)
		}
	}
	edits, err := fixtures.ParseEdits(o.sets, o.unsets)
	if err != nil {
		return err
	}
	o.edits = edits
	if o.to != "" {
		if err := delivery.ValidateTarget(o.to); err != nil {
			return fmt.Errorf("--to: %w", err)
		}
	}
	if err := o.Job.Validate(); err != nil {
		return err
	}
	return o.delivery.Validate()
}

func newTriggerCmd(g *globals) *cobra.Command {
	o := &triggerOptions{}
	cmd := &cobra.Command{
		Use:   "trigger NAME...",
		Short: "Send realistic PartnerStack events to a receiver or to their subscriptions",
		Long: `Build each named event's payload and POST it, one event per request, to --to
URL or, without --to, to every active subscription of that event in
<state>/webhooks.json (created through the mock API of psbox serve).

The events of one call share identity: application_created then
application_approved carry the same application key. Without --seed a random
seed is picked and printed, so a run can be repeated exactly. With --count N
each event is sent N times (the same payload, each time a new delivery id);
on a terminal only the failed ones are listed, with a progress line on
stderr (every delivery is listed with --json or when stdout is redirected),
and a summary gives latency percentiles, events/s and errors by reason.

Every attempt is recorded in <state>/deliveries.jsonl (see psbox deliveries)
unless --no-record is given.

To soak a receiver under at-least-once delivery (psbox's additions):
--duplicates P sends a fraction P of the deliveries twice, the copy byte for
byte the same (id, body, signature), spread evenly from a seeded start;
--shuffle sends each round of events in a random order, never the one given;
--jitter D waits a random time up to D before each delivery. All three follow
--seed. psbox audit grades a receiver on these and more.

` + delivery.Help + `
Connections are kept alive and reused, about one per --concurrency worker;
no proxy is used.

With --retries, each attempt that will be retried is printed on stderr as
it happens (its status or failure, and the wait before the next one);
--quiet prints only the summary.

Exit status: 0 when every delivery got a 2xx, 1 when any failed, 2 for bad
input (unknown event, bad --set, bad URL, bad flag value), 130 when Ctrl-C
stopped it (a delivery cut short is not counted as failed).`,
		Example: `  psbox trigger application_created --to http://localhost:3000/webhooks
  psbox trigger application_created application_approved --to http://localhost:3000/webhooks --seed 7
  psbox trigger customer_created --set email=jane@example.com --unset partner_key
  psbox trigger application_created --to http://localhost:3000/webhooks --count 1000 --concurrency 8 --rate 200
  psbox trigger partnership_created --to https://example.test/hook --sign standard-webhooks --secret whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw
  psbox trigger application_created --retries 3 --retry-backoff 500ms --json`,
		Args: cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			o.names = args
			o.seedSet = cmd.Flags().Changed("seed")
			return runTrigger(cmd.Context(), g, o, cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.to, "to", "", "receiver URL (default: every active subscription of each event in <state>/webhooks.json)")
	f.Int64Var(&o.seed, "seed", 0, "payload seed: the same seed gives the same bytes (default: random, printed)")
	f.StringArrayVar(&o.sets, "set", nil, editSetFlagHelp)
	f.StringArrayVar(&o.unsets, "unset", nil, editUnsetFlagHelp)
	f.IntVar(&o.Count, "count", 1, "send each event this many times (at most 1000000000 deliveries in all)")
	f.IntVar(&o.Concurrency, "concurrency", 1, "deliveries in flight at once (1 keeps the order of the events)")
	f.Float64Var(&o.Rate, "rate", 0, "at most this many deliveries started per second, 0.001 to 1000000 (0: no limit)")
	f.BoolVar(&o.jsonOut, "json", false, "one JSON object per delivery")
	f.BoolVarP(&o.quiet, "quiet", "q", false, "print only the summary: no line per delivery or attempt")
	f.Float64Var(&o.Faults.Duplicates, "duplicates", 0, "send this fraction of deliveries (0 to 1) twice: the same id, body and signature, as an at-least-once sender does")
	f.BoolVar(&o.Faults.Shuffle, "shuffle", false, "send the events of each round in a random order, never the order given")
	f.DurationVar(&o.Faults.Jitter, "jitter", 0, "wait a random time from 0 to this before each delivery")
	o.delivery.AddFlags(f)
	f.BoolVar(&o.noRecord, "no-record", false, "do not record the attempts in <state>/deliveries.jsonl")
	f.StringVar(&o.CPUProfile, "cpuprofile", "", "write a CPU profile of the deliveries to this file (for measuring psbox itself)")
	_ = f.MarkHidden("cpuprofile")
	return cmd
}

func runTrigger(ctx context.Context, g *globals, o *triggerOptions, stdout, stderr io.Writer) error {
	cat, err := g.catalog()
	if err != nil {
		return err
	}
	o.cat = cat
	if err := o.validate(); err != nil {
		return asUsage(err)
	}
	o.redact = g.redact
	if !o.seedSet {
		o.seed = fixtures.RandomSeed()
	}
	o.Faults.Seed = o.seed

	// One round is every event to each of its targets (--to, or its
	// subscriptions); the run is o.Count rounds.
	var subs mock.Subscriptions
	storePath := ""
	if o.to == "" {
		store, err := mock.OpenStore(g.state)
		if err != nil {
			return usageError("%v", err)
		}
		defer store.Close() // only read: writes nothing
		subs, storePath = store, store.Path()
	}
	round, err := mock.Round(subs, o.cat.NewBuilder(o.seed), o.names, o.edits, o.to)
	var none mock.NoSubscriptionsError
	if errors.As(err, &none) {
		return checkFailed("no active webhook in %s subscribes to %s; pass --to URL, or run `psbox serve` and create one: "+
			`curl -u pk_psbox_test:sk_psbox_test -H 'Content-Type: application/json' -d '{"target":"http://localhost:3000/webhooks","events":[%q]}' http://%s/api/v2/webhooks`,
			storePath, none.Event, none.Event, defaultServeAddr)
	}
	if err != nil {
		return asUsage(err)
	}
	o.Round = round
	if err := o.Job.Validate(); err != nil {
		return asUsage(err)
	}

	var wrap func(http.RoundTripper) http.RoundTripper
	var rec *recording
	if !o.noRecord {
		rec, err = startRecording(g, stderr, nil)
		if err != nil {
			return err
		}
		defer rec.close() // an early return
		wrap = rec.wrap()
	}

	p := load.NewPrinter(load.PrintOptions{
		Out: stdout, Err: stderr, JSON: o.jsonOut, Quiet: o.quiet, Seed: o.seed, Redact: o.redact,
		All:      !o.quiet && (o.jsonOut || o.Count == 1 || !desktop.IsTerminal(stdout)),
		Progress: !o.quiet && o.Count > 1 && desktop.IsTerminal(stderr),
		Attempts: o.delivery.Retries > 0,
		Stats:    o.Count > 1,
	})
	sender, err := o.delivery.NewSender(delivery.Options{Concurrency: o.Concurrency, Wrap: wrap, UserAgent: "psbox/" + version, OnAttempt: p.AttemptFunc()})
	if err != nil {
		return asUsage(err)
	}
	defer sender.Close()
	o.Sender = sender
	sum, err := load.Run(ctx, o.Job, p)
	if err != nil {
		return usageError("--cpuprofile: %v", err)
	}
	if rec != nil {
		// Delivered but not recorded (a full disk) is a failure too, and
		// the one to tell first.
		what := "deliveries"
		if o.delivery.Retries > 0 {
			what = "delivery attempts"
		}
		if err := rec.finish(what); err != nil {
			return err
		}
	}
	switch {
	case sum.Interrupted:
		return &exitError{code: exitInterrupted, err: errors.New(sum.Problem())}
	case sum.Failed > 0:
		return checkFailed("%s", sum.Problem())
	}
	return nil
}
