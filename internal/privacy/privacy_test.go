package privacy_test

import (
	"context"
	"encoding/json"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/harmonyhq/harmony/connectors"
	"github.com/harmonyhq/harmony/internal/config"
	"github.com/harmonyhq/harmony/internal/privacy"
	"github.com/harmonyhq/harmony/internal/sources"
	"github.com/harmonyhq/harmony/internal/store"
	"github.com/harmonyhq/harmony/internal/store/storetest"
)

// fake erases and exports, failing its first fails calls.
type fake struct {
	mu    sync.Mutex
	fails int
	calls int
	keys  []string
}

func (f *fake) Close() error { return nil }

func (f *fake) fail() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls++
	if f.calls <= f.fails {
		return connectors.Errorf(connectors.CodeUnavailable, "down")
	}
	return nil
}

func (f *fake) Erase(_ context.Context, keys []string) ([]connectors.EraseResult, error) {
	if err := f.fail(); err != nil {
		return nil, err
	}
	f.mu.Lock()
	f.keys = append(f.keys, keys...)
	f.mu.Unlock()
	out := make([]connectors.EraseResult, len(keys))
	for i := range out {
		out[i].Found = true
	}
	return out, nil
}

func (f *fake) Export(_ context.Context, keys []string) ([]json.RawMessage, error) {
	if err := f.fail(); err != nil {
		return nil, err
	}
	out := make([]json.RawMessage, len(keys))
	for i, k := range keys {
		out[i] = json.RawMessage(`{"id":"` + k + `"}`)
	}
	return out, nil
}

// readOnly holds records but cannot erase: a person erases them by hand
// (gone).
type readOnly struct{ gone atomic.Bool }

func (*readOnly) Close() error { return nil }
func (r *readOnly) Profiles(_ context.Context, keys []string) ([]*connectors.Profile, error) {
	out := make([]*connectors.Profile, len(keys))
	if !r.gone.Load() {
		for i, k := range keys {
			out[i] = &connectors.Profile{Key: k}
		}
	}
	return out, nil
}

func TestRequests(t *testing.T) {
	tests := []struct {
		name        string
		kind        string
		fails       int
		maxAttempts int
		want        map[string]string // system -> status after the retries ran
		wantStatus  string
		wantTries   int
	}{
		// The point of sale still holds the records: a person must erase
		// them, and until then the erasure is partial.
		{"erasure at once", store.PrivacyErasure, 0, 3,
			map[string]string{"harmony": "done", "crm": "done", "pos": "manual", "calls": "not_applicable"}, "partial", 1},
		{"erasure after two retries", store.PrivacyErasure, 2, 5,
			map[string]string{"harmony": "done", "crm": "done", "pos": "manual", "calls": "not_applicable"}, "partial", 3},
		{"erasure failed for good", store.PrivacyErasure, 10, 3,
			map[string]string{"harmony": "done", "crm": "failed", "pos": "manual", "calls": "not_applicable"}, "failed", 3},
		{"export after a retry", store.PrivacyExport, 1, 3,
			map[string]string{"harmony": "done", "crm": "done", "pos": "manual", "calls": "not_applicable"}, "partial", 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			st := storetest.Open(t)
			now := time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC)
			var mu sync.Mutex
			clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
			advance := func(d time.Duration) { mu.Lock(); now = now.Add(d); mu.Unlock() }
			if _, err := st.AddCustomers(ctx, []store.Customer{{ID: "cus_a", CreatedAt: now}}); err != nil {
				t.Fatal(err)
			}
			link := func(system, key string) store.Identity {
				return store.Identity{ID: store.IdentityID(store.KindExternalID, system, key), CustomerID: "cus_a", Kind: store.KindExternalID,
					System: system, Value: key, Rule: "new", Source: system, Confidence: 1, LinkedAt: now}
			}
			if _, err := st.AddIdentities(ctx, []store.Identity{link("crm", "1"), link("crm", "2"), link("pos", "p1")}); err != nil {
				t.Fatal(err)
			}
			crm := &fake{fails: tt.fails}
			set, err := sources.NewSet(sources.New("crm", "fake", crm, sources.Options{}, nil, nil),
				sources.New("pos", "fake", &readOnly{}, sources.Options{}, nil, nil),
				sources.New("calls", "fake", &fake{}, sources.Options{}, nil, nil))
			if err != nil {
				t.Fatal(err)
			}
			svc := &privacy.Service{Store: st, Sources: set, Now: clock,
				Config: config.Privacy{MaxAttempts: tt.maxAttempts, RetryBase: time.Second, RetryMax: 4 * time.Second}}
			r, err := svc.Request(ctx, tt.kind, "cus_a", "admin")
			if err != nil {
				t.Fatal(err)
			}
			if tt.fails > 0 && (r.Status != store.PrivacyPending || r.NextAt == nil || r.Systems[1].LastErrorCode != "UPSTREAM_UNAVAILABLE") {
				t.Fatalf("after a failure: %+v", r)
			}
			for range 12 { // the worker's passes, a backoff apart
				advance(5 * time.Second)
				svc.RunDue(ctx)
			}
			r, err = st.GetPrivacyRequest(ctx, r.ID)
			if err != nil {
				t.Fatal(err)
			}
			for _, sys := range r.Systems {
				if sys.Status != tt.want[sys.System] {
					t.Errorf("%s: %s, want %s", sys.System, sys.Status, tt.want[sys.System])
				}
				if sys.System == "crm" && sys.Attempts != tt.wantTries {
					t.Errorf("crm attempts = %d, want %d", sys.Attempts, tt.wantTries)
				}
			}
			// An erasure checks the point of sale again later.
			if r.Status != tt.wantStatus || (r.NextAt != nil) != (tt.kind == store.PrivacyErasure) {
				t.Errorf("request %s (next %v), want %s", r.Status, r.NextAt, tt.wantStatus)
			}
			switch {
			case tt.kind == store.PrivacyExport:
				var doc map[string]json.RawMessage
				if err := json.Unmarshal([]byte(privacy.Result(r)), &doc); err != nil || len(doc["crm"]) == 0 || len(doc["harmony"]) == 0 {
					t.Errorf("export result = %s (%v)", privacy.Result(r), err)
				}
			case tt.wantStatus == "partial":
				if len(crm.keys) != 2 {
					t.Errorf("crm erased %v, want both keys", crm.keys)
				}
				c, _ := st.CustomersByID(ctx, []string{"cus_a"})
				if c[0] == nil || c[0].ErasedAt == nil {
					t.Errorf("the customer is not a tombstone: %+v", c[0])
				}
			}
		})
	}
}
