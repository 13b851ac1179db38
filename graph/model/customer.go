package model

import "time"

// Customer is the root of one customer's graph. Only what the profile store
// gives at once lives here; every other field has a resolver.
type Customer struct {
	ID        string
	CreatedAt time.Time
}

// IsNode marks Customer as a Relay node.
func (Customer) IsNode() {}

// GetID returns the global ID.
func (c Customer) GetID() string { return c.ID }
