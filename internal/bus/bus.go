package bus

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/harmonyhq/harmony/connectors"
	"github.com/harmonyhq/harmony/internal/config"
)

// Event is a stored webhook event as subscribers receive it.
type Event struct {
	// ID is the stored event's ID (store.ActivityID).
	ID        string `json:"id"`
	Connector string `json:"connector"`
	// EventID is the system's own event ID.
	EventID string `json:"event_id"`
	Type    string `json:"type,omitempty"`
	// CustomerID is the customer the event was resolved to, "" when unknown.
	CustomerID string    `json:"customer_id,omitempty"`
	ReceivedAt time.Time `json:"received_at"`
	// Interaction is the contact the event reports, if any.
	Interaction *connectors.Interaction `json:"interaction,omitempty"`
}

// Filter selects events. Each non-empty list must contain the event's
// value; an empty Filter selects every event.
type Filter struct {
	// CustomerIDs: events of these customers (customerActivity).
	CustomerIDs []string
	// Connectors: events these connectors received.
	Connectors []string
	// Types: events of these system event types.
	Types []string
	// Channels: events whose interaction is on these channels.
	Channels []string
}

// Match reports whether f selects e.
func (f Filter) Match(e Event) bool {
	in := func(list []string, v string) bool { return len(list) == 0 || slices.Contains(list, v) }
	channel := ""
	if e.Interaction != nil {
		channel = e.Interaction.Channel
	}
	return in(f.CustomerIDs, e.CustomerID) && in(f.Connectors, e.Connector) && in(f.Types, e.Type) && in(f.Channels, channel)
}

// Bus publishes events to subscribers.
type Bus interface {
	// Publish sends e to every matching subscriber, of every replica on a
	// shared bus. It does not wait for subscribers.
	Publish(ctx context.Context, e Event) error
	// Subscribe returns the events f selects, published from now on, until
	// ctx ends or cancel is called; then the channel is closed. A
	// subscriber that does not keep up loses its oldest events.
	Subscribe(ctx context.Context, f Filter) (events <-chan Event, cancel func())
	// Close ends every subscription and releases the bus.
	Close() error

	// Invalidate tells the invalidation handlers of every replica on a
	// shared bus, this one's included (before it returns), that the
	// profile store changed for some customers.
	Invalidate(ctx context.Context, inv Invalidation) error
	// OnInvalidate adds a handler of invalidations. It must not block.
	// On NATS it also hears Invalidation{All: true} when the connection was
	// cut, since invalidations sent meanwhile were lost to this replica.
	OnInvalidate(fn func(Invalidation))
}

// Invalidation says that the profile store changed for some customers: the
// caches of its reads (store.Cached) drop them. It carries customer IDs,
// which are pseudonymous, and salted hashes of native keys, never values.
type Invalidation struct {
	CustomerIDs []string `json:"customer_ids,omitempty"`
	// All asks to drop everything.
	All bool `json:"all,omitempty"`
	// Purge asks, by connector, to drop every cached read and last good
	// value of native keys named by their purge IDs (salted hashes, see
	// package suppress): an erasure's keys, on every replica.
	Purge map[string][]string `json:"purge,omitempty"`
	// Suppressions says the suppression list grew: replicas read it again.
	Suppressions bool `json:"suppressions,omitempty"`
	// Remote is set on an invalidation another replica sent.
	Remote bool `json:"-"`
}

// Options tune a bus.
type Options struct {
	// Buffer is each subscriber's buffer (config.DefaultBusBuffer when 0).
	Buffer int
	// Registerer receives the bus's metrics; none when nil.
	Registerer prometheus.Registerer
}

// Open returns the bus cfg describes: NATS when a URL is set, else Local.
func Open(ctx context.Context, cfg config.Bus, o Options) (Bus, error) {
	if o.Buffer == 0 {
		o.Buffer = cfg.Buffer
	}
	if cfg.NATSURL.Reveal() == "" {
		return NewLocal(o), nil
	}
	prefix := cfg.SubjectPrefix
	if prefix == "" {
		prefix = config.DefaultBusSubjectPrefix
	}
	b, err := NewNATS(ctx, cfg.NATSURL.Reveal(), prefix, o)
	if err != nil {
		return nil, fmt.Errorf("event bus: %w", err)
	}
	return b, nil
}
