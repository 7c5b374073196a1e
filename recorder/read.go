package recorder

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// Summary is the part of an exchange a list shows: what the loader reads
// of each line without decoding headers or bodies.
type Summary struct {
	ID          string
	Kind        Kind
	DeliveryID  string
	Event       string
	Attempt     int
	ReplayOf    string
	Target      string
	ErrorReason string
	Method      string // the request's, read for mock API calls only
	Start       time.Time
	Duration    time.Duration
	Status      int // 0 when no answer came
}

// Failed reports whether the exchange did not end in a 2xx answer.
func (s *Summary) Failed() bool {
	return s.ErrorReason != "" || s.Status < 200 || s.Status > 299
}

// SummaryOf is the summary of ex.
func SummaryOf(ex *Exchange) Summary {
	sm := Summary{ID: ex.ID, Kind: ex.Kind, DeliveryID: ex.DeliveryID, Event: ex.Event, Attempt: ex.Attempt,
		ReplayOf: ex.ReplayOf, Target: ex.Target, ErrorReason: ex.ErrorReason, Start: ex.Start,
		Duration: ex.Duration, Status: ex.Status()}
	if ex.Kind == KindAPI {
		sm.Method = ex.Request.Method
	}
	return sm
}

func (s *Summary) matches(f *Filter) bool {
	return (f.Event == "" || s.Event == f.Event) &&
		(!f.Failed || s.Failed()) &&
		(f.Kind == "" || s.Kind == f.Kind) &&
		(f.DeliveryID == "" || s.DeliveryID == f.DeliveryID) &&
		(f.DeliveryPrefix == "" || strings.HasPrefix(s.DeliveryID, f.DeliveryPrefix))
}

// errStop ends a scan early from inside its callback.
var errStop = errors.New("stop")

// logFile is one file of the log, open for reading, up to the end of its
// last whole line when it was opened.
type logFile struct {
	path string
	f    *os.File
	end  int64
}

// openFiles opens every file of the log, oldest first. A torn last line
// (a crash mid-write, or a write still going on) is left out with a warning.
func (s *Store) openFiles() ([]logFile, error) {
	s.flushPending()
	paths, err := LogFiles(s.dir)
	if err != nil {
		return nil, err
	}
	var out []logFile
	for _, p := range paths {
		f, err := os.Open(p)
		if err != nil {
			if errors.Is(err, os.ErrNotExist) {
				continue // rotated or pruned meanwhile
			}
			closeFiles(out)
			return nil, fmt.Errorf("cannot open the delivery log %s: %w", p, unwrapPath(err))
		}
		fi, err := f.Stat()
		if err != nil {
			f.Close()
			closeFiles(out)
			return nil, err
		}
		end, err := wholeEnd(f, fi.Size())
		if err != nil {
			f.Close()
			closeFiles(out)
			return nil, err
		}
		if end < fi.Size() {
			s.logf("recorder: %s: skipping a torn last record (%d bytes at byte %d, cut off mid-write, likely by a crash); the next psbox command that records cuts it off and keeps it in %s",
				p, fi.Size()-end, end, filepath.Join(s.dir, TornFileName))
		}
		out = append(out, logFile{path: p, f: f, end: end})
	}
	return out, nil
}

func closeFiles(fs []logFile) {
	for _, f := range fs {
		f.f.Close()
	}
}

// lineFunc receives one line (without '\n') and where it starts; the line
// is only valid during the call.
type lineFunc func(off int64, line []byte) error

// scanForward calls fn for each line of f in [start, end), oldest first;
// end is the end of a whole line.
func scanForward(f io.ReaderAt, start, end int64, fn lineFunc) error {
	buf := make([]byte, min(1<<20, max(end-start, 1)))
	pos, n := start, 0 // buf[:n] holds the file from pos
	for pos < end {
		if want := int(min(int64(len(buf)), end-pos)); n < want {
			m, err := f.ReadAt(buf[n:want], pos+int64(n))
			n += m
			if err != nil && err != io.EOF {
				return err
			}
			if m == 0 {
				return nil // the file shrank under us
			}
		}
		i := 0
		for {
			j := bytes.IndexByte(buf[i:n], '\n')
			if j < 0 {
				break
			}
			if err := fn(pos+int64(i), buf[i:i+j]); err != nil {
				return err
			}
			i += j + 1
		}
		if i == 0 {
			if n < len(buf) {
				continue // read more
			}
			buf = slices.Grow(buf[:n], len(buf))[:2*len(buf)] // a line longer than the buffer
			continue
		}
		n = copy(buf, buf[i:n])
		pos += int64(i)
	}
	return nil
}

