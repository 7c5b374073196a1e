// Package load is the load runner behind psbox trigger: it sends Count
// rounds of deliveries through a delivery.Sender on a pool of workers, at
// most Rate started per second, with the faults of delivery.Faults, and
// prints each result, a progress line and a summary with latency
// percentiles through a Printer.
package load

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

// Bounds of a run: at most MaxDeliveries in all (Count x len(Round)),
// started at MinRate to MaxRate per second when Rate is set. Beyond them
// an interval or a job index would overflow.
const (
	MaxDeliveries = 1_000_000_000
	MinRate       = 0.001
	MaxRate       = 1_000_000
)

// A Job is one load run: Count rounds, a round being every delivery of
// Round (each event to each of its targets, in order).
type Job struct {
	Sender      *delivery.Sender
	Round       []delivery.Delivery // Event, Target and Body of each; the sender gives each send its id
	Count       int                 // rounds
	Concurrency int                 // deliveries in flight at once
	Rate        float64             // deliveries started per second; 0: no limit
	Faults      delivery.Faults     // duplicates, shuffle, jitter (seeded)
	CPUProfile  string              // write a CPU profile of the run to this file ("": none)
}

// Total is how many deliveries j makes, duplicates included.
func (j Job) Total() int {
	n := j.Count * len(j.Round)
	return n + j.Faults.DuplicatesIn(n)
}

