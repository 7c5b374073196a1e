package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"time"

	"github.com/psbox-dev/psbox/internal/humanize"
	"github.com/psbox-dev/psbox/recorder"
	"github.com/psbox-dev/psbox/recorder/render"
)

// followDeliveries prints each exchange appended to the log from now on
// that flt selects, one line each (or the log's own JSON with jsonOut),
// until ctx ends (Ctrl-C), which is a normal end.
func followDeliveries(ctx context.Context, g *globals, flt recorder.Filter, jsonOut bool, out, stderr io.Writer) error {
	fl, err := recorder.Follow(g.state, true, func(format string, args ...any) {
		fmt.Fprintf(stderr, "psbox: warning: "+format+"\n", args...)
	})
	if err != nil {
		return usageError("%v; pass --state with the folder psbox records in", err)
	}
	defer fl.Close()
	if !jsonOut {
		fmt.Fprintf(stderr, "psbox: following %s/%s; Ctrl-C stops\n", g.state, recorder.FileName)
	}
	const batch = 1024 // summaries held at once, however fast the log grows
	var (
		werr error
		list []recorder.Summary
		bw   = bufio.NewWriter(out)
	)
	for {
		more := false
		if jsonOut {
			// The log's lines are the --json shape: each is copied, not
			// decoded and encoded again.
			var n int
			n, err = fl.Records(batch, func(line []byte, sm *recorder.Summary) {
				if werr == nil && flt.Match(sm) {
					if _, werr = bw.Write(line); werr == nil {
						werr = bw.WriteByte('\n')
					}
				}
			})
			more = n == batch
			if werr == nil {
				werr = bw.Flush()
			}
		} else {
			// The table's columns need only the summary: no body is decoded.
			list, err = fl.Summaries(list[:0], batch)
			more = len(list) == batch
			for i := range list {
				if werr == nil && flt.Match(&list[i]) {
					_, werr = io.WriteString(out, followLine(&list[i])+"\n")
				}
			}
		}
		if werr != nil {
			return fmt.Errorf("cannot write the followed exchanges: %v", werr)
		}
		if err != nil {
			fmt.Fprintf(stderr, "psbox: warning: %v\n", err)
		}
		if more && ctx.Err() == nil {
			continue
		}
		if fl.Wait(ctx, 0) != nil {
			return nil
		}
	}
}

// followLine is one exchange on one line: time, id, event, target,
// result, latency and attempt, the columns of 'psbox deliveries'.
func followLine(sm *recorder.Summary) string {
	event, target := render.EventTarget(sm)
	return fmt.Sprintf("%s  %s  %-24s %-40s %-8s %8s  %s", sm.Start.Local().Format(time.TimeOnly), sm.ID,
		event, target, render.Result(sm.Status, sm.ErrorReason), humanize.Latency(sm.Duration), render.Attempt(sm))
}
