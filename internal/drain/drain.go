// Package drain ends long-lived operations (GraphQL subscriptions over
// websockets and server-sent events) when the gateway shuts down.
//
// http.Server.Shutdown stops accepting and waits for requests in flight, but
// a subscription never finishes by itself and a websocket is hijacked, so
// Shutdown does not wait for it. The server puts a Drainer in the context of
// every /graphql request; a subscription registers its stream with Track and
// ends it when Done closes; the server then closes what is left.
package drain

import (
	"context"
	"sync"
)

// Drainer signals the start of a shutdown to the streams it tracks and
// waits for them to end. The zero value is not usable; a nil *Drainer
// tracks nothing and never drains.
type Drainer struct {
	done chan struct{}
	once sync.Once

	mu      sync.Mutex
	streams int
	idle    chan struct{} // closed when streams drops to 0 after Start
}

// New returns a Drainer that is not draining.
func New() *Drainer {
	return &Drainer{done: make(chan struct{})}
}

// Start begins draining: Done closes and Track refuses new streams. It is
// idempotent.
func (d *Drainer) Start() {
	if d == nil {
		return
	}
	d.once.Do(func() { close(d.done) })
}

// Done is closed once draining starts; nil (never closed) for a nil Drainer.
func (d *Drainer) Done() <-chan struct{} {
	if d == nil {
		return nil
	}
	return d.done
}

// Draining reports whether Start was called.
func (d *Drainer) Draining() bool {
	if d == nil {
		return false
	}
	select {
	case <-d.done:
		return true
	default:
		return false
	}
}

// Track registers a stream. It returns the function the stream calls once
// when it has ended, and false (with a no-op function) when draining has
// started: the stream must not begin.
func (d *Drainer) Track() (end func(), ok bool) {
	if d == nil {
		return func() {}, true
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.Draining() {
		return func() {}, false
	}
	d.streams++
	var once sync.Once
	return func() { once.Do(d.untrack) }, true
}

func (d *Drainer) untrack() {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.streams--
	if d.streams == 0 && d.idle != nil {
		close(d.idle)
		d.idle = nil
	}
}

// Streams returns how many tracked streams are open.
func (d *Drainer) Streams() int {
	if d == nil {
		return 0
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.streams
}

// Wait starts draining and waits until every tracked stream has ended or
// ctx ends, whose error it then returns.
func (d *Drainer) Wait(ctx context.Context) error {
	if d == nil {
		return nil
	}
	d.Start()
	d.mu.Lock()
	if d.streams == 0 {
		d.mu.Unlock()
		return nil
	}
	if d.idle == nil {
		d.idle = make(chan struct{})
	}
	idle := d.idle
	d.mu.Unlock()
	select {
	case <-idle:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

type key struct{}

// With returns ctx carrying d.
func With(ctx context.Context, d *Drainer) context.Context {
	return context.WithValue(ctx, key{}, d)
}

// From returns the Drainer ctx carries, nil when none.
func From(ctx context.Context) *Drainer {
	d, _ := ctx.Value(key{}).(*Drainer)
	return d
}
