package recorder

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

// Tail hands over each new exchange the filter selects, summaries only or
// their lines too, flushing after each batch, and ends with the context or with the first error of its callback.
func TestFollower_Tail(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for _, full := range []bool{false, true} {
		fl, err := Follow(dir, true, t.Logf)
		if err != nil {
			t.Fatal(err)
		}
		for _, ev := range []string{"a", "b", "a"} {
			if _, err := s.Append(Exchange{Kind: KindDelivery, Event: ev, Target: "http://r/", Request: Request{Body: Body(`{"n":1}`)}}); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.Flush(); err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		var got []string
		flushes := 0
		err = fl.Tail(ctx, Filter{Event: "a"}, full, func(err error) { t.Error(err) }, func(sm *Summary, line []byte) error {
			if (line != nil) != full || full && !strings.Contains(string(line), `"event":"a"`) {
				t.Errorf("full=%v: line %s", full, line)
			}
			got = append(got, sm.Event)
			if len(got) == 2 {
				cancel()
			}
			return nil
		}, func() error { flushes++; return nil })
		cancel()
		if flushes == 0 {
			t.Errorf("full=%v: never flushed", full)
		}
		if err != nil || len(got) != 2 || got[0] != "a" || got[1] != "a" {
			t.Errorf("full=%v: Tail = %v after %v; want nil after [a a]", full, err, got)
		}
		stop := errors.New("stop")
		if _, err := s.Append(Exchange{Kind: KindDelivery, Event: "a"}); err != nil {
			t.Fatal(err)
		}
		s.Flush()
		if err := fl.Tail(context.Background(), Filter{}, full, func(error) {}, func(*Summary, []byte) error { return stop }, func() error { return nil }); err != stop {
			t.Errorf("full=%v: Tail = %v; want the callback's error", full, err)
		}
		fl.Close()
	}
}
