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
	fl, err := recorder.Follow(g.state, true, warnTo(stderr))
	if err != nil {
		return usageError("%v; pass --state with the folder psbox records in", err)
	}
	defer fl.Close()
	if !jsonOut {
		fmt.Fprintf(stderr, "psbox: following %s/%s; Ctrl-C stops\n", g.state, recorder.FileName)
	}
	bw := bufio.NewWriter(out)
	err = fl.Tail(ctx, flt, jsonOut, func(err error) { fmt.Fprintf(stderr, "psbox: warning: %v\n", err) },
		func(sm *recorder.Summary, line []byte) error {
			if line == nil {
				_, err := bw.WriteString(followLine(sm) + "\n")
				return err
			}
			// The log's lines are the --json shape: each is copied, not
			// decoded and encoded again.
			if _, err := bw.Write(line); err != nil {
				return err
			}
			return bw.WriteByte('\n')
		}, bw.Flush)
	if err != nil {
		return fmt.Errorf("cannot write the followed exchanges: %v", err)
	}
	return nil
}

// followLine is one exchange on one line: time, id, event, target,
// result, latency and attempt, the columns of 'psbox deliveries'.
func followLine(sm *recorder.Summary) string {
	event, target := render.EventTarget(sm)
	return fmt.Sprintf("%s  %s  %-24s %-40s %-8s %8s  %s", sm.Start.Local().Format(time.TimeOnly), sm.ID,
		event, target, render.Result(sm.Status, sm.ErrorReason), humanize.Latency(sm.Duration), render.Attempt(sm))
}
