package model

import (
	"time"

	"github.com/harmonyhq/harmony/internal/level"
)

// Customer is the root of one customer's graph. Only what the profile store
// gives at once lives here; every other field has a resolver.
type Customer struct {
	ID        string
	CreatedAt time.Time
	// Level is the group of customers this one was produced with (a page,
	// a list, itself alone), whose fields are resolved together; nil when
	// the field that produced it made none.
	Level *level.Level
}

// IsNode marks Customer as a Relay node.
func (Customer) IsNode() {}

// GetID returns the global ID.
func (c Customer) GetID() string { return c.ID }

// OfLevel returns the customer's level, nil for none.
func (c Customer) OfLevel() *level.Level { return c.Level }
