package store

import (
	"context"
	"errors"
	"testing"
	"testing/synctest"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/harmonyhq/harmony/internal/overload"
)

// TestFillAfterInvalidation: what a read that began before an invalidation
// of a customer read is not stored; a read that began after is; a purge
// refuses every read begun before it; a read older than fillHorizon is not
// stored either.
func TestFillAfterInvalidation(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := NewCached(nil, CacheOptions{MaxCustomers: 10})
		fillable := func(id string, tk ticket) bool {
			c.mu.Lock()
			defer c.mu.Unlock()
			return c.fillable(id, tk)
		}
		before := c.begin()
		c.Invalidate(OriginStore, []string{"cus_a"})
		after := c.begin()
		tests := []struct {
			name string
			id   string
			tk   ticket
			want bool
		}{
			{"begun before an invalidation of the customer", "cus_a", before, false},
			{"begun after it", "cus_a", after, true},
			{"another customer", "cus_b", before, true},
		}
		for _, tt := range tests {
			if got := fillable(tt.id, tt.tk); got != tt.want {
				t.Errorf("%s: fillable = %v, want %v", tt.name, got, tt.want)
			}
		}
		c.Purge()
		if fillable("cus_b", after) {
			t.Error("a read begun before a purge may store")
		}
		fresh := c.begin()
		time.Sleep(fillHorizon + time.Second)
		if fillable("cus_b", fresh) {
			t.Error("a read older than the fill horizon may store")
		}
	})
}

// TestEntriesExpire: an entry serves for TTL, then is read again.
func TestEntriesExpire(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := NewCached(nil, CacheOptions{MaxCustomers: 10, TTL: time.Minute})
		c.entries.Add("cus_a", &entry{at: time.Now(), customer: Customer{ID: "cus_a"}})
		time.Sleep(59 * time.Second)
		if c.get("cus_a") == nil {
			t.Fatal("expired before its ttl")
		}
		time.Sleep(2 * time.Second)
		if c.get("cus_a") != nil {
			t.Fatal("served after its ttl")
		}
	})
}

// TestGate: reads beyond MaxInFlight wait; beyond MaxQueue, or past the
// timeout, they are shed, which marks the request for a 503.
func TestGate(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		reg := prometheus.NewRegistry()
		g := NewGate(GateOptions{MaxInFlight: 1, MaxQueue: 1, QueueTimeout: time.Second, Registerer: reg})
		first, err := g.Acquire(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		// The second waits in the queue.
		ctx2, mark2 := overload.With(t.Context())
		done2 := make(chan error, 1)
		go func() {
			rel, err := g.Acquire(ctx2)
			if err == nil {
				rel()
			}
			done2 <- err
		}()
		synctest.Wait()
		if g.Waiting() != 1 {
			t.Fatalf("waiting = %d, want 1", g.Waiting())
		}
		// The third finds the queue full.
		ctx3, mark3 := overload.With(t.Context())
		if _, err := g.Acquire(ctx3); !errors.Is(err, overload.ErrShed) {
			t.Fatalf("third = %v, want shed", err)
		}
		if shed, after := mark3.Shed(); !shed || after != time.Second {
			t.Errorf("third's mark = %v, %v", shed, after)
		}
		// The second waits its second, then is shed.
		time.Sleep(time.Second)
		synctest.Wait()
		if err := <-done2; !errors.Is(err, overload.ErrShed) {
			t.Fatalf("second = %v, want shed at the deadline", err)
		}
		if shed, _ := mark2.Shed(); !shed {
			t.Error("second's request not marked")
		}
		// A released place is taken at once.
		first()
		rel, err := g.Acquire(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		rel()
		// A read that waits and gets its place in time is not shed.
		hold, _ := g.Acquire(t.Context())
		got := make(chan error, 1)
		go func() {
			rel, err := g.Acquire(t.Context())
			if err == nil {
				rel()
			}
			got <- err
		}()
		synctest.Wait()
		time.Sleep(500 * time.Millisecond)
		hold()
		if err := <-got; err != nil {
			t.Errorf("a read admitted in time = %v", err)
		}
		for reason, want := range map[string]float64{ShedQueueFull: 1, ShedDeadline: 1} {
			if got := testutil.ToFloat64(g.shed.WithLabelValues(reason)); got != want {
				t.Errorf("shed %s = %v, want %v", reason, got, want)
			}
		}
		// A cancelled request is not shed: its context's error is returned.
		hold, _ = g.Acquire(t.Context())
		ctx, cancel := context.WithCancel(t.Context())
		cancel()
		if _, err := g.Acquire(ctx); !errors.Is(err, context.Canceled) {
			t.Errorf("cancelled = %v", err)
		}
		hold()
	})
}
