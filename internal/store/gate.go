package store

import (
	"context"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/harmonyhq/harmony/internal/overload"
)

// GateOptions bound the reads the request path sends to the profile store.
type GateOptions struct {
	// MaxInFlight is how many reads run at once.
	MaxInFlight int
	// MaxQueue is how many reads may wait for one of those places; a read
	// beyond is shed at once.
	MaxQueue int
	// QueueTimeout is the longest a read waits; it is shed after that.
	QueueTimeout time.Duration
	// Registerer receives the gate's series; none when nil.
	Registerer prometheus.Registerer
}

// Shed reasons, as harmony_store_reads_shed_total labels them.
const (
	ShedQueueFull = "queue_full"
	ShedDeadline  = "deadline"
)

// Gate bounds the profile store reads in flight, with a queue and a
// deadline. A read it cannot admit in time is shed: Acquire marks the
// request's context (package overload), so that the server answers 503 with
// Retry-After rather than a partial answer in which a customer that exists
// reads as null, and returns an error wrapping overload.ErrShed.
type Gate struct {
	slots    chan struct{}
	maxQueue int64
	timeout  time.Duration
	waiting  atomic.Int64

	shed *prometheus.CounterVec
	wait prometheus.Histogram
}

// NewGate makes a gate. MaxInFlight and MaxQueue must be positive and
// QueueTimeout too (config validates them).
func NewGate(o GateOptions) *Gate {
	g := &Gate{
		slots:    make(chan struct{}, max(o.MaxInFlight, 1)),
		maxQueue: int64(max(o.MaxQueue, 0)),
		timeout:  o.QueueTimeout,
		shed: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "harmony_store_reads_shed_total",
			Help: "Profile store reads refused because the store's queue was full or the read waited past store.queue_timeout; their requests were answered 503.",
		}, []string{"reason"}),
		wait: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "harmony_store_read_queue_seconds",
			Help:    "Time profile store reads waited for a place among store.max_in_flight, admitted or shed.",
			Buckets: []float64{0.0001, 0.0005, 0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5},
		}),
	}
	if o.Registerer != nil {
		o.Registerer.MustRegister(g.shed, g.wait,
			prometheus.NewGaugeFunc(prometheus.GaugeOpts{
				Name: "harmony_store_reads_in_flight",
				Help: "Profile store reads running, bounded by store.max_in_flight.",
			}, func() float64 { return float64(len(g.slots)) }),
			prometheus.NewGaugeFunc(prometheus.GaugeOpts{
				Name: "harmony_store_reads_waiting",
				Help: "Profile store reads waiting for a place, bounded by store.max_queue.",
			}, func() float64 { return float64(g.waiting.Load()) }))
	}
	return g
}

// retryAfter is what a shed request is told: the queue's timeout, at least
// a second.
func (g *Gate) retryAfter() time.Duration { return max(g.timeout, time.Second) }

// Acquire waits for a place and returns its release. It fails when ctx
// ends, and sheds the read (see Gate) when the queue is full or the wait
// passes the gate's timeout. A nil gate admits everything.
func (g *Gate) Acquire(ctx context.Context) (release func(), err error) {
	if g == nil {
		return func() {}, nil
	}
	select {
	case g.slots <- struct{}{}:
		g.wait.Observe(0)
		return g.release, nil
	default:
	}
	if g.waiting.Add(1) > g.maxQueue {
		g.waiting.Add(-1)
		g.shed.WithLabelValues(ShedQueueFull).Inc()
		return nil, fmt.Errorf("profile store queue full: %w", overload.Shed(ctx, g.retryAfter()))
	}
	defer g.waiting.Add(-1)
	start := time.Now()
	timer := time.NewTimer(g.timeout)
	defer timer.Stop()
	select {
	case g.slots <- struct{}{}:
		g.wait.Observe(time.Since(start).Seconds())
		return g.release, nil
	case <-timer.C:
		g.wait.Observe(time.Since(start).Seconds())
		g.shed.WithLabelValues(ShedDeadline).Inc()
		return nil, fmt.Errorf("profile store read waited %s: %w", g.timeout, overload.Shed(ctx, g.retryAfter()))
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func (g *Gate) release() { <-g.slots }

// Waiting returns how many reads wait for a place.
func (g *Gate) Waiting() int { return int(g.waiting.Load()) }
