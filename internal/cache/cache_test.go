package cache

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/harmonyhq/harmony/internal/testenv"
)

// redisOrSkip returns a client of the test Redis (internal/testenv), or
// skips the test when there is none.
func redisOrSkip(t *testing.T) *redis.Client {
	t.Helper()
	addr := testenv.Redis(t)
	client := redis.NewClient(&redis.Options{Addr: addr})
	t.Cleanup(func() { _ = client.Close() })
	return client
}

// testPrefix is a Redis key prefix of this test alone; its keys are
// deleted at the end.
func testPrefix(t *testing.T, client *redis.Client) string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	prefix := "harmony-test:" + hex.EncodeToString(b)
	t.Cleanup(func() {
		ctx := context.WithoutCancel(t.Context())
		keys, _ := client.Keys(ctx, prefix+":*").Result()
		if len(keys) > 0 {
			client.Del(ctx, keys...)
		}
	})
	return prefix
}

type profile struct {
	Key   string
	Name  string
	Email string
}

// backends are the two backends, each made twice over the same storage
// (two replicas): memory's two are one, a process's own.
func backends(t *testing.T) map[string][2]Backend {
	out := map[string][2]Backend{}
	m := NewMemory("")
	out["memory"] = [2]Backend{m, m}
	client := redisOrSkip(t)
	prefix := testPrefix(t, client)
	const salt = "a-test-salt-of-32-characters...."
	out["redis"] = [2]Backend{NewRedisClient(client, prefix, salt), NewRedisClient(client, prefix, salt)}
	return out
}

func lookup(t *testing.T, c *Cache, capability string, w Window, keys ...string) ([]profile, []bool) {
	t.Helper()
	out, hit, err := Lookup[profile](t.Context(), c, capability, w, keys)
	if err != nil {
		t.Fatal(err)
	}
	return out, hit
}

func TestStoreLookupInvalidate(t *testing.T) {
	for name, bs := range backends(t) {
		t.Run(name, func(t *testing.T) {
			ctx := t.Context()
			a := bs[0].For("crm", time.Minute, 100)
			b := a // one process: For again would start a new cache
			if bs[0] != bs[1] {
				b = bs[1].For("crm", time.Minute, 100)
			}
			other := bs[0].For("shop", time.Minute, 100)
			ana := profile{Key: "cust-4711", Name: "Ana Lima", Email: "ana.lima@example.test"}
			bea := profile{Key: "cust-4712", Name: "Bea Roux", Email: "bea.roux@example.test"}
			w5 := Window{Limit: 5}
			before := time.Now()
			if err := Store(ctx, a, "profiles", Window{}, []string{ana.Key, bea.Key}, []profile{ana, bea}, before); err != nil {
				t.Fatal(err)
			}
			if err := Store(ctx, a, "orders", w5, []string{ana.Key}, []profile{ana}, before); err != nil {
				t.Fatal(err)
			}

			// The other replica's cache of the connector reads them; another
			// connector, capability or window does not.
			got, hit := lookup(t, b, "profiles", Window{}, ana.Key, "cust-0000", bea.Key)
			if !slices.Equal(hit, []bool{true, false, true}) {
				t.Fatalf("hits = %v, want [true false true]", hit)
			}
			if got[0] != ana || got[2] != bea {
				t.Fatalf("values = %+v", got)
			}
			for _, miss := range []struct {
				c          *Cache
				capability string
				w          Window
			}{{other, "profiles", Window{}}, {b, "interactions", Window{}}, {b, "orders", Window{Limit: 6}}} {
				if _, hit := lookup(t, miss.c, miss.capability, miss.w, ana.Key); hit[0] {
					t.Errorf("%s %s %+v: hit", miss.c.Name(), miss.capability, miss.w)
				}
			}

			// Invalidating Ana on one replica drops every entry of hers, on
			// both, whatever the capability and window; Bea's stay.
			n, err := bs[1].Invalidate(ctx, "crm", []string{ana.Key})
			if err != nil || n != 2 {
				t.Fatalf("invalidated %d, %v; want 2 entries", n, err)
			}
			if _, hit := lookup(t, a, "profiles", Window{}, ana.Key, bea.Key); hit[0] || !hit[1] {
				t.Fatalf("hits after invalidation = %v, want [false true]", hit)
			}
			if _, hit := lookup(t, a, "orders", w5, ana.Key); hit[0] {
				t.Fatal("orders of an invalidated key still cached")
			}

			// A read that began before the invalidation does not put her
			// old value back; one that began after does.
			if err := Store(ctx, a, "profiles", Window{}, []string{ana.Key}, []profile{ana}, before); err != nil {
				t.Fatal(err)
			}
			if _, hit := lookup(t, b, "profiles", Window{}, ana.Key); hit[0] {
				t.Fatal("a read older than the invalidation was stored")
			}
			time.Sleep(2 * time.Millisecond) // Redis tombstones count milliseconds
			if err := Store(ctx, a, "profiles", Window{}, []string{ana.Key}, []profile{ana}, time.Now()); err != nil {
				t.Fatal(err)
			}
			if _, hit := lookup(t, b, "profiles", Window{}, ana.Key); !hit[0] {
				t.Fatal("a read newer than the invalidation was not stored")
			}
		})
	}
}