// scanBackward calls fn for each line of f in [0, end), newest first; end
// is the end of a whole line.
func scanBackward(f io.ReaderAt, end int64, fn lineFunc) error {
	chunk := int64(64 << 10)
	var buf []byte
	for end > 0 {
		lo := max(0, end-chunk)
		need := int(end - lo)
		if cap(buf) < need {
			buf = make([]byte, need)
		}
		data := buf[:need]
		if _, err := f.ReadAt(data, lo); err != nil && err != io.EOF {
			return err
		}
		first := 0
		if lo > 0 {
			k := bytes.IndexByte(data, '\n')
			if k < 0 || k+1 >= len(data) {
				chunk *= 2 // one line longer than the chunk
				continue
			}
			first = k + 1
		}
		rest := data[first : len(data)-1]
		for {
			j := bytes.LastIndexByte(rest, '\n')
			if err := fn(lo+int64(first+j+1), rest[j+1:]); err != nil {
				return err
			}
			if j < 0 {
				break
			}
			rest = rest[:j]
		}
		end = lo + int64(first)
		chunk = min(chunk*2, 1<<20)
	}
	return nil
}

// readSummary scans one line; ok is false (with a warning) when it is not
// a record.
func (s *Store) readSummary(path string, off int64, line []byte, sm *Summary) bool {
	if len(bytes.TrimSpace(line)) == 0 {
		return false
	}
	*sm = Summary{}
	err := scanSummary(line, sm)
	if err == nil && sm.ID == "" {
		err = errors.New("the record has no id")
	}
	if err != nil {
		s.logf("recorder: %s at byte %d: skipping an unreadable record: %v", path, off, err)
		return false
	}
	return true
}

