package main

import (
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/psbox-dev/psbox/mock/delivery"
	"github.com/psbox-dev/psbox/recorder"
	"github.com/psbox-dev/psbox/recorder/render"

	"github.com/psbox-dev/psbox/internal/atomicfile"
	"github.com/psbox-dev/psbox/internal/humanize"
)

// deliveriesFilter holds the filter flags list and export share.
type deliveriesFilter struct {
	event  string
	failed bool
	kind   string
}

func (f *deliveriesFilter) add(cmd *cobra.Command) {
	fl := cmd.Flags()
	fl.StringVar(&f.event, "event", "", "only exchanges of this event (see 'psbox events')")
	fl.BoolVar(&f.failed, "failed", false, "only exchanges that did not end in a 2xx answer")
	fl.StringVar(&f.kind, "kind", "", "only this kind: delivery (webhooks psbox sent), api (calls to the mock API) or audit (what psbox audit sent)")
}

func (f *deliveriesFilter) filter(g *globals) (recorder.Filter, error) {
	out := recorder.Filter{Event: f.event, Failed: f.failed}
	k, err := recorder.ParseKind(f.kind)
	if err != nil {
		return out, usageError("--%v", err)
	}
	out.Kind = k
	if f.event != "" {
		cat, err := g.catalog()
		if err != nil {
			return out, err
		}
		if _, ok := cat.Lookup(f.event); !ok {
			return out, asUsage(cat.UnknownEventError(f.event))
		}
	}
	return out, nil
}

func newDeliveriesCmd(g *globals) *cobra.Command {
	var (
		f       deliveriesFilter
		jsonOut bool
		limit   int
		follow  bool
	)
	cmd := &cobra.Command{
		Use:   "deliveries",
		Short: "List recorded exchanges: webhooks sent and mock API calls, newest first",
		Long: `List the exchanges psbox recorded in <state>/deliveries.jsonl, newest first:
every webhook delivery attempt psbox made and every call to its mock API.

Secrets (Authorization, Cookie, Set-Cookie, X-Api-Key, Proxy-Authorization,
any whsec_ value, and user:password in URLs) are redacted when recorded.`,
		Example: `  psbox deliveries
  psbox deliveries --failed --event application_created --limit 10
  psbox deliveries --json | jq .response.status
  psbox deliveries --follow --failed        # each new failure as it is recorded
  psbox deliveries show ex_01jd3k
  psbox deliveries replay ex_01jd3k --to http://localhost:3000/webhooks
  psbox deliveries export --format har -o deliveries.har`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			flt, err := f.filter(g)
			if err != nil {
				return err
			}
			if limit < 0 {
				return usageError("--limit must be 0 (all) or more, not %d", limit)
			}
			if follow {
				return followDeliveries(cmd.Context(), g, flt, jsonOut, cmd.OutOrStdout(), cmd.ErrOrStderr())
			}
			flt.Limit = limit
			if !stateExists(g) {
				fmt.Fprintln(cmd.ErrOrStderr(), "psbox: "+noState(g))
				return nil
			}
			s, err := openReader(g, cmd.ErrOrStderr())
			if err != nil {
				return err
			}
			defer s.Close()
			if jsonOut {
				return recorder.ListJSONL(cmd.OutOrStdout(), s, flt)
			}
			return writeDeliveriesTable(cmd.OutOrStdout(), s.Summaries(flt))
		},
	}
	f.add(cmd)
	cmd.Flags().BoolVar(&jsonOut, "json", false, "one JSON object per line (the log's own format)")
	cmd.Flags().IntVar(&limit, "limit", 50, "show at most this many (0: all)")
	cmd.Flags().BoolVarP(&follow, "follow", "f", false, "print each exchange as it is appended to the log, by any psbox process, until Ctrl-C (with --event, --failed, --kind, --json)")
	cmd.AddCommand(newDeliveriesShowCmd(g), newDeliveriesReplayCmd(g), newDeliveriesExportCmd(g), newDeliveriesPruneCmd(g))
	return cmd
}