func TestRedisKeysHoldNoIdentifiers(t *testing.T) {
	client := redisOrSkip(t)
	prefix := testPrefix(t, client)
	r := NewRedisClient(client, prefix, "a-test-salt-of-32-characters....")
	c := r.For("crm", time.Minute, 0)
	keys := []string{"cust-4711", "ana.lima@example.test", "+33612345678"}
	vals := []profile{{Key: keys[0], Name: "Ana Lima", Email: keys[1]}, {Key: keys[1], Name: "Ana Lima"}, {Key: keys[2], Email: keys[1]}}
	w := Window{Since: time.Unix(1700000000, 0), Limit: 20}
	if err := Store(t.Context(), c, "profiles", w, keys, vals, time.Now()); err != nil {
		t.Fatal(err)
	}
	// The values are sealed: no identifier or name in clear, yet they read
	// back, and a value copied under another entry does not.
	all, err := client.Keys(t.Context(), prefix+":*").Result()
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range all {
		if typ, _ := client.Type(t.Context(), k).Result(); typ != "string" {
			continue
		}
		v, err := client.Get(t.Context(), k).Bytes()
		if err != nil {
			t.Fatal(err)
		}
		for _, clear := range []string{"ana", "lima", "example", "4711", "3361234"} {
			if strings.Contains(strings.ToLower(string(v)), clear) {
				t.Errorf("value of %q holds %q in clear", k, clear)
			}
		}
	}
	if got, hit := lookup(t, c, "profiles", w, keys...); !hit[1] || got[1].Name != "Ana Lima" {
		t.Fatalf("sealed values do not read back: %+v %v", got, hit)
	}
	from, to := r.entryKey(c.hash.key("crm", "profiles", keys[1], w)), r.entryKey(c.hash.key("crm", "profiles", keys[2], w))
	sealed, err := client.Get(t.Context(), from).Bytes()
	if err != nil {
		t.Fatal(err)
	}
	if err := client.Set(t.Context(), to, sealed, time.Minute).Err(); err != nil {
		t.Fatal(err)
	}
	if _, hit := lookup(t, c, "profiles", w, keys[2]); hit[0] {
		t.Fatal("a value copied under another entry was read as its own")
	}
	if _, err := r.Invalidate(t.Context(), "crm", keys[:1]); err != nil {
		t.Fatal(err)
	}
	stored, err := client.Keys(t.Context(), prefix+":*").Result()
	if err != nil {
		t.Fatal(err)
	}
	// Two entries and their indexes, and one tombstone.
	if len(stored) != 5 {
		t.Fatalf("keys = %v, want 5", stored)
	}
	for _, k := range stored {
		rest := strings.TrimPrefix(k, prefix)
		for _, clear := range append(slices.Clone(keys), "4711", "example", "crm", "profiles", "1700000000", "20") {
			if strings.Contains(rest, clear) {
				t.Errorf("key %q holds %q in clear", k, clear)
			}
		}
		ttl, err := client.PTTL(t.Context(), k).Result()
		if err != nil || ttl <= 0 {
			t.Errorf("key %q has no ttl (%v, %v)", k, ttl, err)
		}
	}
}

