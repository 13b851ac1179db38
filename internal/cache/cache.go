package cache

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// Backend is where the caches of a gateway's connectors live.
type Backend interface {
	// For returns the cache of the connector called name, whose entries
	// live ttl; the memory backend keeps at most maxEntries of them. A
	// later For of the same name (a configuration reload) starts a new
	// cache in memory, and shares the entries already there in Redis.
	For(name string, ttl time.Duration, maxEntries int) *Cache
	// Invalidate drops every entry of the given native keys of the
	// connector called name, and keeps values read before now from being
	// stored for the next ttl. It reports how many entries it dropped.
	Invalidate(ctx context.Context, name string, keys []string) (int, error)
	// Purge is Invalidate for keys named by their purge IDs (SetPurgeID),
	// for a replica that does not know the keys: an erasure another
	// replica ran. A shared backend (Redis) was invalidated by that
	// replica: it drops nothing.
	Purge(ctx context.Context, name string, ids []string) (int, error)
	// Close releases the backend (the Redis connection).
	Close() error
}

// store is what a Cache needs of its backend.
type store interface {
	// get returns the values of keys: nil where there is none.
	get(ctx context.Context, keys []entryKey) ([]any, error)
	// put stores entries unless their subject was invalidated at or after
	// start.
	put(ctx context.Context, entries []entry, start time.Time) error
	// encoded reports whether values are stored as JSON (and come back as
	// []byte) rather than as Go values.
	encoded() bool
}

// entryKey names one entry: the subject (HMAC of connector and native
// key) and the hex HMAC of the capability and window.
type entryKey struct {
	subject string
	entry   string
}

type entry struct {
	key   entryKey
	value any
	purge string // the native key's purge ID, "" when not indexed
}

// Cache is one connector's cache. Its methods are safe for concurrent use.
type Cache struct {
	name  string
	ttl   time.Duration
	hash  *hasher
	store store
	// purge names native keys for Purge; nil when the backend needs none.
	purge func(connector, key string) string
}

// Name is the connector's name.
func (c *Cache) Name() string { return c.name }

// TTL is how long entries live.
func (c *Cache) TTL() time.Duration { return c.ttl }

// Window is the part of a read other than its key: zero for profiles.
type Window struct {
	Since, Until time.Time
	Limit        int
}

// Lookup returns the cached values of keys read with capability and
// window w: hit[i] reports whether out[i] holds one. A backend failure is
// returned with no hits: the caller reads the system.
func Lookup[T any](ctx context.Context, c *Cache, capability string, w Window, keys []string) (out []T, hit []bool, err error) {
	out, hit, _, err = LookupAt[T](ctx, c, capability, w, keys)
	return out, hit, err
}

// LookupAt is Lookup that also says when each value found was stored: at[i]
// is when the read that answered out[i] began.
func LookupAt[T any](ctx context.Context, c *Cache, capability string, w Window, keys []string) (out []T, hit []bool, at []time.Time, err error) {
	ks := make([]entryKey, len(keys))
	for i, k := range keys {
		ks[i] = c.hash.key(c.name, capability, k, w)
	}
	vals, err := c.store.get(ctx, ks)
	out = make([]T, len(keys))
	hit = make([]bool, len(keys))
	at = make([]time.Time, len(keys))
	if err != nil {
		return out, hit, at, err
	}
	for i, v := range vals {
		switch v := v.(type) {
		case nil:
		case []byte:
			plain, err := c.hash.open(v, ks[i])
			if err != nil {
				continue // sealed under another salt, or altered: a miss
			}
			stored, body, ok := unframe(plain)
			if !ok {
				continue // another version's: a miss
			}
			if err := json.Unmarshal(body, &out[i]); err != nil {
				continue // unreadable (another version's): a miss
			}
			hit[i], at[i] = true, stored
		case memValue:
			if got, ok := v.value.(T); ok {
				out[i], hit[i], at[i] = got, true, v.stored
			}
		}
	}
	return out, hit, at, nil
}

// memValue is what the memory backend keeps: the value itself, shared, and
// when the read that answered it began.
type memValue struct {
	value  any
	stored time.Time
}

// frameVersion starts the plain text of a sealed value: the time its read
// began (unix ms, 8 bytes) follows, then the JSON. Values of earlier
// versions (bare JSON) read as misses.
const frameVersion = 0x01

