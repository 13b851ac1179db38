package ratelimit

import "time"

// Sweep forgets full budgets now, for tests.
func Sweep(m *Memory) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.sweep(time.Now())
}
