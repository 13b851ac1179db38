package bus

import (
	"context"
	"sync"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/harmonyhq/harmony/internal/config"
)

// Local is the in-process bus: Publish hands each event to the matching
// subscribers' buffers and returns.
type Local struct {
	buffer int
	m      *metrics

	mu     sync.RWMutex
	subs   map[*subscriber]struct{}
	closed bool

	hmu      sync.RWMutex
	handlers []func(Invalidation)
}

var _ Bus = (*Local)(nil)

// NewLocal returns an in-process bus.
func NewLocal(o Options) *Local {
	if o.Buffer <= 0 {
		o.Buffer = config.DefaultBusBuffer
	}
	return &Local{buffer: o.Buffer, m: newMetrics(o.Registerer), subs: map[*subscriber]struct{}{}}
}

// subscriber is one subscription's filter and buffer.
type subscriber struct {
	f  Filter
	ch chan Event

	mu      sync.Mutex // orders offers and close
	closed  bool
	dropped int64
}

// offer queues e, dropping the oldest queued event when the buffer is full.
// It never blocks. It reports how many events it dropped.
func (s *subscriber) offer(e Event) (dropped int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return 0
	}
	for {
		select {
		case s.ch <- e:
			s.dropped += int64(dropped)
			return dropped
		default:
		}
		select {
		case <-s.ch:
			dropped++
		default:
		}
	}
}

// Publish implements Bus.
func (l *Local) Publish(_ context.Context, e Event) error {
	l.m.published.Inc()
	l.deliver(e)
	return nil
}

// deliver hands e to the matching subscribers.
func (l *Local) deliver(e Event) {
	l.mu.RLock()
	defer l.mu.RUnlock()
	for s := range l.subs {
		if s.f.Match(e) {
			if n := s.offer(e); n > 0 {
				l.m.dropped.Add(float64(n))
			}
		}
	}
}

// Subscribe implements Bus.
func (l *Local) Subscribe(ctx context.Context, f Filter) (<-chan Event, func()) {
	s := &subscriber{f: f, ch: make(chan Event, l.buffer)}
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		close(s.ch)
		return s.ch, func() {}
	}
	l.subs[s] = struct{}{}
	l.m.subscribers.Inc()
	l.mu.Unlock()
	// The context's end and the caller's cancel both end the subscription,
	// once. AfterFunc may run end at once, on its own goroutine, when ctx is
	// already done: end shares nothing with this goroutine but the once.
	var once sync.Once
	end := func() { once.Do(func() { l.remove(s) }) }
	stop := context.AfterFunc(ctx, end)
	return s.ch, func() {
		stop()
		end()
	}
}

// remove ends one subscription.
func (l *Local) remove(s *subscriber) {
	l.mu.Lock()
	if _, ok := l.subs[s]; ok {
		delete(l.subs, s)
		l.m.subscribers.Dec()
	}
	l.mu.Unlock()
	s.mu.Lock()
	if !s.closed {
		s.closed = true
		close(s.ch)
	}
	s.mu.Unlock()
}

// Invalidate implements Bus: the handlers run before it returns.
func (l *Local) Invalidate(_ context.Context, inv Invalidation) error {
	l.m.invalidations.WithLabelValues("sent").Inc()
	l.invalidate(inv)
	return nil
}

// invalidate runs the handlers.
func (l *Local) invalidate(inv Invalidation) {
	l.hmu.RLock()
	defer l.hmu.RUnlock()
	for _, fn := range l.handlers {
		fn(inv)
	}
}

// OnInvalidate implements Bus.
func (l *Local) OnInvalidate(fn func(Invalidation)) {
	l.hmu.Lock()
	defer l.hmu.Unlock()
	l.handlers = append(l.handlers, fn)
}

// Dropped returns how many events the bus dropped for slow subscribers.
func (l *Local) Dropped() int64 { return int64(counterValue(l.m.dropped)) }

// Close implements Bus.
func (l *Local) Close() error {
	l.mu.Lock()
	l.closed = true
	subs := make([]*subscriber, 0, len(l.subs))
	for s := range l.subs {
		subs = append(subs, s)
	}
	l.mu.Unlock()
	for _, s := range subs {
		l.remove(s)
	}
	return nil
}

// metrics are the bus's series.
type metrics struct {
	published   prometheus.Counter
	received    prometheus.Counter
	dropped     prometheus.Counter
	malformed   prometheus.Counter
	subscribers prometheus.Gauge
	// invalidations counts invalidation messages sent and received.
	invalidations *prometheus.CounterVec
}

func newMetrics(reg prometheus.Registerer) *metrics {
	m := &metrics{
		published: prometheus.NewCounter(prometheus.CounterOpts{Name: "harmony_bus_published_events_total",
			Help: "Events published on the event bus by this gateway."}),
		received: prometheus.NewCounter(prometheus.CounterOpts{Name: "harmony_bus_received_events_total",
			Help: "Events received from NATS by this gateway."}),
		dropped: prometheus.NewCounter(prometheus.CounterOpts{Name: "harmony_bus_dropped_events_total",
			Help: "Events dropped because a subscriber's buffer was full (oldest first)."}),
		malformed: prometheus.NewCounter(prometheus.CounterOpts{Name: "harmony_bus_malformed_messages_total",
			Help: "NATS messages on the bus subject that were not events."}),
		subscribers: prometheus.NewGauge(prometheus.GaugeOpts{Name: "harmony_bus_subscribers",
			Help: "Open event bus subscriptions."}),
		invalidations: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "harmony_bus_invalidations_total",
			Help: "Profile store cache invalidations this gateway sent on the bus, and received from other replicas (NATS)."},
			[]string{"direction"}),
	}
	if reg != nil {
		reg.MustRegister(m.published, m.received, m.dropped, m.malformed, m.subscribers, m.invalidations)
	}
	return m
}

// counterValue reads a counter, for tests and Dropped.
func counterValue(c prometheus.Counter) float64 {
	var m dto.Metric
	if err := c.Write(&m); err != nil {
		return 0
	}
	return m.GetCounter().GetValue()
}
