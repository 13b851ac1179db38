package sources

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/harmonyhq/harmony/connectors"
)

func TestStaleCacheBounds(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	k := func(s string) staleKey { return keyHash(connectors.CapProfiles, s, time.Time{}, time.Time{}) }
	tests := []struct {
		name    string
		max     int
		puts    []string
		touch   string // read before the last put, so it is kept
		now     time.Time
		maxAge  time.Duration
		present []string
		absent  []string
	}{
		{"keeps at most max", 2, []string{"a", "b", "c"}, "", t0, time.Hour, []string{"b", "c"}, []string{"a"}},
		{"a read keeps an entry recent", 2, []string{"a", "b", "c"}, "a", t0, time.Hour, []string{"a", "c"}, []string{"b"}},
		{"a put of the same key does not grow", 2, []string{"a", "a", "a", "b"}, "", t0, time.Hour, []string{"a", "b"}, nil},
		{"entries older than max age are gone", 4, []string{"a", "b"}, "", t0.Add(2 * time.Hour), time.Hour, nil, []string{"a", "b"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newStaleCache(tt.max)
			for i, key := range tt.puts {
				if i == len(tt.puts)-1 && tt.touch != "" {
					c.get(k(tt.touch), t0, time.Hour)
				}
				c.put(staleEntry{key: k(key), value: key, fetchedAt: t0})
			}
			if c.len() > tt.max {
				t.Errorf("len = %d, want at most %d", c.len(), tt.max)
			}
			for _, key := range tt.present {
				if e, ok := c.get(k(key), tt.now, tt.maxAge); !ok || e.value != key {
					t.Errorf("%s missing", key)
				}
			}
			for _, key := range tt.absent {
				if _, ok := c.get(k(key), tt.now, tt.maxAge); ok {
					t.Errorf("%s still present", key)
				}
			}
		})
	}
}

func TestStaleKeysHoldNoKeyInClear(t *testing.T) {
	key := "alice@example.com"
	h := keyHash(connectors.CapProfiles, key, time.Time{}, time.Time{})
	if bytes.Contains(h[:], []byte(key)) {
		t.Error("the hash holds the key")
	}
	if keyHash(connectors.CapOrders, key, time.Time{}, time.Time{}) == h {
		t.Error("capabilities share a stale key")
	}
	if keyHash("ab", "c", time.Time{}, time.Time{}) == keyHash("a", "bc", time.Time{}, time.Time{}) {
		t.Error("parts are not delimited")
	}
}

func TestStaleAgeExpires(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	conn := &echo{}
	src := New("crm", "test", conn, Options{StaleFor: time.Minute}, nil, nil)
	src.now = func() time.Time { return now }
	ctx, _ := WithStaleReport(context.Background())
	if _, err := src.Profiles(ctx, []string{"a"}); err != nil {
		t.Fatal(err)
	}
	conn.fail = true
	now = now.Add(30 * time.Second)
	if _, err := src.Profiles(ctx, []string{"a"}); err != nil {
		t.Errorf("within stale_for: %v", err)
	}
	now = now.Add(time.Minute)
	if _, err := src.Profiles(ctx, []string{"a"}); err == nil {
		t.Error("a value older than stale_for was served")
	}
}

func TestOnlyReadsAreRetried(t *testing.T) {
	for _, c := range []connectors.Capability{"erase", "export", "actions", "send_message"} {
		if retryable[c] {
			t.Errorf("%s is retried; only reads opt in", c)
		}
	}
	for _, c := range []connectors.Capability{connectors.CapProfiles, connectors.CapListProfiles,
		connectors.CapOrders, connectors.CapInteractions, connectors.CapLookup} {
		if !retryable[c] {
			t.Errorf("read %s is not retried", c)
		}
	}
}

type echo struct{ fail bool }

func (e *echo) Close() error { return nil }

func (e *echo) Profiles(_ context.Context, keys []string) ([]*connectors.Profile, error) {
	if e.fail {
		return nil, connectors.Errorf(connectors.CodeUnavailable, "down")
	}
	out := make([]*connectors.Profile, len(keys))
	for i, k := range keys {
		out[i] = &connectors.Profile{Key: k}
	}
	return out, nil
}
