package load

import (
	"context"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// Op is one operation; it returns an error when the operation failed.
type Op func(ctx context.Context) error

// Result is what a run measured.
type Result struct {
	// Elapsed is the run's length, from the first scheduled request to the
	// last answer.
	Elapsed time.Duration
	// Latencies of the successful operations, sorted.
	Latencies []time.Duration
	// Errors counts failed operations; FirstError is the first failure.
	Errors     int
	FirstError error
}

// Done is how many operations ended, failed or not.
func (r Result) Done() int { return len(r.Latencies) + r.Errors }

// RPS is the operations that ended per second.
func (r Result) RPS() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.Done()) / r.Elapsed.Seconds()
}

// Quantile returns the q quantile (0 < q ≤ 1) of the latencies, by the
// nearest-rank method; 0 without latencies.
func (r Result) Quantile(q float64) time.Duration {
	n := len(r.Latencies)
	if n == 0 {
		return 0
	}
	i := int(q*float64(n)+0.999999) - 1
	return r.Latencies[min(max(i, 0), n-1)]
}

type collector struct {
	mu     sync.Mutex
	lat    []time.Duration
	errs   int
	first  error
	lastAt time.Time
}

func (c *collector) add(scheduled time.Time, err error) {
	now := time.Now()
	c.mu.Lock()
	defer c.mu.Unlock()
	if err != nil {
		c.errs++
		if c.first == nil {
			c.first = err
		}
	} else {
		c.lat = append(c.lat, now.Sub(scheduled))
	}
	if now.After(c.lastAt) {
		c.lastAt = now
	}
}

func (c *collector) result(start time.Time) Result {
	c.mu.Lock()
	defer c.mu.Unlock()
	slices.Sort(c.lat)
	return Result{Elapsed: c.lastAt.Sub(start), Latencies: c.lat, Errors: c.errs, FirstError: c.first}
}

// Open issues op at rate operations per second for d: request i leaves at
// start + i/rate in its own goroutine, however many are still in flight,
// and its latency runs from that scheduled time. It waits for every
// request to end.
func Open(ctx context.Context, op Op, rate float64, d time.Duration) Result {
	interval := time.Duration(float64(time.Second) / rate)
	n := int(d / interval)
	var c collector
	var wg sync.WaitGroup
	start := time.Now()
	for i := range n {
		at := start.Add(time.Duration(i) * interval)
		if wait := time.Until(at); wait > 0 {
			t := time.NewTimer(wait)
			select {
			case <-t.C:
			case <-ctx.Done():
				t.Stop()
			}
		}
		if ctx.Err() != nil {
			break
		}
		wg.Go(func() { c.add(at, op(ctx)) })
	}
	wg.Wait()
	return c.result(start)
}

// Closed runs op back to back on workers goroutines for d and waits for
// the operations in flight: the most the system sustains at that
// concurrency.
func Closed(ctx context.Context, op Op, workers int, d time.Duration) Result {
	var c collector
	var wg sync.WaitGroup
	var stop atomic.Bool
	start := time.Now()
	timer := time.AfterFunc(d, func() { stop.Store(true) })
	defer timer.Stop()
	for range workers {
		wg.Go(func() {
			for !stop.Load() && ctx.Err() == nil {
				at := time.Now()
				c.add(at, op(ctx))
			}
		})
	}
	wg.Wait()
	return c.result(start)
}