func TestMemoryExpiresAndEvicts(t *testing.T) {
	m := NewMemory("")
	now := time.Unix(1700000000, 0)
	m.now = func() time.Time { return now }
	c := m.For("crm", time.Minute, 2)
	ctx := t.Context()
	put := func(k string) {
		if err := Store(ctx, c, "profiles", Window{}, []string{k}, []profile{{Key: k}}, now); err != nil {
			t.Fatal(err)
		}
	}
	put("k1")
	put("k2")
	put("k3") // evicts k1, the least recently used
	if _, hit := lookup(t, c, "profiles", Window{}, "k1", "k2", "k3"); !slices.Equal(hit, []bool{false, true, true}) {
		t.Fatalf("hits = %v, want k1 evicted", hit)
	}
	if m.Len("crm") != 2 {
		t.Fatalf("len = %d, want 2", m.Len("crm"))
	}
	now = now.Add(time.Minute)
	if _, hit := lookup(t, c, "profiles", Window{}, "k2", "k3"); hit[0] || hit[1] {
		t.Fatalf("hits after the ttl = %v, want none", hit)
	}
	// An eviction leaves no index behind: invalidating finds nothing.
	if n, _ := m.Invalidate(ctx, "crm", []string{"k1", "k2"}); n != 0 {
		t.Fatalf("invalidated %d expired or evicted entries", n)
	}
}

func TestHashesDependOnTheSalt(t *testing.T) {
	a, b, a2 := newHasher("salt-one-salt-one"), newHasher("salt-two-salt-two"), newHasher("salt-one-salt-one")
	if a.subject("crm", "k") != a2.subject("crm", "k") {
		t.Fatal("one salt, two subjects")
	}
	if a.subject("crm", "k") == b.subject("crm", "k") {
		t.Fatal("two salts, one subject")
	}
	if a.subject("crm", "k1") == a.subject("crm1", "k") || a.subject("crm", "k") == a.subject("shop", "k") {
		t.Fatal("parts are not separated")
	}
	if r1, r2 := newHasher(""), newHasher(""); r1.subject("crm", "k") == r2.subject("crm", "k") {
		t.Fatal("two random salts agree")
	}
}

// A replica purges a key it never saw in clear, named by its purge ID (an
// erasure another replica ran): every window and capability of the key
// goes, the others stay, and a read in flight does not store it again.
// Values say when their read began, in memory and in Redis.
func TestMemoryPurgeByID(t *testing.T) {
	ctx := t.Context()
	m := NewMemory("")
	purgeID := func(connector, key string) string { return "p:" + connector + ":" + key }
	m.SetPurgeID(purgeID)
	c := m.For("crm", time.Minute, 100)
	ana := profile{Key: "cust-4711", Name: "Ana Lima"}
	bea := profile{Key: "cust-4712", Name: "Bea Roux"}
	began := time.Now().Add(-time.Second)
	if err := Store(ctx, c, "profiles", Window{}, []string{ana.Key, bea.Key}, []profile{ana, bea}, began); err != nil {
		t.Fatal(err)
	}
	if err := Store(ctx, c, "orders", Window{Limit: 5}, []string{ana.Key}, []profile{ana}, began); err != nil {
		t.Fatal(err)
	}
	_, hit, at, err := LookupAt[profile](ctx, c, "profiles", Window{}, []string{ana.Key})
	if err != nil || !hit[0] || !at[0].Equal(began) {
		t.Fatalf("hit %v at %v (%v), want when the read began", hit, at, err)
	}
	n, err := m.Purge(ctx, "crm", []string{purgeID("crm", ana.Key)})
	if err != nil || n != 2 {
		t.Fatalf("purged %d (%v), want both of ana's entries", n, err)
	}
	if _, hit := lookup(t, c, "profiles", Window{}, ana.Key, bea.Key); hit[0] || !hit[1] {
		t.Errorf("after the purge: hits %v, want bea's only", hit)
	}
	if err := Store(ctx, c, "profiles", Window{}, []string{ana.Key}, []profile{ana}, began); err != nil {
		t.Fatal(err)
	}
	if _, hit := lookup(t, c, "profiles", Window{}, ana.Key); hit[0] {
		t.Error("a read that began before the purge stored its value")
	}
}

func TestRedisValuesSayWhenTheyWereRead(t *testing.T) {
	client := redisOrSkip(t)
	r := NewRedisClient(client, testPrefix(t, client), "a-test-salt-of-32-characters....")
	c := r.For("crm", time.Minute, 0)
	began := time.Now().Add(-time.Second).Truncate(time.Millisecond)
	if err := Store(t.Context(), c, "profiles", Window{}, []string{"k"}, []profile{{Key: "k"}}, began); err != nil {
		t.Fatal(err)
	}
	out, hit, at, err := LookupAt[profile](t.Context(), c, "profiles", Window{}, []string{"k"})
	if err != nil || !hit[0] || out[0].Key != "k" || !at[0].Equal(began) {
		t.Errorf("got %+v %v at %v (%v), want the value and when its read began", out, hit, at, err)
	}
}
