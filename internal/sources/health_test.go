package sources_test

import (
	"errors"
	"testing"
	"time"

	"github.com/harmonyhq/harmony/connectors"
	"github.com/harmonyhq/harmony/internal/cache"
	"github.com/harmonyhq/harmony/internal/sources"
)

// What the read cache answers says when it was read, and is stale once
// the system failed: a read whose own call failed, and a read wholly
// answered by the cache after another one failed, never pass for fresh.
func TestCacheHitsAfterAFailureAreStale(t *testing.T) {
	conn := &scripted{}
	src := sources.New("calls", "test", conn, fast(sources.Options{Cache: cache.NewMemory("").For("calls", time.Hour, 100), Retries: 0}), nil, nil)
	ctx, report := sources.WithStaleReport(t.Context())
	before := time.Now()
	if _, err := src.Profiles(ctx, []string{"a", "b"}); err != nil {
		t.Fatal(err)
	}
	if _, ok := report.Lookup("calls", connectors.CapProfiles, "a"); ok {
		t.Fatal("a value read for this operation is reported as read before")
	}

	// Healthy: a cache hit says when it was read, and is not stale.
	time.Sleep(5 * time.Millisecond)
	ctx, report = sources.WithStaleReport(t.Context())
	if _, err := src.Profiles(ctx, []string{"a"}); err != nil {
		t.Fatal(err)
	}
	sv, ok := report.Lookup("calls", connectors.CapProfiles, "a")
	if !ok || sv.Stale || sv.At.Before(before.Add(-time.Second)) || !sv.At.Before(time.Now()) {
		t.Fatalf("healthy hit = %+v, %v; want read before, not stale", sv, ok)
	}
	if len(report.Entries()) != 0 {
		t.Errorf("stale entries for a healthy system: %+v", report.Entries())
	}

	// The system fails: a read with a miss fails, and its hit is stale.
	conn.setFails(coded(connectors.CodeUnavailable))
	ctx, report = sources.WithStaleReport(t.Context())
	out, err := src.Profiles(ctx, []string{"a", "c"})
	if err == nil || out == nil || out[0] == nil {
		t.Fatalf("out %v, err %v: want a partial answer with a's cached value", out, err)
	}
	if sv, ok := report.Lookup("calls", connectors.CapProfiles, "a"); !ok || !sv.Stale {
		t.Errorf("hit with a failing read = %+v, %v; want stale", sv, ok)
	}
	if code := report.Code("calls", connectors.CapProfiles); code != connectors.CodeUnavailable {
		t.Errorf("code = %q, want the failure's", code)
	}

	// Every key cached: no call, but the system is known to be failing.
	calls := conn.calls.Load()
	ctx, report = sources.WithStaleReport(t.Context())
	if _, err := src.Profiles(ctx, []string{"b"}); err != nil {
		t.Fatal(err)
	}
	if conn.calls.Load() != calls {
		t.Fatal("the system was called for a cached key")
	}
	if sv, ok := report.Lookup("calls", connectors.CapProfiles, "b"); !ok || !sv.Stale {
		t.Errorf("hit while failing = %+v, %v; want stale", sv, ok)
	}
	if e := report.Entries(); len(e) != 1 || e[0].Connector != "calls" || e[0].Code != connectors.CodeUnavailable {
		t.Errorf("entries = %+v", e)
	}

	// Healthy again: hits are fresh again after the next good call.
	conn.setFails(nil)
	if _, err := src.Profiles(t.Context(), []string{"d"}); err != nil {
		t.Fatal(err)
	}
	ctx, report = sources.WithStaleReport(t.Context())
	if _, err := src.Profiles(ctx, []string{"b"}); err != nil {
		t.Fatal(err)
	}
	if sv, _ := report.Lookup("calls", connectors.CapProfiles, "b"); sv.Stale {
		t.Error("a hit after the system recovered is stale")
	}
}

// A last good value served says when it was read.
func TestStaleFallbackSaysWhenItWasRead(t *testing.T) {
	conn := &scripted{}
	src := sources.New("crm", "test", conn, fast(sources.Options{StaleFor: time.Hour}), nil, nil)
	ctx, _ := sources.WithStaleReport(t.Context())
	read := time.Now()
	if _, err := src.Profiles(ctx, []string{"a"}); err != nil {
		t.Fatal(err)
	}
	conn.setFails(coded(connectors.CodeTimeout))
	time.Sleep(5 * time.Millisecond)
	ctx, report := sources.WithStaleReport(t.Context())
	if _, err := src.Profiles(ctx, []string{"a"}); err != nil {
		t.Fatal(err)
	}
	sv, ok := report.Lookup("crm", connectors.CapProfiles, "a")
	if !ok || !sv.Stale || sv.At.Before(read.Add(-time.Second)) || sv.At.After(read.Add(5*time.Millisecond)) {
		t.Errorf("served = %+v, %v; want stale, read at the first call", sv, ok)
	}
	if code := report.Code("crm", connectors.CapProfiles); code != connectors.CodeTimeout {
		t.Errorf("code = %q", code)
	}
}

// An erasure purges a key's last good values on every replica by its
// purge ID: the system failing afterwards, the key is answered from none,
// and a read in flight does not keep them again.
func TestPurgeDropsLastGoodValues(t *testing.T) {
	conn := &scripted{}
	purgeID := func(connector, key string) string { return "p:" + connector + ":" + key }
	src := sources.New("crm", "test", conn, fast(sources.Options{StaleFor: time.Hour, PurgeID: purgeID}), nil, nil)
	ctx, _ := sources.WithStaleReport(t.Context())
	if _, err := src.Profiles(ctx, []string{"a", "b"}); err != nil {
		t.Fatal(err)
	}
	if _, err := src.Orders(ctx, []string{"a"}, connectors.Window{Limit: 2}); err != nil {
		t.Fatal(err)
	}
	if n := src.Purge([]string{src.PurgeID("a")}); n != 2 {
		t.Fatalf("purged %d values, want a's profile and orders", n)
	}
	// Read again before the system fails: a is not kept this time.
	if _, err := src.Profiles(ctx, []string{"a"}); err != nil {
		t.Fatal(err)
	}
	conn.setFails(coded(connectors.CodeUnavailable))
	out, err := src.Profiles(ctx, []string{"a", "b"})
	var pe *sources.PartialError
	if !errors.As(err, &pe) || !pe.Failed(0) || pe.Failed(1) || out[1] == nil {
		t.Errorf("after the purge: %v, %v; want a failed and b from its last good value", out, err)
	}
}
