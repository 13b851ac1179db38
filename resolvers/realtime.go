package resolvers

import (
	"context"
	"slices"

	"github.com/harmonyhq/harmony/graph/model"
	"github.com/harmonyhq/harmony/internal/apperr"
	"github.com/harmonyhq/harmony/internal/bus"
	"github.com/harmonyhq/harmony/internal/drain"
)

// Codes of refused subscriptions.
const (
	// codeShuttingDown: the gateway is draining; reconnect (to another
	// replica).
	codeShuttingDown apperr.Code = "SHUTTING_DOWN"
	// codeUnavailable: this gateway has no event bus.
	codeUnavailable apperr.Code = "UNAVAILABLE"
)

// maxMergeHops bounds the walk down the customers merged into a survivor.
const maxMergeHops = 16

// activityMatch selects converted events beyond what the bus filter does
// (GraphQL enums rather than the systems' raw strings).
type activityMatch struct {
	channels []model.Channel
	types    []model.InteractionType
}

func (m activityMatch) ok(e *model.ActivityEvent) bool {
	if len(m.channels) > 0 && (e.Channel == nil || !slices.Contains(m.channels, *e.Channel)) {
		return false
	}
	if len(m.types) > 0 && (e.Type == nil || !slices.Contains(m.types, *e.Type)) {
		return false
	}
	return true
}

// subscribe streams the bus events f and m select as ActivityEvents until
// ctx ends, the bus closes or the gateway drains; then the channel closes.
//
// Memory is bounded: the bus keeps at most its buffer (bus.buffer) of
// events per subscription and drops the oldest when a subscriber does not
// keep up (counted in harmony_bus_dropped_events_total); this goroutine
// holds at most one more event while the transport writes the previous
// one.
func (r *Resolver) subscribe(ctx context.Context, f bus.Filter, m activityMatch) (<-chan *model.ActivityEvent, error) {
	if r.Bus == nil {
		return nil, apperr.Coded(codeUnavailable, "live events are not available on this gateway")
	}
	d := drain.From(ctx)
	end, ok := d.Track()
	if !ok {
		return nil, apperr.Coded(codeShuttingDown, "the gateway is shutting down; subscribe again")
	}
	ctx, cancel := context.WithCancel(ctx)
	events, stop := r.Bus.Subscribe(ctx, f)
	out := make(chan *model.ActivityEvent)
	go func() {
		defer end()
		defer close(out)
		defer cancel()
		defer stop()
		for {
			var e bus.Event
			select {
			case <-ctx.Done():
				return
			case <-d.Done():
				return
			case got, open := <-events:
				if !open {
					return
				}
				e = got
			}
			a := toActivityEvent(e)
			if !m.ok(a) {
				continue
			}
			select {
			case out <- a:
			case <-ctx.Done():
				return
			case <-d.Done():
				return
			}
		}
	}()
	return out, nil
}

// customerIDs returns the active customer id ends on and every customer
// merged into it (transitively), survivor first. NOT_FOUND when id names no
// customer.
func (r *Resolver) customerIDs(ctx context.Context, id string) ([]string, error) {
	found, err := r.Store.Resolve(ctx, []string{id})
	if err != nil {
		return nil, apperr.Store(err)
	}
	if len(found) != 1 || found[0] == nil {
		return nil, apperr.Coded(apperr.CodeNotFound, "no customer has this customerId")
	}
	ids := []string{found[0].ID}
	next := ids
	for hop := 0; len(next) > 0 && hop < maxMergeHops; hop++ {
		merged, err := r.Store.MergedIDs(ctx, next)
		if err != nil {
			return nil, apperr.Store(err)
		}
		next = nil
		for _, list := range merged {
			for _, m := range list {
				if !slices.Contains(ids, m) {
					ids = append(ids, m)
					next = append(next, m)
				}
			}
		}
	}
	return ids, nil
}

// toActivityEvent converts a bus event for the schema. An event stored
// under a merged-away customer keeps that ID: clients asked for the
// survivor's activity read it from their subscription argument.
func toActivityEvent(e bus.Event) *model.ActivityEvent {
	out := &model.ActivityEvent{
		ID: e.ID, Source: e.Connector, EventID: e.EventID, EventType: strPtr(e.Type),
		CustomerID: strPtr(e.CustomerID), OccurredAt: e.ReceivedAt.UTC(), ReceivedAt: e.ReceivedAt.UTC(),
	}
	if in := e.Interaction; in != nil {
		it := toInteraction(e.Connector, *in)
		out.Channel, out.Type, out.Direction = &it.Channel, &it.Type, it.Direction
		out.Summary, out.Status, out.ThreadRef = it.Summary, it.Status, it.ThreadRef
		if !in.OccurredAt.IsZero() {
			out.OccurredAt = in.OccurredAt.UTC()
		}
	}
	return out
}
