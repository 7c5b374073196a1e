// Package suggest finds the names nearest to a mistyped one, by edit
// distance, for "did you mean" hints:
//
//	suggest.Nearest("aplication_created", names) // [application_created]
package suggest

import (
	"slices"
	"strings"
)

// Nearest returns up to three of candidates closest to name, nearest
// first. Case, and '-' or '.' for '_', do not count as differences
// (APPLICATION_CREATED, application-created and application.created are
// all application_created). A candidate qualifies when its edit distance
// (Levenshtein, on the normalized forms) is at most a fifth of name's
// length, and at least 2; when some differ only in case or separators,
// only those are given.
func Nearest(name string, candidates []string) []string {
	n := normalize(name)
	limit := max(2, len(n)/5)
	type hit struct {
		name string
		d    int
	}
	var hits []hit
	for _, c := range candidates {
		if d := Distance(n, normalize(c)); d <= limit {
			hits = append(hits, hit{c, d})
		}
	}
	slices.SortStableFunc(hits, func(a, b hit) int {
		if a.d != b.d {
			return a.d - b.d
		}
		return strings.Compare(a.name, b.name)
	})
	if len(hits) > 0 && hits[0].d == 0 {
		hits = slices.DeleteFunc(hits, func(h hit) bool { return h.d > 0 })
	}
	out := make([]string, 0, min(3, len(hits)))
	for _, h := range hits[:min(3, len(hits))] {
		out = append(out, h.name)
	}
	return out
}

func normalize(s string) string {
	return strings.Map(func(r rune) rune {
		switch r {
		case '-', '.', ' ':
			return '_'
		}
		if 'A' <= r && r <= 'Z' {
			return r + 'a' - 'A'
		}
		return r
	}, s)
}

// Distance is the Levenshtein distance between a and b, in bytes.
func Distance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
