package receiver

import (
	"bufio"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// FullPerSecond is how many deliveries a second the receiver prints in
// full; past that it counts them and prints one line for the rest of the
// second, so a load test is not slowed by its own receiver's output.
const FullPerSecond = 20

// flushEvery is how long printed entries may wait in the buffer.
const flushEvery = 100 * time.Millisecond

// printer is the receiver's output: buffered (flushed every flushEvery),
// and coalesced when deliveries come faster than a person reads.
type printer struct {
	quiet bool

	mu      sync.Mutex
	w       *bufio.Writer
	window  time.Time      // start of the current second
	full    int            // entries printed in full in this second
	more    map[string]int // events counted, not printed, in this second
	moreN   int
	total   atomic.Int64
	dirty   bool
	stop    chan struct{}
	stopped chan struct{}
	closed  bool
}

func newPrinter(out io.Writer, quiet bool) *printer {
	p := &printer{quiet: quiet, w: bufio.NewWriterSize(out, 64<<10), more: map[string]int{},
		stop: make(chan struct{}), stopped: make(chan struct{})}
	if quiet {
		close(p.stopped)
		return p
	}
	go p.flusher()
	return p
}

// admit counts a delivery and says whether to print it in full; when not,
// event (from the header, "" if none) is counted for the summary line.
func (p *printer) admit(now time.Time, event string) bool {
	p.total.Add(1)
	if p.quiet {
		return false
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if now.Sub(p.window) >= time.Second {
		p.summaryLocked()
		p.window, p.full = now.Truncate(time.Second), 0
	}
	if p.full < FullPerSecond {
		p.full++
		return true
	}
	if event == "" {
		event = "(event not named)"
	}
	p.more[event]++
	p.moreN++
	return false
}

func (p *printer) print(entry string) {
	if p.quiet {
		return
	}
	p.mu.Lock()
	p.w.WriteString(entry)
	p.dirty = true
	p.mu.Unlock()
}

// summaryLocked writes the line for the deliveries of the past second
// that were counted, not printed.
func (p *printer) summaryLocked() {
	if p.moreN == 0 {
		return
	}
	names := make([]string, 0, len(p.more))
	for e := range p.more {
		names = append(names, e)
	}
	slices.SortFunc(names, func(a, b string) int { return p.more[b] - p.more[a] })
	var parts []string
	for i, e := range names {
		if i == 5 {
			parts = append(parts, fmt.Sprintf("%d other events", len(names)-5))
			break
		}
		parts = append(parts, fmt.Sprintf("%s %d", e, p.more[e]))
	}
	fmt.Fprintf(p.w, "%s  ... and %d more deliveries in this second, not shown (%s)\n",
		p.window.Format("15:04:05.000"), p.moreN, strings.Join(parts, ", "))
	clear(p.more)
	p.moreN = 0
	p.dirty = true
}

func (p *printer) flusher() {
	defer close(p.stopped)
	t := time.NewTicker(flushEvery)
	defer t.Stop()
	for {
		select {
		case <-p.stop:
			return
		case now := <-t.C:
			p.mu.Lock()
			if now.Sub(p.window) >= time.Second {
				p.summaryLocked()
			}
			if p.dirty {
				p.w.Flush()
				p.dirty = false
			}
			p.mu.Unlock()
		}
	}
}

// close writes what is left and stops the flusher; it returns how many
// deliveries came.
func (p *printer) close() int {
	p.mu.Lock()
	if !p.closed {
		p.closed = true
		close(p.stop)
	}
	p.mu.Unlock()
	<-p.stopped
	p.mu.Lock()
	defer p.mu.Unlock()
	p.summaryLocked()
	p.w.Flush()
	return int(p.total.Load())
}
