package ui

import "strings"

// filter is a parsed Deliveries filter: every term must match.
//
//	failed | errors      the exchange did not end in 2xx
//	ok | delivered       it did
//	2xx 3xx 4xx 5xx      the status class
//	anything else        part of the event name (case-insensitive)
type filter struct {
	raw     string
	failed  bool
	ok      bool
	classes []int // 2 for 2xx ...; any of them matches
	words   []string
}

func parseFilter(s string) filter {
	f := filter{raw: strings.TrimSpace(s)}
	for _, t := range strings.Fields(strings.ToLower(s)) {
		switch {
		case t == "failed" || t == "fail" || t == "errors" || t == "error":
			f.failed = true
		case t == "ok" || t == "delivered":
			f.ok = true
		case len(t) == 3 && t[0] >= '1' && t[0] <= '5' && t[1:] == "xx":
			f.classes = append(f.classes, int(t[0]-'0'))
		default:
			f.words = append(f.words, t)
		}
	}
	return f
}

func (f filter) empty() bool { return f.raw == "" }

func (f filter) match(e *row) bool {
	if f.failed && !e.failed {
		return false
	}
	if f.ok && e.failed {
		return false
	}
	if len(f.classes) > 0 {
		hit := false
		for _, c := range f.classes {
			if int(e.status)/100 == c {
				hit = true
				break
			}
		}
		if !hit {
			return false
		}
	}
	for _, w := range f.words {
		if !containsFold(e.event, w) {
			return false
		}
	}
	return true
}

// containsFold reports whether s contains the lower-case word w, ignoring
// ASCII case, without allocating.
func containsFold(s, w string) bool {
	if len(w) == 0 {
		return true
	}
	for i := 0; i+len(w) <= len(s); i++ {
		j := 0
		for ; j < len(w); j++ {
			c := s[i+j]
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			if c != w[j] {
				break
			}
		}
		if j == len(w) {
			return true
		}
	}
	return false
}
