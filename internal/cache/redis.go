package cache

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

// Redis keeps the entries in Redis, shared by every replica that uses the
// same Redis, prefix and salt. Keys are
//
//	{prefix}:{subject}:e:{entry}   a value, JSON, with the connector's ttl
//	{prefix}:{subject}:i           the set of the subject's entry keys
//	{prefix}:{subject}:t           the subject's last invalidation (unix ms)
//
// with the subject in braces (a Redis Cluster hash tag), so that the keys
// of one subject live together. Subjects and entries are HMACs: no native
// key, connector or capability name is readable in Redis.
type Redis struct {
	client *redis.Client
	own    bool // Close closes the client
	prefix string
	hash   *hasher
	now    func() time.Time
}

// NewRedis makes a Redis backend from a redis:// or rediss:// URL. salt
// must be shared by replicas.
func NewRedis(url, prefix, salt string) (*Redis, error) {
	opts, err := redis.ParseURL(url)
	if err != nil {
		// The URL may hold a password: never echo it.
		return nil, errors.New("cache: redis_url is not a valid redis:// URL")
	}
	// A cache answers fast or not at all: a slow Redis must not slow every
	// read down to go-redis's 3 s defaults. A URL may set its own.
	if opts.DialTimeout == 0 {
		opts.DialTimeout = time.Second
	}
	if opts.ReadTimeout == 0 {
		opts.ReadTimeout = 250 * time.Millisecond
	}
	if opts.WriteTimeout == 0 {
		opts.WriteTimeout = 250 * time.Millisecond
	}
	if opts.MaxRetries == 0 {
		opts.MaxRetries = -1 // a failed call is a miss: no retry
	}
	r := NewRedisClient(redis.NewClient(opts), prefix, salt)
	r.own = true
	return r, nil
}

// NewRedisClient makes a Redis backend over client, which the caller
// closes.
func NewRedisClient(client *redis.Client, prefix, salt string) *Redis {
	return &Redis{client: client, prefix: prefix, hash: newHasher(salt), now: time.Now}
}

// For implements Backend.
func (r *Redis) For(name string, ttl time.Duration, _ int) *Cache {
	return &Cache{name: name, ttl: ttl, hash: r.hash, store: &redisStore{r: r, ttl: ttl}}
}

// Close implements Backend.
func (r *Redis) Close() error {
	if !r.own {
		return nil
	}
	return r.client.Close()
}

func (r *Redis) entryKey(k entryKey) string     { return r.prefix + ":{" + k.subject + "}:e:" + k.entry }
func (r *Redis) indexKey(subject string) string { return r.prefix + ":{" + subject + "}:i" }
func (r *Redis) tombKey(subject string) string  { return r.prefix + ":{" + subject + "}:t" }

// invalidateScript drops a subject's entries and index and sets its
// tombstone. KEYS: index, tombstone. ARGV: now (unix ms), ttl (ms).
var invalidateScript = redis.NewScript(`
local members = redis.call('SMEMBERS', KEYS[1])
local n = 0
for i = 1, #members, 500 do
  n = n + redis.call('DEL', unpack(members, i, math.min(i + 499, #members)))
end
redis.call('DEL', KEYS[1])
redis.call('SET', KEYS[2], ARGV[1], 'PX', ARGV[2])
return n
`)

// putScript stores entries whose subject was not invalidated at or after
// the read's start. KEYS: entry, index, tombstone for each entry. ARGV:
// ttl (ms), start (unix ms), then each entry's value.
var putScript = redis.NewScript(`
local ttl = ARGV[1]
local start = tonumber(ARGV[2])
local stored = 0
for i = 0, #KEYS / 3 - 1 do
  local t = redis.call('GET', KEYS[3 * i + 3])
  if not t or tonumber(t) < start then
    redis.call('SET', KEYS[3 * i + 1], ARGV[i + 3], 'PX', ttl)
    redis.call('SADD', KEYS[3 * i + 2], KEYS[3 * i + 1])
    redis.call('PEXPIRE', KEYS[3 * i + 2], ttl)
    stored = stored + 1
  end
end
return stored
`)

// Invalidate implements Backend. The ttl of a tombstone is the longest a
// read may take: a minute.
func (r *Redis) Invalidate(ctx context.Context, name string, keys []string) (int, error) {
	n := 0
	now := strconv.FormatInt(r.now().UnixMilli(), 10)
	for _, k := range keys {
		sub := r.hash.subject(name, k)
		got, err := invalidateScript.Run(ctx, r.client, []string{r.indexKey(sub), r.tombKey(sub)}, now, tombstoneTTL.Milliseconds()).Int()
		if err != nil {
			return n, fmt.Errorf("cache: invalidate: %w", err)
		}
		n += got
	}
	return n, nil
}

// Purge implements Backend: Redis is shared, and the replica that ran the
// erasure invalidated the keys themselves.
func (r *Redis) Purge(context.Context, string, []string) (int, error) { return 0, nil }

// tombstoneTTL bounds how long an invalidation keeps older reads out.
const tombstoneTTL = time.Minute

type redisStore struct {
	r   *Redis
	ttl time.Duration
}

func (s *redisStore) encoded() bool { return true }

func (s *redisStore) get(ctx context.Context, keys []entryKey) ([]any, error) {
	if len(keys) == 0 {
		return nil, nil
	}
	names := make([]string, len(keys))
	for i, k := range keys {
		names[i] = s.r.entryKey(k)
	}
	vals, err := s.r.client.MGet(ctx, names...).Result()
	if err != nil {
		return nil, fmt.Errorf("cache: get: %w", err)
	}
	out := make([]any, len(keys))
	for i, v := range vals {
		if str, ok := v.(string); ok {
			out[i] = []byte(str)
		}
	}
	return out, nil
}

func (s *redisStore) put(ctx context.Context, entries []entry, start time.Time) error {
	keys := make([]string, 0, 3*len(entries))
	args := make([]any, 0, 2+len(entries))
	args = append(args, max(s.ttl.Milliseconds(), 1), start.UnixMilli())
	for _, e := range entries {
		keys = append(keys, s.r.entryKey(e.key), s.r.indexKey(e.key.subject), s.r.tombKey(e.key.subject))
		args = append(args, e.value)
	}
	if err := putScript.Run(ctx, s.r.client, keys, args...).Err(); err != nil {
		return fmt.Errorf("cache: put: %w", err)
	}
	return nil
}
