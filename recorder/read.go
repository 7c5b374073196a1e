package recorder

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"slices"
	"strings"
)

// errStop ends a scan early from inside its callback.
var errStop = errors.New("stop")

// readSummary scans one line; ok is false (with a warning) when it is not
// a record.
func (s *Store) readSummary(path string, off int64, line []byte, sm *Summary) bool {
	if len(bytes.TrimSpace(line)) == 0 {
		return false
	}
	if err := recordSummary(line, sm); err != nil {
		skipped(s.logf, path, off, err)
		return false
	}
	return true
}

// recordSummary fills sm from one line, or says why the line is no record.
func recordSummary(line []byte, sm *Summary) error {
	*sm = Summary{}
	err := scanSummary(line, sm)
	if err == nil && sm.ID == "" {
		err = errors.New("the record has no id")
	}
	return err
}

// decode reads one record in full; ok is false (with a warning) when the
// line is not one.
func (s *Store) decode(path string, off int64, line []byte) (ex Exchange, ok bool) {
	if err := json.Unmarshal(line, &ex); err != nil {
		skipped(s.logf, path, off, err)
		return ex, false
	}
	return ex, true
}

// skipped is the warning every reader gives for a line it passes over.
func skipped(logf func(string, ...any), path string, off int64, err error) {
	logf("recorder: %s at byte %d: skipping an unreadable record: %v", path, off, err)
}

// List returns the exchanges f selects, newest first. It reads the log
// from its end and stops after f.Limit matches, so its cost is that of the
// records it passes, not of the log. "Newest" is the order the lines were
// written in; the result is sorted by ID.
func (s *Store) List(f Filter) []Exchange {
	var out []Exchange
	s.scanBack(f, func(path string, off int64, line []byte, _ *Summary) error {
		if ex, ok := s.decode(path, off, line); ok {
			out = append(out, ex)
		}
		return nil
	})
	slices.SortStableFunc(out, func(a, b Exchange) int { return strings.Compare(b.ID, a.ID) })
	return out
}

// FindDelivery returns every attempt of the one delivery whose id is
// prefix or starts with it, oldest first. When several deliveries match it
// returns no attempts and up to max of their ids (newest first), so a
// caller can tell "ambiguous" from "unknown" (no attempts, no ids). It
// reads the whole log from its end, holding only the attempts of the first
// delivery it meets.
func (s *Store) FindDelivery(prefix string, max int) (attempts []Exchange, ids []string) {
	if prefix == "" {
		return nil, nil
	}
	max = cmp.Or(max, 2)
	// Every kind: deliveries and audit deliveries carry delivery ids, API
	// calls none.
	s.scanBack(Filter{DeliveryPrefix: prefix}, func(path string, off int64, line []byte, sm *Summary) error {
		if !slices.Contains(ids, sm.DeliveryID) {
			ids = append(ids, sm.DeliveryID)
			if len(ids) > 1 {
				attempts = nil
				if len(ids) >= max {
					return errStop
				}
			}
		}
		if len(ids) > 1 {
			return nil
		}
		if ex, ok := s.decode(path, off, line); ok {
			attempts = append(attempts, ex)
		}
		return nil
	})
	if len(ids) > 1 {
		return nil, ids
	}
	slices.SortStableFunc(attempts, func(a, b Exchange) int { return strings.Compare(a.ID, b.ID) })
	return attempts, nil
}

// Summaries returns the summaries of the exchanges f selects, newest
// first, as List does but without decoding any exchange in full.
func (s *Store) Summaries(f Filter) []Summary {
	var out []Summary
	s.scanBack(f, func(_ string, _ int64, _ []byte, sm *Summary) error {
		out = append(out, *sm)
		return nil
	})
	slices.SortStableFunc(out, func(a, b Summary) int { return strings.Compare(b.ID, a.ID) })
	return out
}

// scanBack calls fn for each record f selects, newest file and line first,
// up to f.Limit of them.
func (s *Store) scanBack(f Filter, fn func(path string, off int64, line []byte, sm *Summary) error) {
	files, err := s.openFiles()
	if err != nil {
		s.logf("recorder: %v", err)
		return
	}
	defer closeFiles(files)
	n := 0
	var sm Summary
	for i := len(files) - 1; i >= 0; i-- {
		lf := files[i]
		err := scanBackward(lf.f, lf.end, func(off int64, line []byte) error {
			if !s.readSummary(lf.path, off, line, &sm) || !sm.matches(&f) {
				return nil
			}
			if err := fn(lf.path, off, line, &sm); err != nil {
				return err
			}
			if n++; f.Limit > 0 && n >= f.Limit {
				return errStop
			}
			return nil
		})
		if err == errStop {
			return
		}
		if err != nil {
			s.logf("recorder: reading %s: %v", lf.path, err)
		}
	}
}

// Scan calls fn with the raw line (the log's own format, redacted when it
// was recorded, without '\n') of each exchange f selects, oldest first,
// one at a time: memory stays that of one line whatever the size of the
// log. f.Limit is ignored. The line is only valid during the call; an
// error from fn ends the scan and is returned.
func (s *Store) Scan(f Filter, fn func(line []byte, sm *Summary) error) error {
	return s.scan(f, true, fn)
}

// scan is Scan; without summaries (and with a zero filter) each line is
// only checked to be shaped as a record, and fn gets a nil summary.
func (s *Store) scan(f Filter, summaries bool, fn func(line []byte, sm *Summary) error) error {
	files, err := s.openFiles()
	if err != nil {
		return err
	}
	defer closeFiles(files)
	f.Limit = 0
	summaries = summaries || f != Filter{}
	var sm Summary
	for _, lf := range files {
		err := scanForward(lf.f, 0, lf.end, func(off int64, line []byte) error {
			if !summaries {
				if !looksLikeRecord(line) {
					if len(bytes.TrimSpace(line)) > 0 {
						skipped(s.logf, lf.path, off, errSyntax)
					}
					return nil
				}
				return fn(line, nil)
			}
			if !s.readSummary(lf.path, off, line, &sm) || !sm.matches(&f) {
				return nil
			}
			return fn(line, &sm)
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// EachSummary calls fn with the summaries of the exchanges f selects,
// oldest first, in batches of up to n, until fn returns false. Memory is
// that of one batch; f.Limit is ignored.
func (s *Store) EachSummary(f Filter, n int, fn func([]Summary) bool) error {
	n = max(n, 1)
	batch := make([]Summary, 0, n)
	err := s.Scan(f, func(_ []byte, sm *Summary) error {
		batch = append(batch, *sm)
		if len(batch) == n {
			if !fn(batch) {
				return errStop
			}
			batch = batch[:0]
		}
		return nil
	})
	if err == errStop {
		return nil
	}
	if err == nil && len(batch) > 0 {
		fn(batch)
	}
	return err
}

// looksLikeRecord is the check a line passes when nothing of it is read:
// it is an object that starts with an ID, as the Store writes every line.
func looksLikeRecord(line []byte) bool {
	return bytes.HasPrefix(line, []byte(`{"id":"`)) && bytes.HasSuffix(line, []byte("}"))
}

// Len counts the exchanges in the log. It reads every summary: for tests
// and small logs.
func (s *Store) Len() int {
	n := 0
	s.Scan(Filter{}, func([]byte, *Summary) error { n++; return nil })
	return n
}
