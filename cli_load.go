package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"runtime/debug"
	"runtime/pprof"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/psbox-dev/psbox/internal/histogram"
	"github.com/psbox-dev/psbox/internal/humanize"
	"github.com/psbox-dev/psbox/mock/delivery"
	"github.com/psbox-dev/psbox/recorder"
)

// triggerJob is one delivery to make.
type triggerJob struct {
	event  string
	target string
	body   []byte
}

// deliverAll runs total jobs, job i being round[i%len(round)], on a pool
// of o.concurrency workers (job i starts no earlier than i/o.rate seconds
// in when a rate is set), prints each result and a summary, and returns a
// check failure when any delivery failed. Workers take jobs by an atomic index and report under the
// printer's lock: no hand-off goroutine sits between a job and its result.
func deliverAll(ctx context.Context, sender *delivery.Sender, round []triggerJob, p *triggerPrinter) error {
	o, total := p.o, p.total-p.dups // jobs; each duplicate is a second send of one
	if o.cpuProfile != "" {
		f, err := os.Create(o.cpuProfile)
		if err != nil {
			return usageError("--cpuprofile: %v", err)
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return usageError("--cpuprofile: %v", err)
		}
		defer pprof.StopCPUProfile()
	}
	if total > 1 && os.Getenv("GOGC") == "" {
		// A run's heap is a few MB of short-lived request garbage; at the
		// default GOGC the collector runs every ~2 MB allocated (about 50
		// times for 20,000 deliveries), each time pausing every worker.
		// 400 runs it about a fifth as often for a peak heap of tens of MB.
		defer debug.SetGCPercent(debug.SetGCPercent(400))
	}
	start := time.Now()
	var interval time.Duration
	if o.rate > 0 {
		interval = time.Duration(float64(time.Second) / o.rate)
	}
	var next atomic.Int64
	var workers sync.WaitGroup
	for range min(o.concurrency, total) {
		workers.Go(func() {
			// A context per worker: each attempt's deadline context then
			// registers with its own worker's, not with one shared parent
			// that all workers would contend on.
			ctx, cancel := context.WithCancel(ctx)
			defer cancel()
			var line []byte                  // this worker's line buffer, reused
			order, orderOf := []int(nil), -1 // the round this worker is in, in --shuffle's order
			for ctx.Err() == nil {
				i := int(next.Add(1) - 1)
				if i >= total {
					return
				}
				if interval > 0 {
					if !sleepUntil(ctx, start, startOffset(i, interval)) {
						return
					}
				}
				k := i % len(round)
				if o.faults.Shuffle {
					if r := i / len(round); r != orderOf {
						order, orderOf = o.faults.Order(r, len(round)), r
					}
					k = order[k]
				}
				j := round[k]
				if w := o.faults.Wait(i); w > 0 && !sleepUntil(ctx, time.Now(), w) {
					return
				}
				d := delivery.Delivery{Event: j.event, Target: j.target, Body: j.body}
				sends := 1
				if o.faults.Duplicate(i) {
					// The copy is byte for byte the same delivery.
					d.ID, d.SignedAt, sends = delivery.NewDeliveryID(), time.Now(), 2
				}
				for range sends {
					r := sender.Send(ctx, d)
					if ctx.Err() != nil && !r.OK {
						p.cut() // cut short by Ctrl-C: neither delivered nor failed
						return
					}
					line = p.add(r, line)
				}
			}
		})
	}
	stopProgress := make(chan struct{})
	var progress sync.WaitGroup
	if p.progress {
		progress.Go(func() {
			t := time.NewTicker(200 * time.Millisecond)
			defer t.Stop()
			for {
				select {
				case <-stopProgress:
					return
				case <-t.C:
					p.showProgress(time.Since(start))
				}
			}
		})
	}
	workers.Wait()
	close(stopProgress)
	progress.Wait()
	return p.finish(time.Since(start), ctx.Err() != nil)
}

// startOffset is when job i starts at one job per interval, saturating
// instead of overflowing (a slow rate over many jobs: it waits "forever").
func startOffset(i int, interval time.Duration) time.Duration {
	if i > 0 && interval > math.MaxInt64/time.Duration(i) {
		return math.MaxInt64
	}
	return time.Duration(i) * interval
}

