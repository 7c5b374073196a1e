package recorder

import (
	"fmt"
	"io"
)

// ExportFormats are the formats Export writes.
var ExportFormats = []string{"har", "jsonl"}

// Export writes the exchanges f selects, oldest first, redacted, as HAR 1.2
// (ExportHAR; creator names the program) or JSON Lines (ExportJSONL), and
// returns how many it wrote.
func Export(w io.Writer, s *Store, f Filter, format, creator string) (int, error) {
	switch format {
	case "har":
		return ExportHAR(w, s, f, creator)
	case "jsonl":
		return ExportJSONL(w, s, f)
	}
	return 0, fmt.Errorf("unknown export format %q; use har or jsonl", format)
}
