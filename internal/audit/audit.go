// Package audit records who read personal data or changed something: one
// entry per GraphQL operation that read a field carrying @pii or ran a
// mutation, with the caller, the operation's name, the field coordinates
// (Customer.email), the customer IDs touched and the request ID. Never a
// value, never a variable.
//
// During execution a per-operation Collector in the context gathers what
// the @pii directive and the mutations note; when the operation's response
// is ready, Extension hands one entry to the Log, which writes it
// asynchronously through a bounded queue. An entry the queue or the store
// cannot take is counted and logged, never dropped silently.
package audit

import (
	"context"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/harmonyhq/harmony/internal/store"
)

// Collector gathers what one operation touched. It is safe for concurrent
// use by the operation's resolvers.
type Collector struct {
	mutation bool // set before execution, read-only after

	mu        sync.Mutex
	fields    map[string]bool
	customers map[string]bool
	mutations []string
}

type ctxKey struct{}

// With returns ctx carrying c.
func With(ctx context.Context, c *Collector) context.Context {
	return context.WithValue(ctx, ctxKey{}, c)
}

// From returns the operation's collector, nil outside an operation.
func From(ctx context.Context) *Collector {
	c, _ := ctx.Value(ctxKey{}).(*Collector)
	return c
}

// NotePII records that the operation read the personal-data field
// coordinate (Type.field), of customerID when known ("" otherwise).
func NotePII(ctx context.Context, coordinate, customerID string) {
	c := From(ctx)
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.fields == nil {
		c.fields = map[string]bool{}
	}
	c.fields[coordinate] = true
	if customerID != "" {
		c.addCustomer(customerID)
	}
}

// NoteCustomer records that the operation touched a customer (a mutation
// changed it, or its personal data was read).
func NoteCustomer(ctx context.Context, customerID string) {
	c := From(ctx)
	if c == nil || customerID == "" {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.addCustomer(customerID)
}

func (c *Collector) addCustomer(id string) {
	if c.customers == nil {
		c.customers = map[string]bool{}
	}
	c.customers[id] = true
}

// isMutation reports whether the collector's operation is a mutation. The
// flag is set before the operation runs and never changes, so no lock.
func (c *Collector) isMutation() bool { return c.mutation }

// take returns what was collected since the last take and resets it.
func (c *Collector) take() (fields, customers, mutations []string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for f := range c.fields {
		fields = append(fields, f)
	}
	for id := range c.customers {
		customers = append(customers, id)
	}
	mutations = c.mutations
	c.fields, c.customers, c.mutations = nil, nil, nil
	slices.Sort(fields)
	slices.Sort(customers)
	return fields, customers, mutations
}

// DefaultQueue is the number of entries waiting to be written that Log
// holds before it drops (and counts) new ones.
const DefaultQueue = 4096

// writeBatch bounds the entries of one insert.
const writeBatch = 100

// Log writes audit entries to the profile store's `audit` collection from
// a bounded queue, in the background. Start it with Run.
type Log struct {
	store   *store.Store
	log     *slog.Logger
	queue   chan store.AuditEntry
	dropped atomic.Int64
	failed  atomic.Int64
	written atomic.Int64
	drops   prometheus.Counter
	fails   prometheus.Counter

	wg   sync.WaitGroup
	once sync.Once
	stop chan struct{}
}

// NewLog makes a log writing to st with a queue of size entries
// (DefaultQueue when not positive); reg, when not nil, gets its counters.
func NewLog(st *store.Store, size int, log *slog.Logger, reg prometheus.Registerer) *Log {
	if size <= 0 {
		size = DefaultQueue
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	l := &Log{store: st, log: log, queue: make(chan store.AuditEntry, size), stop: make(chan struct{}),
		drops: prometheus.NewCounter(prometheus.CounterOpts{Name: "harmony_audit_dropped_total",
			Help: "Audit entries dropped because the write queue was full."}),
		fails: prometheus.NewCounter(prometheus.CounterOpts{Name: "harmony_audit_write_failed_total",
			Help: "Audit entries the profile store failed to write."}),
	}
	if reg != nil {
		reg.MustRegister(l.drops, l.fails)
	}
	l.wg.Add(1)
	go l.run()
	return l
}

// Add queues e without waiting. When the queue is full the entry is
// dropped, counted and logged (without its content but the actor).
func (l *Log) Add(e store.AuditEntry) {
	if l == nil {
		return
	}
	select {
	case l.queue <- e:
	default:
		n := l.dropped.Add(1)
		l.drops.Inc()
		if n == 1 || n%100 == 0 {
			l.log.Error("audit queue full: entries dropped", "dropped_total", n, "actor", e.Actor)
		}
	}
}

// Dropped, Failed and Written count the entries dropped by a full queue,
// lost to store failures, and written.
func (l *Log) Dropped() int64 { return l.dropped.Load() }

// Failed counts the entries the store failed to write.
func (l *Log) Failed() int64 { return l.failed.Load() }

// Written counts the entries written.
func (l *Log) Written() int64 { return l.written.Load() }

// Pending is the number of entries waiting in the queue.
func (l *Log) Pending() int { return len(l.queue) }

// Flush waits until the queue is empty or ctx ends (tests, shutdown).
func (l *Log) Flush(ctx context.Context) error {
	for {
		if len(l.queue) == 0 {
			// The writer may hold a batch in flight: one more beat.
			time.Sleep(20 * time.Millisecond)
			if len(l.queue) == 0 {
				return nil
			}
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// Close stops the writer after it wrote what is queued (bounded by ctx).
func (l *Log) Close(ctx context.Context) {
	l.once.Do(func() {
		_ = l.Flush(ctx)
		close(l.stop)
		l.wg.Wait()
	})
}

func (l *Log) run() {
	defer l.wg.Done()
	for {
		var first store.AuditEntry
		select {
		case <-l.stop:
			return
		case first = <-l.queue:
		}
		batch := []store.AuditEntry{first}
	drain:
		for len(batch) < writeBatch {
			select {
			case e := <-l.queue:
				batch = append(batch, e)
			default:
				break drain
			}
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		err := l.store.AddAudit(ctx, batch)
		cancel()
		if err != nil {
			n := l.failed.Add(int64(len(batch)))
			l.fails.Add(float64(len(batch)))
			l.log.Error("audit entries not written", "entries", len(batch), "failed_total", n, "error", err.Error())
			continue
		}
		l.written.Add(int64(len(batch)))
	}
}
