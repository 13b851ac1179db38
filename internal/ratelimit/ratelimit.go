// Package ratelimit keeps per-caller request budgets: in memory (one
// replica's budgets, golang.org/x/time/rate) or in Redis (shared by every
// replica, GCRA through github.com/go-redis/redis_rate).
//
// Keys are caller names or remote addresses; the Redis limiter stores only
// a hash of them.
package ratelimit

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"log/slog"
	"math"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-redis/redis_rate/v10"
	"github.com/redis/go-redis/v9"
	"golang.org/x/time/rate"

	"github.com/harmonyhq/harmony/internal/config"
)

// Decision is a limiter's answer.
type Decision struct {
	// Allowed says whether the requests may proceed.
	Allowed bool
	// RetryAfter, when refused, is how long until they would pass.
	RetryAfter time.Duration
}

// Limiter takes requests from per-key budgets. It is safe for concurrent
// use.
type Limiter interface {
	// Allow takes n requests from key's budget, or refuses them all.
	Allow(ctx context.Context, key string, n int) Decision
	// Close releases the limiter's resources.
	Close() error
}

// New returns the limiter cfg describes: nil when rate limiting is off, a
// Redis one when a URL is set, an in-memory one otherwise. prefix starts
// every Redis key ("harmony:rl:" when empty).
func New(cfg config.RateLimit, prefix string, log *slog.Logger) (Limiter, error) {
	if !cfg.Enabled() {
		return nil, nil
	}
	burst := cfg.Burst
	if burst <= 0 {
		burst = max(int(math.Ceil(2*cfg.RequestsPerSecond)), config.DefaultMaxBatchOperations)
	}
	if cfg.RedisURL == "" {
		return NewMemory(cfg.RequestsPerSecond, burst), nil
	}
	opts, err := redis.ParseURL(cfg.RedisURL.Reveal())
	if err != nil {
		// redis.ParseURL's message may quote the URL and its password.
		return nil, errors.New("rate_limit.redis_url: not a valid Redis URL")
	}
	return NewRedis(redis.NewClient(opts), cfg.RequestsPerSecond, burst, prefix, log), nil
}

// Memory keeps budgets in this process.
type Memory struct {
	limit rate.Limit
	burst int

	mu        sync.Mutex
	keys      map[string]*rate.Limiter
	lastSweep time.Time
	now       func() time.Time
}

// sweepEvery is how often budgets back to full are forgotten.
const sweepEvery = time.Minute

// NewMemory returns an in-memory limiter of perSecond requests per second
// with bursts of burst.
func NewMemory(perSecond float64, burst int) *Memory {
	return &Memory{limit: rate.Limit(perSecond), burst: burst, keys: map[string]*rate.Limiter{}, now: time.Now}
}

// Allow implements Limiter.
func (m *Memory) Allow(_ context.Context, key string, n int) Decision {
	now := m.now()
	m.mu.Lock()
	defer m.mu.Unlock()
	if now.Sub(m.lastSweep) >= sweepEvery {
		m.sweep(now)
	}
	l, ok := m.keys[key]
	if !ok {
		l = rate.NewLimiter(m.limit, m.burst)
		m.keys[key] = l
	}
	r := l.ReserveN(now, n)
	if !r.OK() {
		// More than the burst: never allowed at once.
		return Decision{RetryAfter: time.Duration(float64(n) / float64(m.limit) * float64(time.Second))}
	}
	if d := r.DelayFrom(now); d > 0 {
		r.CancelAt(now)
		return Decision{RetryAfter: d}
	}
	return Decision{Allowed: true}
}

// sweep forgets the budgets that are full again: a new one is the same.
func (m *Memory) sweep(now time.Time) {
	m.lastSweep = now
	for k, l := range m.keys {
		if l.TokensAt(now) >= float64(m.burst) {
			delete(m.keys, k)
		}
	}
}

// Len is the number of budgets held, for tests.
func (m *Memory) Len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.keys)
}

// Close implements Limiter.
func (m *Memory) Close() error { return nil }

// Redis keeps budgets in Redis, shared by every replica that names the same
// server and prefix. When Redis cannot answer in time it fails open: the
// request is allowed and a warning is logged (at most every 30 seconds), so
// a Redis outage does not take the gateway down with it.
type Redis struct {
	rdb     *redis.Client
	lim     *redis_rate.Limiter
	limit   redis_rate.Limit
	prefix  string
	log     *slog.Logger
	timeout time.Duration
	warned  atomic.Int64 // unix nanoseconds of the last warning
}

// redisTimeout bounds one Redis round trip of a request.
const redisTimeout = 250 * time.Millisecond

// warnEvery spaces the fail-open warnings.
const warnEvery = 30 * time.Second

// NewRedis returns a limiter over rdb, which it closes on Close.
func NewRedis(rdb *redis.Client, perSecond float64, burst int, prefix string, log *slog.Logger) *Redis {
	if prefix == "" {
		prefix = "harmony:rl:"
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	// GCRA emits one request every Period/Rate: Rate 1 and Period 1/r
	// seconds is r per second, fractions included.
	period := time.Duration(float64(time.Second) / perSecond)
	return &Redis{
		rdb:     rdb,
		lim:     redis_rate.NewLimiter(rdb),
		limit:   redis_rate.Limit{Rate: 1, Burst: burst, Period: max(period, time.Microsecond)},
		prefix:  prefix,
		log:     log,
		timeout: redisTimeout,
	}
}

// Allow implements Limiter.
func (l *Redis) Allow(ctx context.Context, key string, n int) Decision {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), l.timeout)
	defer cancel()
	res, err := l.lim.AllowN(ctx, l.prefix+hashKey(key), l.limit, n)
	if err != nil {
		l.warn(ctx, err)
		return Decision{Allowed: true}
	}
	if res.Allowed > 0 {
		return Decision{Allowed: true}
	}
	retry := res.RetryAfter
	if retry < 0 {
		// More than the burst: never allowed at once.
		retry = time.Duration(n) * l.limit.Period
	}
	return Decision{RetryAfter: retry}
}

func (l *Redis) warn(ctx context.Context, err error) {
	now := time.Now().UnixNano()
	last := l.warned.Load()
	if now-last < int64(warnEvery) || !l.warned.CompareAndSwap(last, now) {
		return
	}
	l.log.WarnContext(ctx, "rate limit: redis unavailable, allowing requests (fail open)", "error", err.Error())
}

// Close implements Limiter.
func (l *Redis) Close() error { return l.rdb.Close() }

// hashKey keeps caller names and addresses out of Redis.
func hashKey(key string) string {
	sum := sha256.Sum256([]byte(key))
	return hex.EncodeToString(sum[:16])
}