// Run makes j's deliveries and prints them through p, then the summary.
// Job i is Round[i%len(Round)] (no slice of Count*len(Round) jobs for the
// garbage collector to scan over and over) and starts no earlier than
// i/Rate seconds in when a rate is set. Workers take jobs by an atomic
// index and report under the printer's lock: no hand-off goroutine sits
// between a job and its result. The error is only for CPUProfile; what the
// deliveries did is in the Summary.
func Run(ctx context.Context, j Job, p *Printer) (Summary, error) {
	round := j.Round
	total := j.Count * len(round) // jobs; each duplicate is a second send of one
	p.total = j.Total()
	if j.CPUProfile != "" {
		f, err := os.Create(j.CPUProfile)
		if err != nil {
			return Summary{}, err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return Summary{}, err
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
	if j.Rate > 0 {
		interval = time.Duration(float64(time.Second) / j.Rate)
	}
	var next atomic.Int64
	var workers sync.WaitGroup
	for range min(j.Concurrency, total) {
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
				if j.Faults.Shuffle {
					if r := i / len(round); r != orderOf {
						order, orderOf = j.Faults.Order(r, len(round)), r
					}
					k = order[k]
				}
				d := round[k]
				if w := j.Faults.Wait(i); w > 0 && !sleepUntil(ctx, time.Now(), w) {
					return
				}
				sends := 1
				if j.Faults.Duplicate(i) {
					// The copy is byte for byte the same delivery.
					d.ID, d.SignedAt, sends = delivery.NewDeliveryID(), time.Now(), 2
				}
				for range sends {
					r := j.Sender.Send(ctx, d)
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
	if p.o.Progress {
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
	return p.finish(time.Since(start), ctx.Err() != nil), nil
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

// PrintOptions say what a Printer prints and where.
type PrintOptions struct {
	Out, Err io.Writer // delivery lines and the summary; progress, attempts (and the summary with JSON)
	All      bool      // a line for every delivery, not only the failures
	Progress bool      // a progress line on Err (a terminal)
	JSON     bool      // delivery lines as JSON objects; the summary then goes to Err
	Quiet    bool      // only the summary
	Attempts bool      // print each attempt that will be retried (AttemptFunc)
	Stats    bool      // latency percentiles, events/s and errors by reason in the summary
	Seed     int64     // the payload seed, in each JSON line and the summary
	Redact   []string  // more secret header names to redact in what is printed
}

// A Printer writes delivery lines and the summary. Workers call add
// concurrently.
type Printer struct {
	o     PrintOptions
	total int // deliveries to send, duplicates included (set by Run)

	mu      sync.Mutex
	out     *bufio.Writer
	ok      int
	failed  int
	cutOff  int                 // deliveries in flight when Ctrl-C came
	first   delivery.Result     // the first failure, without its response
	latency histogram.Histogram // fixed size, whatever the count
	reasons map[string]int
}

// NewPrinter makes a printer; it buffers Out, which Run flushes.
func NewPrinter(o PrintOptions) *Printer {
	return &Printer{
		o:       o,
		out:     bufio.NewWriterSize(o.Out, 64<<10),
		reasons: map[string]int{},
	}
}

// add counts r and prints its line when one is due. buf is the calling
// worker's line buffer; add returns it (grown) for the next call.
func (p *Printer) add(r delivery.Result, buf []byte) []byte {
	// Format outside the lock: workers only queue on the counters and the
	// buffered write.
	var line []byte
	if p.o.All || !r.OK {
		r = r.Redacted(p.o.Redact) // what may be printed, and the first failure kept below
	}
	if p.o.All || (!r.OK && !p.o.Quiet) {
		if p.o.JSON {
			b, _ := json.Marshal(r)
			line = fmt.Appendf(b[:len(b)-1], ",\"seed\":%d}\n", p.o.Seed)
		} else {
			buf = AppendDeliveryLine(buf[:0], r)
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
	if p.o.Progress {
		p.clearProgress()
	}
	p.out.Write(line)
	if p.o.Progress {
		p.out.Flush()
	}
	return buf
}

// DeliveryLine is one delivery for people: event, target, outcome, latency,
// attempts, delivery id. It is built by appending: at tens of thousands of
// lines a second, fmt's cost shows.
func DeliveryLine(r delivery.Result) []byte {
	return AppendDeliveryLine(make([]byte, 0, 64+len(r.Event)+len(r.Target)+len(r.Err)), r)
}

// AppendDeliveryLine appends DeliveryLine(r) to b.
func AppendDeliveryLine(b []byte, r delivery.Result) []byte {
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
	b = humanize.AppendLatency(b, r.Latency)
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
func (p *Printer) cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.cutOff++
}

// AttemptFunc is the sender's OnAttempt: it prints each attempt that will
// be retried as it happens, on Err: its outcome and the wait before the
// next one. Nil (nothing printed) without Attempts, with Quiet and with
// JSON.
func (p *Printer) AttemptFunc() func(delivery.Attempt) {
	if p.o.Quiet || p.o.JSON || !p.o.Attempts {
		return nil
	}
	return func(a delivery.Attempt) {
		line := AttemptLine(a)
		p.mu.Lock()
		defer p.mu.Unlock()
		if p.o.Progress {
			p.clearProgress()
		}
		io.WriteString(p.o.Err, line)
	}
}

// AttemptLine is one retried attempt for people.
func AttemptLine(a delivery.Attempt) string {
	what := strconv.Itoa(a.Status)
	if a.Status == 0 || (a.Reason != "" && a.Reason != recorder.ReasonStatus) {
		what = a.Reason
		if a.Err != "" {
			what += " (" + a.Err + ")"
		}
	}
	return fmt.Sprintf("%s  %s  attempt %d: %s in %s; retrying in %s  %s\n", a.Event, a.Target, a.N, what, humanize.Latency(a.Latency), a.Wait, a.DeliveryID)
}

func (p *Printer) showProgress(elapsed time.Duration) {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := p.ok + p.failed
	rate := float64(n) / elapsed.Seconds()
	fmt.Fprintf(p.o.Err, "\r\033[K%d/%d sent, %d failed, %.0f/s", n, p.total, p.failed, rate)
}

func (p *Printer) clearProgress() { fmt.Fprint(p.o.Err, "\r\033[K") }

// A Summary is what a run did.
type Summary struct {
	Total       int             // deliveries to make, duplicates included
	OK, Failed  int             // made, with a 2xx or not
	Cut         int             // in flight when the run was interrupted: neither
	Interrupted bool            // the context ended before every delivery was made
	First       delivery.Result // the first failure (without its response)
}

// Problem says in one sentence why the run did not succeed: interrupted,
// or how many failed and why the first did; "" when every delivery got a
// 2xx.
func (s Summary) Problem() string {
	n := s.OK + s.Failed
	switch {
	case s.Interrupted:
		cut := ""
		if s.Cut > 0 {
			cut = fmt.Sprintf("; %d in flight %s cancelled, not counted as failed", s.Cut, humanize.Plural(s.Cut, "was", "were"))
		}
		return fmt.Sprintf("interrupted: %d of %d deliveries made%s", n, s.Total, cut)
	case s.Failed > 0:
		f := s.First
		why := f.Err
		if why == "" {
			why = f.Reason
		}
		return fmt.Sprintf("%d of %d %s failed; the first, %s to %s: %s", s.Failed, n, humanize.Plural(n, "delivery", "deliveries"), f.Event, f.Target, why)
	}
	return ""
}

func (p *Printer) finish(elapsed time.Duration, interrupted bool) Summary {
	if p.o.Progress {
		p.clearProgress()
	}
	n := p.ok + p.failed
	// In JSON mode Out carries only delivery objects; the summary goes to
	// Err.
	sum := io.Writer(p.out)
	if p.o.JSON {
		p.out.Flush()
		sum = p.o.Err
	}
	fmt.Fprintf(sum, "%d %s: %d delivered, %d failed (seed %d; repeat with --seed %d)\n",
		n, humanize.Plural(n, "delivery", "deliveries"), p.ok, p.failed, p.o.Seed, p.o.Seed)
	if p.o.Stats && n > 0 {
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
	return Summary{Total: p.total, OK: p.ok, Failed: p.failed, Cut: p.cutOff, Interrupted: interrupted, First: p.first}
}
