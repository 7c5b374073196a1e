package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/psbox-dev/psbox/audit"
	"github.com/psbox-dev/psbox/fixtures"
	"github.com/psbox-dev/psbox/mock/delivery"
	"github.com/psbox-dev/psbox/recorder"
	"github.com/psbox-dev/psbox/recorder/httprec"
)

// auditOptions are the flags of psbox audit.
type auditOptions struct {
	audit.Options // --target, --effects, --budget, --only, --skip, --seed
	seedSet       bool
	jsonOut       bool
	junit         string
	markdown      string
	delivery      delivery.Config // --header, --sign, --secret, --timeout, --retries...
}

func newAuditCmd(g *globals) *cobra.Command {
	o := &auditOptions{}
	var checks strings.Builder
	for _, c := range audit.Checks {
		fmt.Fprintf(&checks, "  %-27s %s\n", c.ID, c.Summary)
	}
	cmd := &cobra.Command{
		Use:   "audit --target URL",
		Short: "Grade how your webhook receiver survives real delivery: duplicates, retries, order, bad input, forged signatures",
		Long: `Grade how your webhook receiver survives what real senders do to it.

psbox sends realistic and deliberately awkward deliveries to --target and
prints a scorecard: one line per check with its verdict (pass, warn, fail,
skip), a one-line reason and the delivery ids that show it (see them with
psbox deliveries show ID; every exchange is recorded with kind audit), then
"N passed, N warned, N failed, N skipped".

The checks (ids are stable; --only and --skip take them, comma-separated):
` + checks.String() + `
Side effects: --effects is a URL template your receiver's test build serves.
psbox replaces {event} and {key} (the payload's entity key: the application,
partnership or customer key), GETs it and expects 200 {"count": N}, how many
times the receiver acted on that event for that entity. Without --effects the
checks that need it are skip, never pass. psbox receive serves one at
/_psbox/effects/{event}/{key}.

The signature checks need --sign and --secret, the same as your receiver
verifies; the stale and future ones (10 minutes off) need a scheme that signs
a timestamp (standard-webhooks). --budget (default 2s) is psbox's choice:
PartnerStack documents no timeout.

` + delivery.Help + `

Exit codes: 0 no check failed, 1 a check failed or the receiver cannot be
reached, 2 bad input.`,
		Example: `  psbox audit --target http://localhost:3000/webhooks
  psbox audit --target http://localhost:3000/webhooks --effects 'http://localhost:3000/test/effects/{event}/{key}'
  psbox audit --target http://127.0.0.1:8485/webhooks --sign standard-webhooks --secret whsec_... --junit audit.xml --markdown audit.md`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			o.seedSet = cmd.Flags().Changed("seed")
			return runAudit(cmd.Context(), g, o, cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.Target, "target", "", "URL of your webhook receiver (required)")
	f.StringVar(&o.Effects, "effects", "", "URL `TEMPLATE` with {event} and {key} answering {\"count\": N} (your receiver's test build)")
	f.DurationVar(&o.Budget, "budget", audit.DefaultBudget, "p99 answer time answers-fast allows (psbox's choice)")
	f.StringSliceVar(&o.Only, "only", nil, "run only these check `IDS`")
	f.StringSliceVar(&o.Skip, "skip", nil, "report these check `IDS` as skip without running them")
	f.Int64Var(&o.Seed, "seed", 0, "payload seed: the same seed gives the same payloads (default: random, printed)")
	f.BoolVar(&o.jsonOut, "json", false, "print one JSON object per check per line (id, verdict, reason, deliveries)")
	f.StringVar(&o.junit, "junit", "", "also write a JUnit XML report to `FILE` (one testcase per check)")
	f.StringVar(&o.markdown, "markdown", "", "also write the scorecard as a Markdown table to `FILE` (e.g. $GITHUB_STEP_SUMMARY)")
	o.delivery.AddFlags(f)
	return cmd
}

func (o *auditOptions) validate() error {
	if err := o.Options.Validate(); err != nil {
		return err
	}
	return o.delivery.Validate()
}

func runAudit(ctx context.Context, g *globals, o *auditOptions, stdout, stderr io.Writer) error {
	if err := o.validate(); err != nil {
		return asUsage(err)
	}
	if !o.seedSet {
		o.Seed = fixtures.RandomSeed()
	}
	dopts, err := o.delivery.Options()
	if err != nil {
		return asUsage(err)
	}
	rec, err := startRecording(g, stderr, nil)
	if err != nil {
		return err
	}
	defer rec.close()
	dopts.Wrap = func(rt http.RoundTripper) http.RoundTripper {
		return httprec.TransportKind(rt, rec.Store, recorder.KindAudit)
	}
	dopts.UserAgent = "psbox/" + version
	o.Delivery = dopts

	start := time.Now()
	res, err := audit.Run(ctx, o.Options)
	if errors.Is(err, audit.ErrUnreachable) {
		return checkFailed("%v", err)
	}
	if err != nil {
		return asUsage(err)
	}
	took := time.Since(start)

	if o.jsonOut {
		err = audit.WriteJSONLines(stdout, res)
	} else {
		err = audit.WriteText(stdout, res, audit.TextOptions{Header: audit.Header(o.Options), Took: took})
	}
	if err != nil {
		return err
	}
	if o.junit != "" {
		if err := audit.WriteJUnitFile(o.junit, res, took); err != nil {
			return usageError("--junit: %v; check that the folder exists and is writable", err)
		}
	}
	if o.markdown != "" {
		if err := audit.WriteMarkdownFile(o.markdown, res, "psbox audit of "+o.Target); err != nil {
			return usageError("--markdown: %v; check that the folder exists and is writable", err)
		}
	}
	if audit.Summarize(res).Failed > 0 {
		return errSilent
	}
	return nil
}
