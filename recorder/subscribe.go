package recorder

type subscriber struct {
	ch chan Exchange
}

// Subscribe returns a channel that receives each exchange appended from now
// on, and a function that ends the subscription (and closes the channel).
// Append never waits for a subscriber: one that falls more than 1024
// exchanges behind misses the excess and can catch up with List. Close
// closes every subscription's channel.
func (s *Store) Subscribe() (<-chan Exchange, func()) {
	sub := &subscriber{ch: make(chan Exchange, subBuffer)}
	s.subMu.Lock()
	s.qmu.Lock()
	closed := s.closed
	s.qmu.Unlock()
	if closed {
		close(sub.ch)
	} else {
		s.subs[sub] = struct{}{}
		s.nsubs.Add(1)
	}
	s.subMu.Unlock()
	cancel := func() {
		s.subMu.Lock()
		defer s.subMu.Unlock()
		if _, ok := s.subs[sub]; ok {
			delete(s.subs, sub)
			s.nsubs.Add(-1)
			close(sub.ch)
		}
	}
	return sub.ch, cancel
}

func (s *Store) publish(ex Exchange) {
	s.subMu.Lock()
	defer s.subMu.Unlock()
	for sub := range s.subs {
		select {
		case sub.ch <- ex:
		default: // the subscriber is behind: drop rather than block Append
		}
	}
}
