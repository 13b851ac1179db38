package bus

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"time"

	"github.com/nats-io/nats.go"
)

// NATS is the bus across replicas: events are published on
// <prefix>.events.<connector> and every replica subscribes to
// <prefix>.events.> once, fanning what it receives out to its own
// subscribers as Local does. A replica's own events reach its subscribers
// through NATS too, so every subscriber sees each event once.
//
// Invalidations go on <prefix>.invalidate, tagged with the sending
// replica's random ID: a replica applies its own at once (Invalidate runs
// the local handlers before publishing) and skips them when they come
// back. When the connection is cut and when it is back, the handlers hear
// Invalidation{All: true}: what other replicas sent meanwhile is lost.
type NATS struct {
	local  *Local
	nc     *nats.Conn
	sub    *nats.Subscription
	inv    *nats.Subscription
	prefix string
	origin string
}

// invalidation is an Invalidation on NATS.
type invalidation struct {
	Origin string `json:"origin"`
	Invalidation
}

// maxInvalidationIDs bounds the customer IDs of one NATS message (NATS
// refuses payloads over 1 MB by default).
const maxInvalidationIDs = 2000

var _ Bus = (*NATS)(nil)

var subjectToken = regexp.MustCompile(`^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$`)

// NewNATS connects to the NATS server at url and subscribes to the bus
// subject under prefix. The connection reconnects by itself; events
// published while it is down are lost to subscribers (they are stored).
func NewNATS(ctx context.Context, url, prefix string, o Options) (*NATS, error) {
	if !subjectToken.MatchString(prefix) {
		return nil, errors.New("subject prefix must be dot-separated letters, digits, '-' or '_'")
	}
	var origin [8]byte
	_, _ = rand.Read(origin[:])
	b := &NATS{local: NewLocal(o), prefix: prefix, origin: hex.EncodeToString(origin[:])}
	lost := func(*nats.Conn) { b.local.invalidate(Invalidation{All: true}) }
	nc, err := nats.Connect(url,
		nats.Name("harmony"),
		nats.MaxReconnects(-1),
		nats.ReconnectWait(time.Second),
		nats.Timeout(5*time.Second),
		nats.DisconnectErrHandler(func(nc *nats.Conn, _ error) { lost(nc) }),
		nats.ReconnectHandler(lost),
	)
	if err != nil {
		// nats.go errors do not carry the URL, which may hold credentials.
		return nil, fmt.Errorf("connect to nats: %w", err)
	}
	b.nc = nc
	b.sub, err = nc.Subscribe(prefix+".events.>", b.receive)
	if err == nil {
		b.inv, err = nc.Subscribe(prefix+".invalidate", b.receiveInvalidation)
	}
	if err == nil {
		fctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		err = nc.FlushWithContext(fctx)
		cancel()
	}
	if err != nil {
		nc.Close()
		return nil, fmt.Errorf("subscribe to nats: %w", err)
	}
	return b, nil
}

func (b *NATS) receive(m *nats.Msg) {
	var e Event
	if err := json.Unmarshal(m.Data, &e); err != nil || e.ID == "" {
		b.local.m.malformed.Inc()
		return
	}
	b.local.m.received.Inc()
	b.local.deliver(e)
}

func (b *NATS) receiveInvalidation(m *nats.Msg) {
	var inv invalidation
	if err := json.Unmarshal(m.Data, &inv); err != nil || inv.Origin == "" {
		b.local.m.malformed.Inc()
		return
	}
	if inv.Origin == b.origin {
		return // applied when sent
	}
	b.local.m.invalidations.WithLabelValues("received").Inc()
	inv.Remote = true
	b.local.invalidate(inv.Invalidation)
}

// Invalidate implements Bus: this replica's handlers run at once, then the
// invalidation goes to the others, in messages of at most 2000 customers.
func (b *NATS) Invalidate(_ context.Context, inv Invalidation) error {
	b.local.invalidate(inv)
	for start := 0; start == 0 || start < len(inv.CustomerIDs); start += maxInvalidationIDs {
		part := inv
		if len(inv.CustomerIDs) > 0 {
			part.CustomerIDs = inv.CustomerIDs[start:min(start+maxInvalidationIDs, len(inv.CustomerIDs))]
		}
		data, err := json.Marshal(invalidation{Origin: b.origin, Invalidation: part})
		if err != nil {
			return fmt.Errorf("encode invalidation: %w", err)
		}
		if err := b.nc.Publish(b.prefix+".invalidate", data); err != nil {
			return fmt.Errorf("publish invalidation: %w", err)
		}
		b.local.m.invalidations.WithLabelValues("sent").Inc()
	}
	return nil
}

// OnInvalidate implements Bus.
func (b *NATS) OnInvalidate(fn func(Invalidation)) { b.local.OnInvalidate(fn) }

// Publish implements Bus.
func (b *NATS) Publish(_ context.Context, e Event) error {
	data, err := json.Marshal(e)
	if err != nil {
		return fmt.Errorf("encode event: %w", err)
	}
	subject := b.prefix + ".events." + e.Connector
	if !subjectToken.MatchString(subject) {
		return errors.New("publish event: connector name is not a subject token")
	}
	if err := b.nc.Publish(subject, data); err != nil {
		return fmt.Errorf("publish event: %w", err)
	}
	b.local.m.published.Inc()
	return nil
}

// Subscribe implements Bus.
func (b *NATS) Subscribe(ctx context.Context, f Filter) (<-chan Event, func()) {
	return b.local.Subscribe(ctx, f)
}

// Flush waits until the server has every event published so far, for at
// most 5 seconds.
func (b *NATS) Flush(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	return b.nc.FlushWithContext(ctx)
}

// Close implements Bus: it drains the subscription and closes the
// connection, then ends local subscriptions.
func (b *NATS) Close() error {
	err := b.nc.Drain()
	// Drain is asynchronous; wait a little for it so in-flight events reach
	// local subscribers, then close regardless.
	deadline := time.Now().Add(2 * time.Second)
	for !b.nc.IsClosed() && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	b.nc.Close()
	_ = b.local.Close()
	if err != nil && !errors.Is(err, nats.ErrConnectionClosed) {
		return fmt.Errorf("close nats: %w", err)
	}
	return nil
}
