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

// DefaultLinger is how long the writer holds the first entry of a batch
// for others to join it.
const DefaultLinger = 100 * time.Millisecond

// Writer is where Log writes its entries: the profile store.
type Writer interface {
	AddAudit(ctx context.Context, entries []store.AuditEntry) error
}

// Log writes audit entries to the profile store's `audit` collection from
// a bounded queue, in the background. Start it with Run.
type Log struct {
	store   Writer
	log     *slog.Logger
	queue   chan store.AuditEntry
	dropped atomic.Int64
	failed  atomic.Int64
	written atomic.Int64
	drops   prometheus.Counter
	fails   prometheus.Counter

	linger time.Duration
	flush  chan chan struct{}

	wg      sync.WaitGroup
	once    sync.Once
	stop    chan struct{}
	stopped chan struct{}
}

// NewLog makes a log writing to st with a queue of size entries
// (DefaultQueue when not positive); reg, when not nil, gets its counters.
func NewLog(st Writer, size int, log *slog.Logger, reg prometheus.Registerer) *Log {
	if size <= 0 {
		size = DefaultQueue
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	l := &Log{store: st, log: log, queue: make(chan store.AuditEntry, size), stop: make(chan struct{}),
		stopped: make(chan struct{}), flush: make(chan chan struct{}), linger: DefaultLinger,
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

// Flush returns once every entry added before it was called is written
// (or failed), or when ctx ends: the writer acknowledges it, so nothing is
// left in a batch it holds. For tests and shutdown.
func (l *Log) Flush(ctx context.Context) error {
	done := make(chan struct{})
	select {
	case l.flush <- done:
	case <-l.stopped:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
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

// run is the writer. It holds entries for up to linger after the first
// one, so that one insert carries what arrived meanwhile: on the embedded
// store an insert costs about as much as a customer 360's own work, and
// under load a batch of one per operation would double each operation's
// cost. A full batch, a flush or Close writes at once.
func (l *Log) run() {
	defer l.wg.Done()
	defer close(l.stopped)
	var (
		batch []store.AuditEntry
		timer = time.NewTimer(time.Hour)
		acks  []chan struct{}
	)
	timer.Stop()
	for {
		select {
		case <-l.stop:
			l.write(l.drain(batch))
			return
		case e := <-l.queue:
			if len(batch) == 0 {
				timer.Reset(l.linger)
			}
			batch = append(batch, e)
			if len(batch) < writeBatch {
				continue
			}
		case <-timer.C:
		case done := <-l.flush:
			acks = append(acks, done)
			batch = l.drain(batch)
		}
		timer.Stop()
		l.write(batch)
		batch = nil
		for _, done := range acks {
			close(done)
		}
		acks = nil
	}
}

// drain appends every entry waiting in the queue to batch.
func (l *Log) drain(batch []store.AuditEntry) []store.AuditEntry {
	for {
		select {
		case e := <-l.queue:
			batch = append(batch, e)
		default:
			return batch
		}
	}
}

// write inserts batch, writeBatch entries at a time, and counts them.
func (l *Log) write(batch []store.AuditEntry) {
	for len(batch) > 0 {
		n := min(len(batch), writeBatch)
		part := batch[:n]
		batch = batch[n:]
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		err := l.store.AddAudit(ctx, part)
		cancel()
		if err != nil {
			n := l.failed.Add(int64(len(part)))
			l.fails.Add(float64(len(part)))
			l.log.Error("audit entries not written", "entries", len(part), "failed_total", n, "error", err.Error())
			continue
		}
		l.written.Add(int64(len(part)))
	}
}
