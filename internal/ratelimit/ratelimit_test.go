package ratelimit_test

import (
	"bytes"
	"context"
	"log/slog"
	"net"
	"strconv"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/harmonyhq/harmony/connectors"
	"github.com/harmonyhq/harmony/internal/config"
	"github.com/harmonyhq/harmony/internal/ratelimit"
	"github.com/harmonyhq/harmony/internal/testenv"

	"github.com/harmonyhq/harmony/internal/testlog"
)

// The memory limiter's clock is the bubble's: the waits below are exact
// and take no real time.

func TestMemory(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		l := ratelimit.NewMemory(1, 3)
		ctx := context.Background()
		tests := []struct {
			key     string
			n       int
			allowed bool
		}{
			{"a", 2, true},
			{"a", 1, true},
			{"a", 1, false},
			{"b", 3, true}, // another key, another budget
			{"b", 4, false},
			{"c", 4, false}, // more than the burst is never allowed at once
		}
		for i, tt := range tests {
			d := l.Allow(ctx, tt.key, tt.n)
			if d.Allowed != tt.allowed {
				t.Fatalf("step %d: %+v, want allowed %v", i, d, tt.allowed)
			}
			if !d.Allowed && d.RetryAfter <= 0 {
				t.Fatalf("step %d: refused without a retry delay", i)
			}
		}
		// A refusal takes nothing: after a second, one more passes.
		d := l.Allow(ctx, "a", 1)
		if d.Allowed || d.RetryAfter > time.Second {
			t.Fatalf("%+v", d)
		}
		time.Sleep(d.RetryAfter)
		if d := l.Allow(ctx, "a", 1); !d.Allowed {
			t.Fatalf("refused after the retry delay: %+v", d)
		}
	})
}

func TestMemoryForgetsFullBudgets(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		l := ratelimit.NewMemory(1000, 1)
		for i := range 100 {
			l.Allow(context.Background(), strconv.Itoa(i), 1)
		}
		if l.Len() != 100 {
			t.Fatalf("%d budgets", l.Len())
		}
		time.Sleep(time.Millisecond) // one token at 1000/s: every budget is full again
		ratelimit.Sweep(l)
		if l.Len() != 0 {
			t.Fatalf("%d budgets kept after they refilled", l.Len())
		}
	})
}

func TestNew(t *testing.T) {
	l, err := ratelimit.New(config.RateLimit{}, "", nil)
	if err != nil || l != nil {
		t.Fatalf("off: %v %v", l, err)
	}
	l, err = ratelimit.New(config.RateLimit{RequestsPerSecond: 5}, "", nil)
	if _, ok := l.(*ratelimit.Memory); !ok || err != nil {
		t.Fatalf("in memory: %T %v", l, err)
	}
	_, err = ratelimit.New(config.RateLimit{RequestsPerSecond: 5, RedisURL: connectors.Secret("redis://user:hunter2@[bad")}, "", nil)
	if err == nil || strings.Contains(err.Error(), "hunter2") {
		t.Fatalf("bad url: %v", err)
	}
}

// Two replicas' limiters over one Redis share each key's budget.
func TestRedisSharedBudget(t *testing.T) {
	addr := testenv.Redis(t)
	prefix := "harmony-test:" + strconv.FormatInt(time.Now().UnixNano(), 36) + ":"
	a := ratelimit.NewRedis(redis.NewClient(&redis.Options{Addr: addr}), 0.5, 4, prefix, nil)
	b := ratelimit.NewRedis(redis.NewClient(&redis.Options{Addr: addr}), 0.5, 4, prefix, nil)
	defer func() { _ = a.Close() }()
	defer func() { _ = b.Close() }()
	ctx := context.Background()
	for i, l := range []ratelimit.Limiter{a, b, a, b} {
		if d := l.Allow(ctx, "caller:storefront", 1); !d.Allowed {
			t.Fatalf("request %d refused: %+v", i, d)
		}
	}
	for _, l := range []ratelimit.Limiter{a, b} {
		d := l.Allow(ctx, "caller:storefront", 1)
		if d.Allowed || d.RetryAfter <= 0 || d.RetryAfter > 2*time.Second {
			t.Fatalf("past the shared burst: %+v", d)
		}
	}
	if d := b.Allow(ctx, "caller:agent", 4); !d.Allowed {
		t.Fatalf("another key: %+v", d)
	}
	if d := a.Allow(ctx, "caller:other", 5); d.Allowed || d.RetryAfter <= 0 {
		t.Fatalf("more than the burst: %+v", d)
	}
	// Keys are hashed: no caller name is stored.
	rdb := redis.NewClient(&redis.Options{Addr: addr})
	defer func() { _ = rdb.Close() }()
	keys, err := rdb.Keys(ctx, "*"+prefix+"*").Result()
	if err != nil || len(keys) == 0 {
		t.Fatalf("keys %v %v", keys, err)
	}
	for _, k := range keys {
		if strings.Contains(k, "storefront") || strings.Contains(k, "agent") {
			t.Errorf("key %q holds the caller", k)
		}
	}
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

// With Redis down, requests pass and a warning says so, once.
func TestRedisFailsOpen(t *testing.T) {
	ln, err := (&net.ListenConfig{}).Listen(t.Context(), "tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	_ = ln.Close() // nothing listens there now
	var logs syncBuffer
	l := ratelimit.NewRedis(redis.NewClient(&redis.Options{Addr: addr, MaxRetries: -1}), 1, 1, "", slog.New(slog.NewJSONHandler(testlog.Tee(&logs), nil)))
	defer func() { _ = l.Close() }()
	for range 5 {
		if d := l.Allow(context.Background(), "k", 1); !d.Allowed {
			t.Fatalf("refused with redis down: %+v", d)
		}
	}
	logs.mu.Lock()
	out := logs.b.String()
	logs.mu.Unlock()
	if strings.Count(out, "fail open") != 1 || !strings.Contains(out, `"level":"WARN"`) {
		t.Fatalf("want one warning: %s", out)
	}
}