// sleepUntil waits until offset after start; false when ctx ended first.
func sleepUntil(ctx context.Context, start time.Time, offset time.Duration) bool {
	d := offset - time.Since(start)
	if d <= 0 {
		return ctx.Err() == nil
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-timer.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// triggerPrinter writes delivery lines and the summary. Workers call add
// concurrently.
type triggerPrinter struct {
	o        *triggerOptions
	stderr   io.Writer
	total    int  // deliveries to send, duplicates included
	dups     int  // how many of them are --duplicates copies
	all      bool // print every delivery, not only failures
	progress bool // a progress line on stderr

	mu      sync.Mutex
	out     *bufio.Writer
	ok      int
	failed  int
	cutOff  int                 // deliveries in flight when Ctrl-C came
	first   delivery.Result     // the first failure, without its response
	latency histogram.Histogram // fixed size, whatever the count
	reasons map[string]int
}

func newTriggerPrinter(o *triggerOptions, stdout, stderr io.Writer, total int) *triggerPrinter {
	return &triggerPrinter{
		o:        o,
		out:      bufio.NewWriterSize(stdout, 64<<10),
		stderr:   stderr,
		total:    total,
		all:      !o.quiet && (o.jsonOut || o.count == 1 || !isTerminal(stdout)),
		progress: !o.quiet && o.count > 1 && isTerminal(stderr),
		reasons:  map[string]int{},
	}
}

// add counts r and prints its line when one is due. buf is the calling
// worker's line buffer; add returns it (grown) for the next call.
func (p *triggerPrinter) add(r delivery.Result, buf []byte) []byte {
	// Format outside the lock: workers only queue on the counters and the
	// buffered write.
	var line []byte
	if p.all || !r.OK {
		r = r.Redacted(p.o.redact) // what may be printed, and the first failure kept below
	}
	if p.all || (!r.OK && !p.o.quiet) {
		if p.o.jsonOut {
			b, _ := json.Marshal(r)
			line = fmt.Appendf(b[:len(b)-1], ",\"seed\":%d}\n", p.o.seed)
		} else {
			buf = appendDeliveryLine(buf[:0], r)
			line = buf
		}
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.latency.Add(r.Latency)
	if r.OK {
		p.ok++
	} else {
		if p.failed == 0 {
			p.first = r
			p.first.ResponseBody, p.first.ResponseHeaders = nil, nil
		}
		p.failed++
		p.reasons[r.Reason]++
	}
	if line == nil {
		return buf
	}
	if p.progress {
		p.clearProgress()
	}
	p.out.Write(line)
	if p.progress {
		p.out.Flush()
	}
	return buf
}

// deliveryLine is one delivery for people: event, target, outcome, latency,
// attempts, delivery id. It is built by appending: at tens of thousands of
// lines a second, fmt's cost shows.
func deliveryLine(r delivery.Result) []byte {
	return appendDeliveryLine(make([]byte, 0, 64+len(r.Event)+len(r.Target)+len(r.Err)), r)
}

// appendDeliveryLine appends deliveryLine(r) to b.
func appendDeliveryLine(b []byte, r delivery.Result) []byte {
	b = append(b, r.Event...)
	b = append(b, "  "...)
	b = append(b, r.Target...)
	b = append(b, "  "...)
	switch {
	case r.OK:
		b = strconv.AppendInt(b, int64(r.Status), 10)
	case r.Reason == recorder.ReasonStatus || r.Reason == recorder.ReasonRedirect:
		b = append(b, "failed: "...)
		b = strconv.AppendInt(b, int64(r.Status), 10)
		b = append(b, " ("...)
		b = append(b, r.Reason...)
		b = append(b, ')')
	default:
		b = append(b, "failed: "...)
		b = append(b, r.Reason...)
		b = append(b, " ("...)
		b = append(b, r.Err...)
		b = append(b, ')')
	}
	b = append(b, "  "...)
	if d := r.Latency; d > 0 && d < time.Second {
		b = strconv.AppendFloat(b, float64(d)/float64(time.Millisecond), 'f', 1, 64)
		b = append(b, "ms"...)
	} else {
		b = append(b, humanize.Latency(d)...)
	}
	b = append(b, "  "...)
	b = strconv.AppendInt(b, int64(r.Attempts), 10)
	if r.Attempts == 1 {
		b = append(b, " attempt  "...)
	} else {
		b = append(b, " attempts  "...)
	}
	b = append(b, r.DeliveryID...)
	return append(b, '\n')
}

// cut counts a delivery that Ctrl-C cut short.
func (p *triggerPrinter) cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.cutOff++
}

// attemptFunc prints each attempt that will be retried as it happens, on
// stderr: its outcome and the wait before the next one. Nil (nothing
// printed) without retries, with --quiet and with --json.
func (p *triggerPrinter) attemptFunc() func(delivery.Attempt) {
	if p.o.quiet || p.o.jsonOut || p.o.delivery.Retries == 0 {
		return nil
	}
	return func(a delivery.Attempt) {
		line := attemptLine(a)
		p.mu.Lock()
		defer p.mu.Unlock()
		if p.progress {
			p.clearProgress()
		}
		io.WriteString(p.stderr, line)
	}
}

// attemptLine is one retried attempt for people.
func attemptLine(a delivery.Attempt) string {
	what := strconv.Itoa(a.Status)
	if a.Status == 0 || (a.Reason != "" && a.Reason != recorder.ReasonStatus) {
		what = a.Reason
		if a.Err != "" {
			what += " (" + a.Err + ")"
		}
	}
	return fmt.Sprintf("%s  %s  attempt %d: %s in %s; retrying in %s  %s\n", a.Event, a.Target, a.N, what, humanize.Latency(a.Latency), a.Wait, a.DeliveryID)
}

func (p *triggerPrinter) showProgress(elapsed time.Duration) {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := p.ok + p.failed
	rate := float64(n) / elapsed.Seconds()
	fmt.Fprintf(p.stderr, "\r\033[K%d/%d sent, %d failed, %.0f/s", n, p.total, p.failed, rate)
}

func (p *triggerPrinter) clearProgress() { fmt.Fprint(p.stderr, "\r\033[K") }

func (p *triggerPrinter) finish(elapsed time.Duration, interrupted bool) error {
	if p.progress {
		p.clearProgress()
	}
	n := p.ok + p.failed
	// In --json mode stdout carries only delivery objects; the summary goes
	// to stderr.
	sum := io.Writer(p.out)
	if p.o.jsonOut {
		p.out.Flush()
		sum = p.stderr
	}
	fmt.Fprintf(sum, "%d %s: %d delivered, %d failed (seed %d; repeat with --seed %d)\n",
		n, plural(n, "delivery", "deliveries"), p.ok, p.failed, p.o.seed, p.o.seed)
	if p.o.count > 1 && n > 0 {
		h := &p.latency
		fmt.Fprintf(sum, "latency p50 %s  p90 %s  p99 %s  max %s; %.0f events/s over %s\n",
			humanize.Latency(h.Percentile(50)), humanize.Latency(h.Percentile(90)), humanize.Latency(h.Percentile(99)), humanize.Latency(h.Max()),
			float64(n)/elapsed.Seconds(), elapsed.Round(time.Millisecond))
		if len(p.reasons) > 0 {
			var parts []string
			for r, c := range p.reasons {
				parts = append(parts, fmt.Sprintf("%s %d", r, c))
			}
			sort.Strings(parts)
			fmt.Fprintf(sum, "errors by reason: %s\n", strings.Join(parts, ", "))
		}
	}
	p.out.Flush()
	switch {
	case interrupted:
		cut := ""
		if p.cutOff > 0 {
			cut = fmt.Sprintf("; %d in flight %s cancelled, not counted as failed", p.cutOff, plural(p.cutOff, "was", "were"))
		}
		return &exitError{code: exitInterrupted, err: fmt.Errorf("interrupted: %d of %d deliveries made%s", n, p.total, cut)}
	case p.failed > 0:
		f := p.first
		why := f.Err
		if why == "" {
			why = f.Reason
		}
		return checkFailed("%d of %d %s failed; the first, %s to %s: %s", p.failed, n, plural(n, "delivery", "deliveries"), f.Event, f.Target, why)
	}
	return nil
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
