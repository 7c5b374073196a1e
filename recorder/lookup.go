package recorder

import (
	"fmt"
	"strings"
)

// LookupError says why an id a person typed names no single recorded
// exchange or delivery: no match, or several (then Matches holds some).
type LookupError struct {
	What    string // "exchange" or "delivery"
	ID      string
	Matches []string
}

func (e *LookupError) Error() string {
	if len(e.Matches) > 1 {
		some := strings.Join(e.Matches[:min(3, len(e.Matches))], ", ")
		if len(e.Matches) > 3 {
			some += ", ..."
		}
		return fmt.Sprintf("%q matches several recorded %s (%s); type more of the id", e.ID, plural(e.What), some)
	}
	return fmt.Sprintf("no recorded %s has the id %q", e.What, e.ID)
}

// NotFound reports whether nothing matched (rather than several things).
func (e *LookupError) NotFound() bool { return len(e.Matches) < 2 }

func plural(what string) string {
	if what == "delivery" {
		return "deliveries"
	}
	return what + "s"
}

// Lookup finds one exchange by its id or a unique prefix of it (as Get),
// or says with a *LookupError why not.
func (s *Store) Lookup(id string) (Exchange, error) {
	if ex, ok := s.Get(id); ok {
		return ex, nil
	}
	return Exchange{}, &LookupError{What: "exchange", ID: id, Matches: s.IDsWithPrefix(id, 4)}
}

// LookupDelivery finds every attempt of one delivery, oldest first, by its
// id or a unique prefix of it (as FindDelivery), or says with a
// *LookupError why not.
func (s *Store) LookupDelivery(id string) ([]Exchange, error) {
	attempts, ids := s.FindDelivery(id, 4)
	if len(ids) > 1 || len(attempts) == 0 {
		return nil, &LookupError{What: "delivery", ID: id, Matches: ids}
	}
	return attempts, nil
}

// IDHint is an id a person may type, with the event it belongs to.
type IDHint struct{ ID, Event string }

// RecentIDs returns the exchange and delivery ids among the newest n
// exchanges that start with prefix, each once, newest first: what shell
// completion offers after `psbox deliveries show`.
func (s *Store) RecentIDs(prefix string, n int) []IDHint {
	var out []IDHint
	seen := map[string]bool{}
	for _, sm := range s.Summaries(Filter{Limit: n}) {
		for _, id := range []string{sm.ID, sm.DeliveryID} {
			if id != "" && !seen[id] && strings.HasPrefix(id, prefix) {
				seen[id] = true
				out = append(out, IDHint{id, sm.Event})
			}
		}
	}
	return out
}
