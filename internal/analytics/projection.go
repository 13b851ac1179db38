package analytics

import (
	"sync"
	"time"
)

// Projection holds the facts of every active customer in memory: replaced
// whole by each build (after an identity sync), changed one customer at a
// time by the webhook events stored since. Reads see a consistent snapshot;
// facts are never changed in place (an event replaces the customer's facts
// with a changed copy), so a snapshot stays valid while it is read.
type Projection struct {
	mu      sync.RWMutex
	facts   map[string]*Facts
	builtAt time.Time // when the last build started reading; zero before
	failed  []string  // sources that failed in the last build
	live    int       // events applied since the last build
	// pending are the events applied since a build began (Begin): the
	// build may have read the store before they were stored.
	building bool
	pending  []ownedEvent
}

type ownedEvent struct {
	customerID string
	e          Event
}

// Begin tells the projection a build starts reading: the events applied
// from now on are applied again to what it installs.
func (p *Projection) Begin() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.building, p.pending = true, nil
}

// NewProjection is an empty projection, not built yet.
func NewProjection() *Projection { return &Projection{facts: map[string]*Facts{}} }

// Replace installs a build's facts. Events applied since Begin are applied
// again to them (their IDs make a second application of one the build read
// a no-op).
func (p *Projection) Replace(facts map[string]*Facts, builtAt time.Time, failed []string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	pending := p.pending
	p.facts, p.builtAt, p.failed, p.live = facts, builtAt, failed, 0
	p.building, p.pending = false, nil
	for _, o := range pending {
		p.applyLocked(o.customerID, o.e)
	}
}

// Abort ends a build that installs nothing.
func (p *Projection) Abort() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.building, p.pending = false, nil
}

// Apply adds a stored event to its customer's facts; false when the
// customer is unknown to the projection or the event was applied before.
func (p *Projection) Apply(customerID string, e Event) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.building {
		p.pending = append(p.pending, ownedEvent{customerID, e})
	}
	return p.applyLocked(customerID, e)
}

func (p *Projection) applyLocked(customerID string, e Event) bool {
	f := p.facts[customerID]
	if f == nil {
		if p.builtAt.IsZero() {
			return false
		}
		// A customer created since the build (a lookup linked them).
		f = &Facts{}
	}
	c := f.clone()
	if !c.apply(e) {
		return false
	}
	p.facts[customerID] = c
	p.live++
	return true
}

// keysOf returns the key signatures the facts of customerIDs were read
// under, "" for a customer the projection lacks.
func (p *Projection) keysOf(customerIDs []string) []string {
	p.mu.RLock()
	defer p.mu.RUnlock()
	out := make([]string, len(customerIDs))
	for i, id := range customerIDs {
		if f := p.facts[id]; f != nil {
			out[i] = f.keys
		}
	}
	return out
}

// set installs the facts of some customers, read again.
func (p *Projection) set(facts map[string]*Facts) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for id, f := range facts {
		p.facts[id] = f
	}
}

// Forget drops customers (erased, merged away).
func (p *Projection) Forget(customerIDs []string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, id := range customerIDs {
		delete(p.facts, id)
	}
}

// Snapshot is a consistent view of the projection.
type Snapshot struct {
	// Facts of the customers asked for (every customer when none was),
	// in no particular order; customers the projection lacks are left out.
	Facts []*Facts
	// Missing counts the customers asked for that the projection lacks.
	Missing int
	// BuiltAt is when the last build read the systems, zero when none has
	// completed; Failed names the sources that failed in it.
	BuiltAt time.Time
	Failed  []string
	// Live counts the events applied since that build.
	Live int
}

// Snapshot returns the facts of customerIDs, or of every customer when
// all is true.
func (p *Projection) Snapshot(customerIDs []string, all bool) Snapshot {
	p.mu.RLock()
	defer p.mu.RUnlock()
	s := Snapshot{BuiltAt: p.builtAt, Failed: p.failed, Live: p.live}
	if all {
		s.Facts = make([]*Facts, 0, len(p.facts))
		for _, f := range p.facts {
			s.Facts = append(s.Facts, f)
		}
		return s
	}
	s.Facts = make([]*Facts, 0, len(customerIDs))
	for _, id := range customerIDs {
		if f := p.facts[id]; f != nil {
			s.Facts = append(s.Facts, f)
		} else {
			s.Missing++
		}
	}
	return s
}

// Len is the number of customers held.
func (p *Projection) Len() int {
	p.mu.RLock()
	defer p.mu.RUnlock()
	return len(p.facts)
}
