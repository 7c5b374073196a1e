package recorder

import (
	"bytes"
	"encoding/json"
	"io"
	"slices"
	"strings"
	"time"
)

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
