package ui

import (
	"slices"
	"strconv"
	"strings"
)

// filter is a parsed Deliveries filter: every term must match.
//
//	failed | errors      the exchange did not end in 2xx
//	ok | delivered       it did
//	2xx 3xx 4xx 5xx      the status class
//	200, 503 ...         exactly that status
//	api | delivery       mock API calls, or deliveries psbox sent
//	anything else        part of the event name, the target (or an API
//	                     call's "METHOD /path"), the exchange or delivery
//	                     id, the failure reason (refused, timeout) or the
//	                     status (case-insensitive)
type filter struct {
	raw      string
	failed   bool
	ok       bool
	api      bool
	delivery bool
	classes  []int // 2 for 2xx ...; any of them matches
	statuses []int // any of them matches
	words    []string
}

func parseFilter(s string) filter {
	f := filter{raw: strings.TrimSpace(s)}
	for _, t := range strings.Fields(strings.ToLower(s)) {
		switch {
		case t == "failed" || t == "fail" || t == "errors" || t == "error":
			f.failed = true
		case t == "ok" || t == "delivered":
			f.ok = true
		case t == "api":
			f.api = true
		case t == "delivery" || t == "deliveries":
			f.delivery = true
		case len(t) == 3 && t[0] >= '1' && t[0] <= '5' && t[1:] == "xx":
			f.classes = append(f.classes, int(t[0]-'0'))
		default:
			if n, err := strconv.Atoi(t); err == nil && len(t) == 3 && 100 <= n && n <= 599 {
				f.statuses = append(f.statuses, n)
			} else {
				f.words = append(f.words, t)
			}
		}
	}
	return f
}

func (f filter) empty() bool { return f.raw == "" }

func (f filter) match(e *row) bool {
	if (f.failed && !e.failed) || (f.ok && e.failed) || (f.api && !e.api) || (f.delivery && e.api) {
		return false
	}
	if (len(f.classes) > 0 && !slices.Contains(f.classes, int(e.status)/100)) ||
		(len(f.statuses) > 0 && !slices.Contains(f.statuses, int(e.status))) {
		return false
	}
	for _, w := range f.words {
		if !containsFold(e.event, w) && !containsFold(e.target, w) && !containsFold(e.id, w) &&
			!containsFold(e.deliveryID, w) && !containsFold(e.reason, w) &&
			!(e.status != 0 && strings.Contains(itoa(int(e.status)), w)) {
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
