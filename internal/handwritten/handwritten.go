// Package handwritten names psbox's hand-written speed-ups, each of which
// replaces a standard-library path because a measured bar needs it
// (ARCHITECTURE.md "Hand-written speed"), and lets a build switch any of
// them off, so that the A/B runs that justify them compare the same binary
// with and without one:
//
//	go build -ldflags "-X github.com/psbox-dev/psbox/internal/handwritten.off=plainbody,h1" .
//
// bench/handwritten.sh does that for each piece. A normal build has every
// piece on; the switch is read once, when the program starts.
package handwritten

import "strings"

// Piece is one hand-written speed-up.
type Piece int

const (
	PlainBody  Piece = iota // mock/plainbody.go: create and update bodies read without encoding/json
	H1                      // internal/h1: the sender's plain-HTTP transport instead of net/http's
	HARLine                 // recorder/harline.go: HAR entries copied from the log's tokens, not decoded and encoded
	EntityScan              // receiver/entityscan.go: one pass over a body for its entity key, not encoding/json
	pieces
)

// names are the pieces' names, as -X ...handwritten.off takes them.
var names = [pieces]string{"plainbody", "h1", "harline", "entityscan"}

// Names returns every piece's name, in order.
func Names() []string { return append([]string(nil), names[:]...) }

// off is the comma-separated names of the pieces switched off, set at
// link time (-ldflags -X); empty in a normal build.
var off string

var isOff = parse(off)

func parse(s string) (o [pieces]bool) {
	for _, name := range strings.Split(s, ",") {
		for p, n := range names {
			if strings.TrimSpace(name) == n {
				o[p] = true
			}
		}
	}
	return o
}

// On reports whether p is used: true unless the build switched it off.
func On(p Piece) bool { return !isOff[p] }
