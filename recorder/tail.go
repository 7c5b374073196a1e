package recorder

import "context"

// tailBatch bounds the records Tail holds at once, however fast the log
// grows.
const tailBatch = 1024

// Tail calls each for every record fl reads that flt selects, in log
// order, and flush after each batch, until ctx ends (then it returns nil)
// or each or flush fails (then that error). With lines, each gets the
// record's line as the log holds it (the --json shape, valid only during
// the call); without, line is nil and only the summary is read. Errors
// reading the log go to warn and the tail goes on.
func (fl *Follower) Tail(ctx context.Context, flt Filter, lines bool, warn func(error), each func(sm *Summary, line []byte) error, flush func() error) error {
	var (
		ferr error
		list []Summary
		err  error
	)
	for {
		n := 0
		if lines {
			n, err = fl.Records(tailBatch, func(line []byte, sm *Summary) {
				if ferr == nil && flt.Match(sm) {
					ferr = each(sm, line)
				}
			})
		} else {
			list, err = fl.Summaries(list[:0], tailBatch)
			n = len(list)
			for i := range list {
				if ferr == nil && flt.Match(&list[i]) {
					ferr = each(&list[i], nil)
				}
			}
		}
		if ferr == nil {
			ferr = flush()
		}
		if ferr != nil {
			return ferr
		}
		if err != nil {
			warn(err)
		}
		if n == tailBatch && ctx.Err() == nil {
			continue
		}
		if fl.Wait(ctx, 0) != nil {
			return nil
		}
	}
}
