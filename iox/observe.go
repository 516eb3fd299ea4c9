package iox

// An Observer receives events. Observe is called on the goroutine that made
// the call, after it returned, so it must be quick and safe for concurrent
// use; it must not block.
type Observer interface {
	Observe(e Event)
}

// ObserverFunc adapts a function to the Observer interface.
type ObserverFunc func(e Event)

// Observe calls f(e).
func (f ObserverFunc) Observe(e Event) { f(e) }

// observers is an immutable list, swapped whole on change so that the hot
// path reads it with one atomic load.
type observers struct {
	list []Observer
	ids  []uint64 // registration ids, parallel to list
}

func (s *Scheduler) emit(e Event) {
	obs := s.obs.Load()
	if obs == nil {
		return
	}
	for _, o := range obs.list {
		o.Observe(e)
	}
}

// Observe registers o to receive the scheduler's events from now on and
// returns a function that unregisters it. Events from goroutines that are
// no task go to the Default scheduler's observers.
func (s *Scheduler) Observe(o Observer) (remove func()) {
	if o == nil {
		panic("iox: Observe(nil)")
	}
	s.obsMu.Lock()
	defer s.obsMu.Unlock()
	s.lastObsID++
	id := s.lastObsID
	cur := s.obs.Load()
	next := &observers{}
	if cur != nil {
		next.list = append(next.list, cur.list...)
		next.ids = append(next.ids, cur.ids...)
	}
	next.list = append(next.list, o)
	next.ids = append(next.ids, id)
	s.setObservers(next)
	return func() {
		s.obsMu.Lock()
		defer s.obsMu.Unlock()
		cur := s.obs.Load()
		if cur == nil {
			return
		}
		for i, x := range cur.ids {
			if x == id {
				next := &observers{
					list: append(cur.list[:i:i], cur.list[i+1:]...),
					ids:  append(cur.ids[:i:i], cur.ids[i+1:]...),
				}
				s.setObservers(next)
				return
			}
		}
	}
}

// setObservers publishes obs; s.obsMu is held.
func (s *Scheduler) setObservers(obs *observers) {
	was := s.obs.Load() != nil
	now := len(obs.list) > 0
	if now {
		s.obs.Store(obs)
	} else {
		s.obs.Store(nil)
	}
	if s.isDefault && was != now {
		// Goroutines that are no task report to Default; the door must
		// look for them only while someone listens.
		if now {
			inForce.Add(1)
		} else {
			inForce.Add(-1)
		}
	}
}

// record reports an ended call to the stats and the observers.
func (c *opCall) record(end int64, n int, err error) {
	s := c.s
	if c.stats != nil {
		c.stats.add(c.g, c.kind, c.target, end-c.start, n, err)
	}
	if c.report {
		s.emit(Event{
			Kind:     c.kind,
			Target:   c.target,
			Task:     c.task,
			Start:    s.clock.wall(c.start),
			Duration: s.clock.elapsed(end - c.start),
			Bytes:    n,
			Err:      err,
			Detail:   c.detail,
		})
	}
}