func frame(stored time.Time, body []byte) []byte {
	out := make([]byte, 9, 9+len(body))
	out[0] = frameVersion
	binary.BigEndian.PutUint64(out[1:9], uint64(stored.UnixMilli())) //nolint:gosec // G115: a time after 1970
	return append(out, body...)
}

func unframe(plain []byte) (time.Time, []byte, bool) {
	if len(plain) < 9 || plain[0] != frameVersion {
		return time.Time{}, nil, false
	}
	ms := int64(binary.BigEndian.Uint64(plain[1:9])) //nolint:gosec // G115: written by frame
	return time.UnixMilli(ms), plain[9:], true
}

// Store keeps values[i] as the value of keys[i] read with capability and
// window w, unless the key was invalidated at or after start, when the
// read began. Values are shared with later readers, who must not modify
// them.
func Store[T any](ctx context.Context, c *Cache, capability string, w Window, keys []string, values []T, start time.Time) error {
	if len(keys) == 0 {
		return nil
	}
	es := make([]entry, len(keys))
	for i, k := range keys {
		es[i] = entry{key: c.hash.key(c.name, capability, k, w)}
		if c.purge != nil {
			es[i].purge = c.purge(c.name, k)
		}
		if c.store.encoded() {
			b, err := json.Marshal(values[i])
			if err != nil {
				return fmt.Errorf("encode a %s value: %w", capability, err)
			}
			es[i].value = c.hash.seal(frame(start, b), es[i].key)
		} else {
			es[i].value = memValue{value: values[i], stored: start}
		}
	}
	return c.store.put(ctx, es, start)
}

// hasher derives keys under a secret salt, and seals the values a shared
// backend stores with a key derived from it: the records are personal
// data, and Redis holds them only encrypted (AES-256-GCM), each bound to
// its own entry so that values cannot be swapped between keys.
type hasher struct {
	salt []byte
	aead cipher.AEAD
}

// newHasher uses salt, or a random one when empty (a per-process cache).
func newHasher(salt string) *hasher {
	h := &hasher{salt: []byte(salt)}
	if salt == "" {
		h.salt = make([]byte, 32)
		_, _ = rand.Read(h.salt) // crypto/rand.Read never fails
	}
	key := hmac.New(sha256.New, h.salt)
	key.Write([]byte("harmony cache value key"))
	block, err := aes.NewCipher(key.Sum(nil)) // 32 bytes: AES-256
	if err != nil {
		panic(fmt.Sprintf("cache: %v", err)) // unreachable: the key is 32 bytes
	}
	h.aead, err = cipher.NewGCM(block)
	if err != nil {
		panic(fmt.Sprintf("cache: %v", err)) // unreachable for AES
	}
	return h
}

// seal encrypts plain for entry k: a random nonce, then the ciphertext.
func (h *hasher) seal(plain []byte, k entryKey) []byte {
	nonce := make([]byte, h.aead.NonceSize(), h.aead.NonceSize()+len(plain)+h.aead.Overhead())
	_, _ = rand.Read(nonce)
	return h.aead.Seal(nonce, nonce, plain, []byte(k.subject+"/"+k.entry))
}

// open decrypts what seal made for entry k.
func (h *hasher) open(sealed []byte, k entryKey) ([]byte, error) {
	n := h.aead.NonceSize()
	if len(sealed) < n {
		return nil, errors.New("sealed value too short")
	}
	return h.aead.Open(nil, sealed[:n], sealed[n:], []byte(k.subject+"/"+k.entry))
}

// mac is the hex HMAC-SHA256 of parts, each length-prefixed so that
// ("ab", "c") and ("a", "bc") differ, cut to n bytes.
func (h *hasher) mac(n int, parts ...string) string {
	m := hmac.New(sha256.New, h.salt)
	var l [8]byte
	for _, p := range parts {
		binary.BigEndian.PutUint64(l[:], uint64(len(p)))
		m.Write(l[:])
		m.Write([]byte(p))
	}
	return hex.EncodeToString(m.Sum(nil)[:n])
}

// subject names every entry of one native key of one connector.
func (h *hasher) subject(connector, key string) string { return h.mac(16, "subject", connector, key) }

func (h *hasher) key(connector, capability, key string, w Window) entryKey {
	return entryKey{
		subject: h.subject(connector, key),
		entry: h.mac(12, "entry", capability, fmt.Sprint(nanos(w.Since)), fmt.Sprint(nanos(w.Until)),
			fmt.Sprint(w.Limit)),
	}
}

func nanos(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}

// ErrClosed is returned by a closed backend.
var ErrClosed = errors.New("cache closed")
