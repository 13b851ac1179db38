package sources

import (
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/harmonyhq/harmony/connectors"
)

// Set is every configured source, in configuration order. A configuration
// reload replaces its sources (Replace) while operations that started
// before keep the ones they pinned (Pin) until they end.
type Set struct {
	cur      atomic.Pointer[generation]
	replacer sync.Mutex // serialises Replace
	fixed    bool       // a pinned view: Replace refuses it
}

// generation is one configuration's sources and the operations pinned to
// them.
type generation struct {
	list []*Source

	mu      sync.Mutex
	pins    int
	retired bool
	drained chan struct{} // closed once retired with no pins
}

func newGeneration(list []*Source) (*generation, error) {
	seen := map[string]bool{}
	for _, s := range list {
		if seen[s.name] {
			return nil, fmt.Errorf("duplicate source name %q", s.name)
		}
		seen[s.name] = true
	}
	return &generation{list: list, drained: make(chan struct{})}, nil
}

// NewSet makes a set; names must be unique.
func NewSet(list ...*Source) (*Set, error) {
	g, err := newGeneration(list)
	if err != nil {
		return nil, err
	}
	s := &Set{}
	s.cur.Store(g)
	return s, nil
}

func (s *Set) gen() *generation { return s.cur.Load() }

// All returns the sources in configuration order.
func (s *Set) All() []*Source { return s.gen().list }

// Get returns the source called name.
func (s *Set) Get(name string) (*Source, bool) {
	for _, src := range s.gen().list {
		if src.name == name {
			return src, true
		}
	}
	return nil, false
}

// With returns the sources serving capability c, in configuration order.
func (s *Set) With(c connectors.Capability) []*Source {
	var out []*Source
	for _, src := range s.gen().list {
		if src.Has(c) {
			out = append(out, src)
		}
	}
	return out
}

// Pin returns a view of the current sources that no reload changes, for one
// operation, and the function that ends the pin. The sources a reload
// replaces are closed only after every pin on them has ended.
func (s *Set) Pin() (*Set, func()) {
	for {
		g := s.gen()
		g.mu.Lock()
		if g.retired {
			// Replaced between the load and the lock: take the new one.
			g.mu.Unlock()
			continue
		}
		g.pins++
		g.mu.Unlock()
		view := &Set{fixed: true}
		view.cur.Store(g)
		var once sync.Once
		return view, func() { once.Do(g.unpin) }
	}
}

func (g *generation) unpin() {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.pins--
	if g.retired && g.pins == 0 {
		close(g.drained)
	}
}

// retire marks g replaced and returns a channel closed once no operation
// pins it.
func (g *generation) retire() <-chan struct{} {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.retired = true
	if g.pins == 0 {
		close(g.drained)
	}
	return g.drained
}

// Replace makes list the set's sources. Operations pinned to the previous
// ones finish on them; those are closed when the last such operation ends,
// or after drain at the latest (a subscription can last for hours), in the
// background. Names must be unique.
func (s *Set) Replace(list []*Source, drain time.Duration, log *slog.Logger) error {
	if s.fixed {
		return fmt.Errorf("replace a pinned view of the sources")
	}
	next, err := newGeneration(list)
	if err != nil {
		return err
	}
	s.replacer.Lock()
	old := s.cur.Swap(next)
	s.replacer.Unlock()
	drained := old.retire()
	go func() {
		select {
		case <-drained:
		case <-time.After(drain):
			if log != nil {
				log.Warn("closing replaced connectors with operations still using them", "after", drain.String())
			}
		}
		for _, src := range old.list {
			if err := src.Close(); err != nil && log != nil {
				log.Warn("close a replaced connector", "connector", src.name, "error", err.Error())
			}
		}
	}()
	return nil
}

// Close closes the current connectors and returns the first error.
func (s *Set) Close() error {
	var first error
	for _, src := range s.gen().list {
		if err := src.Close(); err != nil && first == nil {
			first = fmt.Errorf("close %s: %w", src.name, err)
		}
	}
	return first
}
