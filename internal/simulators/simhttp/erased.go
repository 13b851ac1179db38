package simhttp

import "sync"

// Erased is the set of records a system no longer holds: deleted through
// its API, or by a person in the system's own tools (a system whose API
// cannot erase). It is safe for concurrent use; the zero value is empty.
type Erased struct {
	mu  sync.RWMutex
	ids map[string]bool
}

// Has reports whether the record with id was erased.
func (e *Erased) Has(id string) bool {
	e.mu.RLock()
	defer e.mu.RUnlock()
	return e.ids[id]
}

// Len is the number of records erased.
func (e *Erased) Len() int {
	e.mu.RLock()
	defer e.mu.RUnlock()
	return len(e.ids)
}

// Add erases the record with id.
func (e *Erased) Add(id string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.ids == nil {
		e.ids = map[string]bool{}
	}
	e.ids[id] = true
}
