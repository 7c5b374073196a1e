package recorder

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"
)

// deliveryLines is what psbox trigger writes for n deliveries.
func deliveryLines(n int) [][]byte {
	lines := make([][]byte, n)
	for i := range lines {
		ex := deliveryExchange(i)
		ex.ID = fmt.Sprintf("ex_%026d", i)
		l := appendLine(nil, &ex)
		lines[i] = l[:len(l)-1]
	}
	return lines
}

// BenchmarkHAREntry measures the CPU the HAR export spends on one
// delivery's record, from its log line to its HAR entry: the fast path
// (appendHAREntry), the encoding/json path (decode, redact, encode), and
// for scale encoding/json's decoding alone, into an Exchange and into a
// struct that keeps bodies as json.RawMessage.
func BenchmarkHAREntry(b *testing.B) {
	lines := deliveryLines(64)
	b.Run("encoding-json", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			var ex Exchange
			if err := json.Unmarshal(lines[i%len(lines)], &ex); err != nil {
				b.Fatal(err)
			}
			if _, err := harEntryJSON(Redact(ex, nil)); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("fast", func(b *testing.B) {
		red := newRedactor(nil)
		buf := make([]byte, 0, 4096)
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			var ok bool
			if buf, ok = appendHAREntry(buf[:0], lines[i%len(lines)], red); !ok {
				b.Fatal("declined")
			}
		}
	})
	b.Run("unmarshal-only", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			var ex Exchange
			if err := json.Unmarshal(lines[i%len(lines)], &ex); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("unmarshal-raw-bodies", func(b *testing.B) {
		type msg struct {
			Method    string              `json:"method"`
			URL       string              `json:"url"`
			Status    int                 `json:"status"`
			Headers   map[string][]string `json:"headers"`
			Body      json.RawMessage     `json:"body"`
			Truncated bool                `json:"truncated"`
		}
		type rec struct {
			ID, Kind, DeliveryID, Event, ReplayOf, Target, ErrorReason, Error, Start string
			Attempt, Duration                                                        int64
			Request                                                                  msg
			Response                                                                 *msg
		}
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			var r rec
			if err := json.Unmarshal(lines[i%len(lines)], &r); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("valid-only", func(b *testing.B) {
		for i := 0; b.Loop(); i++ {
			if !json.Valid(lines[i%len(lines)]) {
				b.Fatal("invalid")
			}
		}
	})
	b.Run("scanSummary", func(b *testing.B) {
		for i := 0; b.Loop(); i++ {
			var sm Summary
			if err := scanSummary(lines[i%len(lines)], &sm); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkExportHAR streams a log of 20,000 deliveries as HAR.
func BenchmarkExportHAR(b *testing.B) {
	dir := b.TempDir()
	var log []byte
	for _, l := range deliveryLines(20000) {
		log = append(append(log, l...), '\n')
	}
	if err := os.WriteFile(filepath.Join(dir, FileName), log, 0o600); err != nil {
		b.Fatal(err)
	}
	s, err := Open(dir, Options{ReadOnly: true})
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(log)))
	for b.Loop() {
		if _, err := ExportHAR(io.Discard, s, Filter{}, "psbox/bench"); err != nil {
			b.Fatal(err)
		}
	}
}