// List returns the exchanges f selects, newest first. It reads the log
// from its end and stops after f.Limit matches, so its cost is that of the
// records it passes, not of the log. "Newest" is the order the lines were
// written in; the result is sorted by ID.
func (s *Store) List(f Filter) []Exchange {
	var out []Exchange
	s.scanBack(f, func(path string, off int64, line []byte, _ *Summary) error {
		var ex Exchange
		if err := json.Unmarshal(line, &ex); err != nil {
			s.logf("recorder: %s at byte %d: skipping an unreadable record: %v", path, off, err)
			return nil
		}
		out = append(out, ex)
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
		var ex Exchange
		if err := json.Unmarshal(line, &ex); err != nil {
			s.logf("recorder: %s at byte %d: skipping an unreadable record: %v", path, off, err)
			return nil
		}
		attempts = append(attempts, ex)
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
						s.logf("recorder: %s at byte %d: skipping an unreadable record: %v", lf.path, off, errSyntax)
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

// Get returns the exchange with this ID. A unique prefix of an ID is
// enough, with or without the "ex_" start, in any letter case.
func (s *Store) Get(id string) (Exchange, bool) {
	id = normalizeID(id)
	if id == "" {
		return Exchange{}, false
	}
	found, lines := s.find(id, 2)
	exact := slices.Index(found, id)
	switch {
	case exact >= 0:
	case len(found) == 1:
		exact = 0
	default:
		return Exchange{}, false // unknown or ambiguous
	}
	var ex Exchange
	if err := json.Unmarshal(lines[exact], &ex); err != nil {
		s.logf("recorder: exchange %s no longer parses: %v", found[exact], err)
		return Exchange{}, false
	}
	return ex, true
}

// IDsWithPrefix returns the IDs that start with the given ID or prefix
// (normalized as in Get), up to max; it tells "unknown" from "ambiguous".
func (s *Store) IDsWithPrefix(prefix string, max int) []string {
	ids, _ := s.find(normalizeID(prefix), max)
	return ids
}

// idWindow is how far the order of lines in the file may stray from the
// order of their IDs: an ID is taken when the exchange is appended and
// the line written within a batch interval or two, by whichever process
// appends it. find reads this much of the log around where an ID belongs;
// what it does not find there it looks for in the whole log.
const idWindow = 250 * time.Millisecond

// find returns up to max IDs starting with prefix, with their lines,
// exact match first. It binary-searches each file on the time in the IDs,
// reads the window around that place, and reads the whole log only when
// the window holds no match (an ID from before IDs were taken at append
// time, or one written out of order by more than idWindow).
func (s *Store) find(prefix string, max int) ([]string, [][]byte) {
	files, err := s.openFiles()
	if err != nil {
		s.logf("recorder: %v", err)
		return nil, nil
	}
	defer closeFiles(files)
	var (
		ids   []string
		lines [][]byte
		seen  = map[string]bool{}
	)
	add := func(id string, line []byte) error {
		if !strings.HasPrefix(id, prefix) || seen[id] {
			return nil
		}
		seen[id] = true
		ids = append(ids, id)
		lines = append(lines, bytes.Clone(line))
		if id == prefix || len(ids) >= max {
			return errStop
		}
		return nil
	}
	lo, hi, timed := prefixTimes(prefix)
	if timed {
		w := idWindow.Milliseconds()
		for i := len(files) - 1; i >= 0; i-- {
			lf := files[i]
			start := searchID(lf, lo-w)
			err := scanForward(lf.f, start, lf.end, func(_ int64, line []byte) error {
				id := lineID(line)
				if t, ok := idTime(id); ok && t > hi+w {
					return errStop
				}
				return add(id, line)
			})
			if err == errStop && (len(ids) >= max || slices.Contains(ids, prefix)) {
				break
			}
		}
	}
	if len(ids) == 0 {
		for _, lf := range files {
			err := scanForward(lf.f, 0, lf.end, func(_ int64, line []byte) error {
				if !bytes.Contains(line[:min(len(line), 64)], []byte(prefix)) {
					return nil
				}
				return add(lineID(line), line)
			})
			if err == errStop {
				break
			}
		}
	}
	if i := slices.Index(ids, prefix); i > 0 {
		ids[0], ids[i] = ids[i], ids[0]
		lines[0], lines[i] = lines[i], lines[0]
	}
	return ids, lines
}

// searchID returns where in lf to start reading for IDs from the time
// ms on: the start of a line before every line whose ID is that late,
// as far as the IDs are in order.
func searchID(lf logFile, ms int64) int64 {
	lo, hi := int64(0), lf.end // the place is in [lo, hi]
	buf := make([]byte, 512)
	for hi-lo > 64<<10 {
		mid := lo + (hi-lo)/2
		id, ok := idAfter(lf.f, mid, lf.end, buf)
		t, tok := idTime(id)
		if !ok || !tok {
			return lo // not a log psbox wrote: read from lo
		}
		if t < ms {
			lo = mid
		} else {
			hi = mid
		}
	}
	if lo == 0 {
		return 0
	}
	return nextLine(lf.f, lo, lf.end, buf)
}

// nextLine is where the first line that starts after off starts (end
// when there is none).
func nextLine(f io.ReaderAt, off, end int64, buf []byte) int64 {
	for p := off; p < end; p += int64(len(buf)) {
		n, _ := f.ReadAt(buf, p)
		if n == 0 {
			break
		}
		if i := bytes.IndexByte(buf[:n], '\n'); i >= 0 {
			return p + int64(i) + 1
		}
	}
	return end
}

// idAfter reads the ID of the first line that starts after off.
func idAfter(f io.ReaderAt, off, end int64, buf []byte) (string, bool) {
	start := nextLine(f, off, end, buf)
	if start >= end {
		return "", false
	}
	m, _ := f.ReadAt(buf, start)
	id := lineID(buf[:m])
	return id, id != ""
}

// lineID is the ID at the start of a line as the Store writes it
// ({"id":"ex_...), or, for a line written otherwise, the one its summary
// holds.
func lineID(line []byte) string {
	const head = `{"id":"`
	if rest, ok := bytes.CutPrefix(line, []byte(head)); ok {
		if i := bytes.IndexByte(rest, '"'); i > 0 && bytes.IndexByte(rest[:i], '\\') < 0 {
			return string(rest[:i])
		}
	}
	var sm Summary
	if scanSummary(line, &sm) == nil {
		return sm.ID
	}
	return ""
}

// idTime is the millisecond an ID was taken at.
func idTime(id string) (int64, bool) {
	t, ok := strings.CutPrefix(id, IDPrefix)
	if !ok || len(t) < 10 {
		return 0, false
	}
	var ms int64
	for i := range 10 {
		v := strings.IndexByte(idAlphabet, t[i])
		if v < 0 {
			return 0, false
		}
		ms = ms<<5 | int64(v)
	}
	return ms, true
}

// prefixTimes is the range of milliseconds IDs starting with prefix can
// have; false when the prefix says nothing about time.
func prefixTimes(prefix string) (lo, hi int64, ok bool) {
	t, ok := strings.CutPrefix(prefix, IDPrefix)
	if !ok || t == "" {
		return 0, 0, false
	}
	t = t[:min(len(t), 10)]
	for i := range 10 {
		v, w := 0, 31
		if i < len(t) {
			if v = strings.IndexByte(idAlphabet, t[i]); v < 0 {
				return 0, 0, false
			}
			w = v
		}
		lo, hi = lo<<5|int64(v), hi<<5|int64(w)
	}
	return lo, hi, true
}
