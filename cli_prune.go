package main

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/psbox-dev/psbox/internal/humanize"
	"github.com/psbox-dev/psbox/recorder"
)

func newDeliveriesPruneCmd(g *globals) *cobra.Command {
	var (
		before string
		keep   int
	)
	cmd := &cobra.Command{
		Use:   "prune --before DURATION|TIME | --keep N",
		Short: "Remove old exchanges from the log (safe while psbox records)",
		Long: `Remove old exchanges from the delivery log and its rotated segments:
  --before DURATION|TIME   those that started before then: a duration back
                           from now (90m, 24h, 7d) or a time (2026-03-01,
                           2026-03-01T12:00:00Z)
  --keep N                 all but the newest N
With both, an exchange goes when either says so. Other psbox processes may
go on recording meanwhile: what they append is kept. Each file is replaced
whole (temp file, fsync, rename), so a crash mid-prune leaves it as it was
or as pruned, never half.`,
		Example: `  psbox deliveries prune --before 7d
  psbox deliveries prune --keep 100000`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			o := recorder.PruneOptions{Keep: keep, Logf: warnTo(cmd.ErrOrStderr())}
			if keep < 0 {
				return usageError("--keep must be 1 or more, not %d", keep)
			}
			if before != "" {
				t, err := humanize.ParseAgo(before, time.Now())
				if err != nil {
					return usageError("--before must be a duration back from now (90m, 24h, 7d) or a time (2026-03-01 or 2026-03-01T12:00:00Z), not %q", before)
				}
				o.Before = t
			}
			if o.Before.IsZero() && keep == 0 {
				return usageError("say what to remove: --before DURATION|TIME (e.g. --before 7d) or --keep N (e.g. --keep 10000)")
			}
			res, err := recorder.Prune(g.state, o)
			if err != nil {
				return fmt.Errorf("prune failed, the log is as it was: %w", err)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "removed %d exchanges, kept %d\n", res.Removed, res.Kept)
			return nil
		},
	}
	cmd.Flags().StringVar(&before, "before", "", "remove exchanges that started before this `DURATION|TIME` (7d, 24h, 2026-03-01)")
	cmd.Flags().IntVar(&keep, "keep", 0, "keep only the newest `N` exchanges")
	return cmd
}
