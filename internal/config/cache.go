package config

import (
	"fmt"
	"net/url"
	"regexp"
	"time"

	"github.com/harmonyhq/harmony/connectors"
)

// Cache backends.
const (
	// CacheMemory keeps cached reads in each replica's memory, in an LRU
	// per connector. The default.
	CacheMemory = "memory"
	// CacheRedis keeps cached reads in Redis, shared by replicas: a webhook
	// one replica accepts drops the entries for every replica.
	CacheRedis = "redis"
)

// Cache defaults.
const (
	DefaultCacheMaxEntries = 10_000
	DefaultCacheKeyPrefix  = "harmony:cache"
)

// Cache chooses where the connectors' read caches live. A connector's reads
// are cached only when its own cache block sets a ttl.
type Cache struct {
	// Backend is memory (default: an LRU per connector in each replica) or
	// redis (shared by replicas).
	Backend string `yaml:"backend" jsonschema:"enum=memory,enum=redis"`
	// RedisURL is the Redis the redis backend uses (redis:// or
	// rediss://). It may carry a password, so it is a secret.
	RedisURL connectors.Secret `yaml:"redis_url"`
	// Salt keys the HMAC-SHA256 that turns native keys into cache keys, so
	// that no key is held in clear. Required with redis (replicas must
	// share it), at least 16 characters; with memory, unset means a random
	// salt per process.
	Salt connectors.Secret `yaml:"salt"`
	// KeyPrefix prefixes the Redis keys. Default "harmony:cache"; gateways
	// sharing one Redis use different prefixes.
	KeyPrefix string `yaml:"key_prefix"`
}

// ConnectorCache configures the read cache of one connector: profiles by
// key, and orders and interactions by key and window. Identifier lookups
// and listings are never cached: identity resolution must see the systems
// as they are.
type ConnectorCache struct {
	// TTL is how long a value read from the system answers again; 0 (the
	// default) disables the cache. At most 24h.
	TTL time.Duration `yaml:"ttl"`
	// MaxEntries bounds the values kept by the memory backend. Default
	// 10000. Redis bounds its entries by their ttl and its own memory
	// policy.
	MaxEntries int `yaml:"max_entries"`
}

// Enabled reports whether the connector's reads are cached.
func (c ConnectorCache) Enabled() bool { return c.TTL > 0 }

func (c *Cache) defaults() {
	if c.Backend == "" {
		c.Backend = CacheMemory
	}
	if c.KeyPrefix == "" {
		c.KeyPrefix = DefaultCacheKeyPrefix
	}
}

func (cc *ConnectorCache) defaults() {
	if cc.TTL > 0 && cc.MaxEntries == 0 {
		cc.MaxEntries = DefaultCacheMaxEntries
	}
}

var cacheKeyPrefixRE = regexp.MustCompile(`^[A-Za-z0-9:_-]{1,64}$`)

func (c *Config) validateCache(bad func(int, string, string, ...any) error) error {
	k := &c.Cache
	switch k.Backend {
	case CacheMemory:
	case CacheRedis:
		u, err := url.Parse(k.RedisURL.Reveal())
		if k.RedisURL.Reveal() == "" || err != nil || (u.Scheme != "redis" && u.Scheme != "rediss") {
			return bad(0, "cache.redis_url", "must be a redis:// or rediss:// URL with backend redis")
		}
		if k.Salt.Reveal() == "" {
			return bad(0, "cache.salt", "is required with backend redis: replicas must hash keys alike")
		}
	default:
		return bad(0, "cache.backend", "unknown backend %q (known: %s, %s)", k.Backend, CacheMemory, CacheRedis)
	}
	if s := k.Salt.Reveal(); s != "" && len(s) < 16 {
		return bad(0, "cache.salt", "must be at least 16 characters")
	}
	if !cacheKeyPrefixRE.MatchString(k.KeyPrefix) {
		return bad(0, "cache.key_prefix", "must be 1 to 64 letters, digits, ':', '_' or '-'")
	}
	for i, cn := range c.Connectors {
		key := fmt.Sprintf("connectors[%d].cache", i)
		switch {
		case cn.Cache.TTL < 0 || cn.Cache.TTL > 24*time.Hour:
			return bad(cn.Line, key+".ttl", "must be 0 (off) or a duration up to 24h")
		case cn.Cache.TTL > 0 && cn.Cache.TTL < time.Second:
			return bad(cn.Line, key+".ttl", "must be at least 1s")
		case cn.Cache.MaxEntries < 0 || cn.Cache.MaxEntries > 10_000_000:
			return bad(cn.Line, key+".max_entries", "must be between 1 and 10000000")
		}
	}
	return nil
}