func writeDeliveriesTable(w io.Writer, list []recorder.Summary) error {
	if len(list) == 0 {
		_, err := fmt.Fprintln(w, "No exchanges recorded yet (or none match). Send one with 'psbox trigger EVENT --to URL'.")
		return err
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "TIME\tID\tEVENT\tTARGET\tRESULT\tLATENCY\tATTEMPT")
	for i := range list {
		sm := &list[i]
		event, target := render.EventTarget(sm)
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", sm.Start.Local().Format("2006-01-02 15:04:05"), sm.ID,
			event, target, render.Result(sm.Status, sm.ErrorReason), humanize.Latency(sm.Duration), render.Attempt(sm))
	}
	return tw.Flush()
}

func newDeliveriesShowCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "show ID",
		Short: "Show one exchange, or every attempt of one delivery, in full",
		Long: `Show a recorded exchange in full: request, response, headers, bodies, error.
ID is an exchange id (ex_...) or a delivery id (dlv_..., as trigger, receive,
POST /_psbox/events and the X-Psbox-Delivery header print), or a unique
prefix of either; a delivery id shows every attempt of that delivery, oldest
first.`,
		Example: `  psbox deliveries show ex_01jd3k4m5n   # an exchange id or a unique prefix of one
  psbox deliveries show dlv_7Hq2        # every attempt of a delivery`,
		Args: exactlyOneID,
		RunE: func(cmd *cobra.Command, args []string) error {
			s, err := openReader(g, cmd.ErrOrStderr())
			if err != nil {
				return err
			}
			defer s.Close()
			exs, err := lookupID(s, args[0])
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			for i := range exs {
				if len(exs) > 1 {
					if i > 0 {
						fmt.Fprintln(out)
					}
					fmt.Fprintf(out, "== attempt %d of %d (%s)\n", i+1, len(exs), exs[i].ID)
				}
				if _, err := io.WriteString(out, render.Exchange(&exs[i], render.Style{})); err != nil {
					return err
				}
			}
			return nil
		},
	}
}

func exactlyOneID(cmd *cobra.Command, args []string) error {
	if len(args) != 1 {
		return usageError("give one exchange or delivery id (see 'psbox deliveries' for ids), e.g. 'psbox deliveries %s ex_01jd3k' or 'psbox deliveries %s dlv_7Hq2'", cmd.Name(), cmd.Name())
	}
	return nil
}

