package recorder

import (
	"io"
	"os"
	"testing"
)

func BenchmarkZZScan(b *testing.B) {
	dir := os.Getenv("ZZDIR")
	if dir == "" {
		b.Skip()
	}
	s, err := Open(dir, Options{ReadOnly: true})
	if err != nil {
		b.Fatal(err)
	}
	b.Run("scan", func(b *testing.B) {
		for b.Loop() {
			s.Scan(Filter{}, func([]byte, *Summary) error { return nil })
		}
	})
	b.Run("jsonl", func(b *testing.B) {
		for b.Loop() {
			ExportJSONL(io.Discard, s, Filter{})
		}
	})
	b.Run("har", func(b *testing.B) {
		for b.Loop() {
			ExportHAR(io.Discard, s, Filter{}, "x/1")
		}
	})
}
