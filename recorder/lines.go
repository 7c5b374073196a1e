package recorder

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"

	"github.com/psbox-dev/psbox/internal/appendlog"
)

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
		end, err := appendlog.WholeEnd(f, fi.Size())
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