func newDeliveriesReplayCmd(g *globals) *cobra.Command {
	var (
		to      string
		jsonOut bool
		config  delivery.Config
	)
	cmd := &cobra.Command{
		Use:   "replay ID",
		Short: "Send a recorded delivery's payload again, as a new delivery",
		Long: `Send the payload of a recorded delivery again: a new delivery id, a fresh
timestamp (and signature with --sign), recorded as a new exchange whose
replay_of names the original. It goes to the original target unless --to
says otherwise. Secrets were redacted when the payload was recorded (any
whsec_ value is sent as [redacted]); the original headers are not copied,
only the payload is: pass --header and --sign again for a receiver that
checks them.

` + delivery.Help + `

Exit code 1 when the replay is not answered with 2xx.`,
		Example: `  psbox deliveries replay ex_01jd3k
  psbox deliveries replay ex_01jd3k --to http://localhost:3000/webhooks --sign standard-webhooks --secret whsec_...`,
		Args: exactlyOneID,
		RunE: func(cmd *cobra.Command, args []string) error {
			if to != "" {
				if err := delivery.ValidateTarget(to); err != nil {
					return asUsage(err)
				}
			}
			if err := config.Validate(); err != nil {
				return asUsage(err)
			}
			if !stateExists(g) {
				return usageError("%s", noState(g))
			}
			s, err := startRecording(g, cmd.ErrOrStderr(), nil)
			if err != nil {
				return err
			}
			defer s.close()
			exs, err := lookupID(s.Store, args[0])
			if err != nil {
				return err
			}
			orig := exs[len(exs)-1] // a delivery's latest attempt; every attempt sends the same body
			d, err := delivery.Replay(&orig, to)
			if err != nil {
				return asUsage(err)
			}
			sender, err := config.NewSender(delivery.Options{
				UserAgent: "psbox/" + version,
				Wrap:      s.wrap(),
			})
			if err != nil {
				return asUsage(err)
			}
			defer sender.Close()
			res := sender.Send(cmd.Context(), d)
			if err := s.Flush(); err != nil {
				fmt.Fprintf(cmd.ErrOrStderr(), "psbox: warning: the replay was not saved to the log: %v\n", err)
			}
			recorded := ""
			if got := s.List(recorder.Filter{DeliveryID: res.DeliveryID, Limit: 1}); len(got) == 1 {
				recorded = ", recorded as " + got[0].ID
			}
			out := cmd.OutOrStdout()
			if jsonOut {
				// The shape of trigger --json (docs/json.md); replay_of names the original delivery.
				b, err := json.Marshal(res)
				if err != nil {
					return err
				}
				fmt.Fprintf(out, "%s\n", b)
				if !res.OK {
					return errSilent
				}
				return nil
			}
			if res.OK {
				fmt.Fprintf(out, "replayed %s to %s: %d in %s (delivery %s%s)\n", orig.ID, d.Target, res.Status, humanize.Latency(res.Latency), res.DeliveryID, recorded)
				return nil
			}
			fmt.Fprintf(out, "replay of %s to %s failed: %s (delivery %s%s)\n", orig.ID, d.Target, res.Err, res.DeliveryID, recorded)
			return errSilent
		},
	}
	cmd.Flags().StringVar(&to, "to", "", "send to this URL instead of the original target")
	cmd.Flags().BoolVar(&jsonOut, "json", false, "print the result as one JSON object, the shape of trigger --json (docs/json.md)")
	config.AddFlags(cmd.Flags())
	return cmd
}

func newDeliveriesExportCmd(g *globals) *cobra.Command {
	var (
		f           deliveriesFilter
		format, out string
	)
	cmd := &cobra.Command{
		Use:   "export --format har|jsonl [-o FILE]",
		Short: "Export recorded exchanges as HAR 1.2 or JSON Lines, oldest first",
		Long: `Export recorded exchanges, oldest first, redacted:
  har    HAR 1.2, opens in browser devtools and HTTP tools; psbox's own fields
         start with "_" (_id, _deliveryId, _event, _attempt, _error, _errorReason);
         an attempt that got no answer has response status 0 and _error.
  jsonl  one exchange per line, the log's own format.
With -o the file is written whole or not at all (temp file, fsync, rename).`,
		Example: `  psbox deliveries export --format har -o deliveries.har
  psbox deliveries export --format jsonl --failed --event application_created > failed.jsonl`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if !slices.Contains(recorder.ExportFormats, format) {
				if format == "" {
					return usageError("choose an export format: --format har or --format jsonl")
				}
				return usageError("unknown export format %q; use --format har or --format jsonl", format)
			}
			flt, err := f.filter(g)
			if err != nil {
				return err
			}
			s, err := openReader(g, cmd.ErrOrStderr())
			if err != nil {
				return err
			}
			defer s.Close()
			n := 0
			write := func(w io.Writer) (err error) {
				n, err = recorder.Export(w, s, flt, format, "psbox/"+version)
				return err
			}
			if out == "" || out == "-" {
				return write(cmd.OutOrStdout())
			}
			if err := atomicfile.Write(out, 0o600, write); err != nil {
				return usageError("cannot write %s: %v; check that its folder exists and is writable", out, err)
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "psbox: exported %d exchanges to %s\n", n, out)
			return nil
		},
	}
	f.add(cmd)
	cmd.Flags().StringVar(&format, "format", "", "har or jsonl (required)")
	cmd.Flags().StringVarP(&out, "output", "o", "", "write to this file instead of stdout (atomically)")
	return cmd
}
