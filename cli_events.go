package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"text/tabwriter"

	"github.com/psbox-dev/psbox/fixtures"
	"github.com/spf13/cobra"
)

// editSetFlagHelp and editUnsetFlagHelp describe the payload edit flags; trigger
// uses the same syntax.
const (
	editSetFlagHelp = `change a field: PATH=VALUE, VALUE as JSON when it is valid JSON, else a string;
PATH is dotted with [N] array indexes (content.email, data.sub_ids[0] or data.sub_ids.0);
a path that does not exist is an error, prefix it with + to add a new field (+meta.campaign=spring)`
	editUnsetFlagHelp = "remove a field (applied after every --set)"
	editSeedFlagHelp  = "seed for keys, names and timestamps: the same seed gives the same bytes (default: a random seed)"
)

// newEventsCmd lists the catalog and prints the payload an event would carry.
func newEventsCmd(g *globals) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "events",
		Short: "List the PartnerStack events psbox can send",
		Long: `List every event in psbox's catalog: the 14 names PartnerStack has published
(confirmed) first, then likely V2 names PartnerStack has not published, which
psbox flags as guesses. V1 events are flat objects with an "event" field, as
PartnerStack documents them. The wire shape of V2 events is not documented:
psbox sends the confirmed V2 samples as PartnerStack shows them, and wraps
guessed V2 events in the {"event", "test", "data"} envelope of the one
captured real V2 delivery. That envelope is psbox's choice.`,
		Example: `  psbox events
  psbox events --json | jq -r 'select(.confirmed) | .name'
  psbox events show application_created --seed 7`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			cat, err := g.catalog()
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			if asJSON {
				enc := json.NewEncoder(out)
				for _, ev := range cat.Events() {
					if err := enc.Encode(ev); err != nil {
						return err
					}
				}
				return nil
			}
			tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "NAME\tGROUP\tGEN\tCONFIRMED\tDESCRIPTION")
			for _, ev := range cat.Events() {
				conf := "no"
				if ev.Confirmed {
					conf = "yes"
				}
				if ev.User {
					conf += " (yours)"
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", ev.Name, ev.Group, ev.Generation, conf, ev.Description)
			}
			return tw.Flush()
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "one JSON object per line")
	cmd.AddCommand(newEventsShowCmd(g), newEventsImportCmd(g))
	return cmd
}

func newEventsShowCmd(g *globals) *cobra.Command {
	var (
		seed   int64
		sets   []string
		unsets []string
	)
	cmd := &cobra.Command{
		Use:   "show NAME",
		Short: "Print the JSON payload an event would carry",
		Long: `Print the payload psbox would send for an event, pretty-printed, and nothing
else on stdout, so it pipes into jq or a file. For an event PartnerStack has
not published, a one-line note goes to stderr.

Keys, names, e-mails (on the reserved example.com/.org/.net domains) and
epoch-millisecond timestamps are made up from the seed: the same seed, edits
and event give the same bytes. Timestamps are a fixed 2025 base plus seeded
offsets, not the current time (psbox's choice, so output is reproducible).`,
		Example: `  psbox events show application_approved --seed 7
  psbox events show application_created --set content.email=jane@example.com
  psbox events show customer_updated --set +meta.campaign=spring --unset archived`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usageError("events show takes one event name, e.g. psbox events show application_created (see psbox events for the list)")
			}
			name := args[0]
			cat, err := g.catalog()
			if err != nil {
				return err
			}
			ev, ok := cat.Lookup(name)
			if !ok {
				return asUsage(cat.UnknownEventError(name))
			}
			edits, err := parseEditFlags(sets, unsets)
			if err != nil {
				return err
			}
			if !cmd.Flags().Changed("seed") {
				seed = fixtures.RandomSeed()
			}
			payload, err := cat.Build(name, seed, edits...)
			if err != nil {
				return asUsage(err)
			}
			var buf bytes.Buffer
			if err := json.Indent(&buf, payload, "", "  "); err != nil {
				return fmt.Errorf("event %s: %w", name, err)
			}
			buf.WriteByte('\n')
			if _, err := cmd.OutOrStdout().Write(buf.Bytes()); err != nil {
				return err
			}
			if !ev.Confirmed && !ev.User {
				fmt.Fprintf(cmd.ErrOrStderr(), "psbox: note: PartnerStack has not published %s; its name and payload are psbox's guess\n", name)
			}
			return nil
		},
	}
	cmd.Flags().Int64Var(&seed, "seed", 0, editSeedFlagHelp)
	cmd.Flags().StringArrayVar(&sets, "set", nil, editSetFlagHelp)
	cmd.Flags().StringArrayVar(&unsets, "unset", nil, editUnsetFlagHelp)
	return cmd
}

// parseEditFlags turns --set and --unset values into edits
// (fixtures.ParseEdits); errors are usage errors naming the argument.
func parseEditFlags(sets, unsets []string) ([]fixtures.Edit, error) {
	edits, err := fixtures.ParseEdits(sets, unsets)
	return edits, asUsage(err)
}
