package appendlog

import (
	"sync/atomic"
	"time"
)

// Syncer fsyncs a File in the background, at most once per interval, after
// each Kick: the lines written meanwhile share one fsync (group commit), so
// a line is on disk within about the interval plus one fsync, and a line
// after a quiet spell is fsynced at once. For a store that answers once a
// line is written and lets durability follow.
type Syncer struct {
	f        *File
	interval time.Duration
	failed   func(error)
	kick     chan struct{} // lines await fsync (capacity 1)
	stop     chan struct{}
	done     chan struct{}
	fsyncs   atomic.Uint64
}

// StartSyncer starts the background fsync of f. failed is called (from the
// Syncer's goroutine) with each fsync error; what was written stays due
// for the next fsync.
func StartSyncer(f *File, interval time.Duration, failed func(error)) *Syncer {
	s := &Syncer{f: f, interval: interval, failed: failed,
		kick: make(chan struct{}, 1), stop: make(chan struct{}), done: make(chan struct{})}
	go s.run()
	return s
}

// Kick says lines were written since the last fsync.
func (s *Syncer) Kick() {
	select {
	case s.kick <- struct{}{}:
	default: // the Syncer is already due to run
	}
}

// Stop fsyncs what was written since the last fsync and returns once the
// Syncer has ended.
func (s *Syncer) Stop() {
	close(s.stop)
	<-s.done
}

// Fsyncs is how many fsyncs the Syncer made, for tests and benchmarks.
func (s *Syncer) Fsyncs() uint64 { return s.fsyncs.Load() }

func (s *Syncer) run() {
	defer close(s.done)
	var last time.Time
	dirty := false
	timer := time.NewTimer(0)
	defer timer.Stop()
	for {
		stopping := false
		select {
		case <-s.kick:
			dirty = true
			if wait := s.interval - time.Since(last); wait > 0 {
				timer.Reset(wait)
				select {
				case <-timer.C:
				case <-s.stop:
					stopping = true
				}
			}
		case <-s.stop:
			stopping = true
		}
		select {
		case <-s.kick: // written while waiting: this fsync covers it
			dirty = true
		default:
		}
		if dirty {
			last = time.Now()
			s.fsyncs.Add(1)
			if err := s.f.Sync(); err != nil {
				s.failed(err)
			} else {
				dirty = false
			}
		}
		if stopping {
			return
		}
	}
}
