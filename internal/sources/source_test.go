package sources_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/harmonyhq/harmony/connectors"
	"github.com/harmonyhq/harmony/internal/sources"
)

// fake is a connector whose behaviour each test sets.
type fake struct {
	mu       sync.Mutex
	calls    [][]string
	profiles func(ctx context.Context, keys []string) ([]*connectors.Profile, error)
	orders   func(ctx context.Context, keys []string, w connectors.Window) ([][]connectors.Order, error)
}

func (f *fake) Close() error { return nil }

func (f *fake) record(keys []string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, slices.Clone(keys))
}

func (f *fake) Profiles(ctx context.Context, keys []string) ([]*connectors.Profile, error) {
	f.record(keys)
	return f.profiles(ctx, keys)
}

func (f *fake) Orders(ctx context.Context, keys []string, w connectors.Window) ([][]connectors.Order, error) {
	f.record(keys)
	return f.orders(ctx, keys, w)
}

func echoProfiles(_ context.Context, keys []string) ([]*connectors.Profile, error) {
	out := make([]*connectors.Profile, len(keys))
	for i, k := range keys {
		if k != "missing" {
			out[i] = &connectors.Profile{Key: k}
		}
	}
	return out, nil
}

func TestProfilesBatching(t *testing.T) {
	tests := []struct {
		name      string
		keys      []string
		maxBatch  int
		fn        func(context.Context, []string) ([]*connectors.Profile, error)
		wantCalls [][]string
		wantCode  connectors.Code
	}{
		{
			name:      "dedupes and keeps order",
			keys:      []string{"b", "a", "b", "missing", "a"},
			fn:        echoProfiles,
			wantCalls: [][]string{{"b", "a", "missing"}},
		},
		{
			name:      "chunks to the batch limit",
			keys:      []string{"a", "b", "c", "d", "e"},
			maxBatch:  2,
			fn:        echoProfiles,
			wantCalls: [][]string{{"a", "b"}, {"c", "d"}, {"e"}},
		},
		{
			name: "too few results",
			keys: []string{"a", "b"},
			fn: func(_ context.Context, keys []string) ([]*connectors.Profile, error) {
				return []*connectors.Profile{{Key: "a"}}, nil
			},
			wantCode: connectors.CodeBadResponse,
		},
		{
			name: "results out of order",
			keys: []string{"a", "b"},
			fn: func(_ context.Context, keys []string) ([]*connectors.Profile, error) {
				return []*connectors.Profile{{Key: "b"}, {Key: "a"}}, nil
			},
			wantCode: connectors.CodeBadResponse,
		},
		{
			name: "panic is recovered",
			keys: []string{"a"},
			fn: func(context.Context, []string) ([]*connectors.Profile, error) {
				panic("boom")
			},
			wantCode: connectors.CodeInternal,
		},
		{
			name: "plain error is unavailable",
			keys: []string{"a"},
			fn: func(context.Context, []string) ([]*connectors.Profile, error) {
				return nil, errors.New("connection refused")
			},
			wantCode: connectors.CodeUnavailable,
		},
		{
			name: "classified error keeps its code",
			keys: []string{"a"},
			fn: func(context.Context, []string) ([]*connectors.Profile, error) {
				return nil, connectors.Errorf(connectors.CodeUnauthorized, "status 401")
			},
			wantCode: connectors.CodeUnauthorized,
		},
		{
			name: "slow upstream times out",
			keys: []string{"a"},
			fn: func(ctx context.Context, _ []string) ([]*connectors.Profile, error) {
				<-ctx.Done()
				return nil, ctx.Err()
			},
			wantCode: connectors.CodeTimeout,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := &fake{profiles: tt.fn}
			s := sources.New("crm", "fake", f, sources.Options{MaxBatch: tt.maxBatch, MaxConcurrency: 1, Timeout: 50 * time.Millisecond}, nil, nil)
			got, err := s.Profiles(context.Background(), tt.keys)
			if tt.wantCode != "" {
				var ce *connectors.Error
				if !errors.As(err, &ce) || ce.Code != tt.wantCode || ce.Connector != "crm" || ce.Capability != connectors.CapProfiles {
					t.Fatalf("err = %#v, want code %s from crm profiles", err, tt.wantCode)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !slices.EqualFunc(f.calls, tt.wantCalls, slices.Equal) {
				t.Errorf("calls = %v, want %v", f.calls, tt.wantCalls)
			}
			for i, k := range tt.keys {
				if k == "missing" {
					if got[i] != nil {
						t.Errorf("out[%d] = %+v, want nil for a missing key", i, got[i])
					}
					continue
				}
				if got[i] == nil || got[i].Key != k {
					t.Errorf("out[%d] = %+v, want key %s", i, got[i], k)
				}
			}
		})
	}
}

func TestOrdersWindowIsEnforced(t *testing.T) {
	day := func(d int) time.Time { return time.Date(2026, 10, d, 0, 0, 0, 0, time.UTC) }
	f := &fake{orders: func(_ context.Context, keys []string, w connectors.Window) ([][]connectors.Order, error) {
		out := make([][]connectors.Order, len(keys))
		for i, k := range keys {
			// Oldest first, one outside the window: the guard must fix both.
			for d := 1; d <= 5; d++ {
				out[i] = append(out[i], connectors.Order{ID: fmt.Sprint(d), CustomerKey: k, PlacedAt: day(d)})
			}
		}
		return out, nil
	}}
	s := sources.New("shop", "fake", f, sources.Options{}, nil, nil)
	got, err := s.Orders(context.Background(), []string{"k1"}, connectors.Window{Until: day(4), Limit: 2})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, o := range got[0] {
		ids = append(ids, o.ID)
	}
	if want := []string{"4", "3"}; !slices.Equal(ids, want) {
		t.Fatalf("orders = %v, want %v (newest first, inside the window, limited)", ids, want)
	}

	f.orders = func(_ context.Context, keys []string, _ connectors.Window) ([][]connectors.Order, error) {
		return [][]connectors.Order{{{ID: "x", CustomerKey: "someone-else"}}}, nil
	}
	if _, err := s.Orders(context.Background(), []string{"k1"}, connectors.Window{Limit: 1}); connectors.CodeOf(err) != connectors.CodeBadResponse {
		t.Fatalf("order of another key: err = %v, want %s", err, connectors.CodeBadResponse)
	}
}

func TestRequestsAreCounted(t *testing.T) {
	reg := prometheus.NewRegistry()
	m := sources.NewMetrics(reg)
	f := &fake{profiles: echoProfiles}
	s := sources.New("crm", "fake", f, sources.Options{MaxBatch: 2}, m, nil)
	if _, err := s.Profiles(context.Background(), []string{"a", "b", "c"}); err != nil {
		t.Fatal(err)
	}
	want := `
# HELP harmony_connector_requests_total Upstream calls made through a connector, one per batch chunk.
# TYPE harmony_connector_requests_total counter
harmony_connector_requests_total{capability="profiles",connector="crm"} 2
`
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want), "harmony_connector_requests_total"); err != nil {
		t.Fatal(err)
	}
}

// Items are counted as the system returned them, before the guard trims
// them to the window: the timeline's bound on upstream items rests on it.
func TestItemsAreCounted(t *testing.T) {
	reg := prometheus.NewRegistry()
	f := &fake{orders: func(_ context.Context, keys []string, _ connectors.Window) ([][]connectors.Order, error) {
		out := make([][]connectors.Order, len(keys))
		for i, k := range keys {
			for d := range i + 2 { // 2 orders for the first key, 3 for the second
				out[i] = append(out[i], connectors.Order{ID: fmt.Sprint(d), CustomerKey: k, PlacedAt: time.Unix(int64(d), 0)})
			}
		}
		return out, nil
	}}
	s := sources.New("shop", "fake", f, sources.Options{}, sources.NewMetrics(reg), nil)
	if _, err := s.Orders(context.Background(), []string{"a", "b"}, connectors.Window{Limit: 1}); err != nil {
		t.Fatal(err)
	}
	want := `
# HELP harmony_connector_items_total Orders or interactions upstream calls returned, before the guard trims them to the window asked.
# TYPE harmony_connector_items_total counter
harmony_connector_items_total{capability="orders",connector="shop"} 5
`
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want), "harmony_connector_items_total"); err != nil {
		t.Fatal(err)
	}
}

func TestUnsupportedCapability(t *testing.T) {
	s := sources.New("crm", "fake", &fake{}, sources.Options{}, nil, nil)
	if s.Has(connectors.CapInteractions) {
		t.Fatal("fake does not serve interactions")
	}
	set, err := sources.NewSet(s)
	if err != nil {
		t.Fatal(err)
	}
	if got := set.With(connectors.CapOrders); len(got) != 1 || got[0].Name() != "crm" {
		t.Fatalf("With(orders) = %v", got)
	}
	if _, err := sources.NewSet(s, s); err == nil {
		t.Fatal("duplicate names must be refused")
	}
}

// sizedLister is a Go lister that says its page size.
type sizedLister struct{ size int }

func (l *sizedLister) Close() error { return nil }
func (l *sizedLister) ListProfiles(context.Context, string, int) (connectors.ProfilePage, error) {
	return connectors.ProfilePage{}, nil
}
func (l *sizedLister) ListPageSize() int { return l.size }

// plainLister says nothing of its page size.
type plainLister struct{}

func (plainLister) Close() error { return nil }
func (plainLister) ListProfiles(context.Context, string, int) (connectors.ProfilePage, error) {
	return connectors.ProfilePage{}, nil
}

func TestListPageSize(t *testing.T) {
	tests := []struct {
		name string
		conn connectors.Connector
		want int
	}{
		{"configured", &sizedLister{size: 250}, 250},
		{"largest", &sizedLister{size: connectors.MaxListPageSize}, connectors.MaxListPageSize},
		{"unset", &sizedLister{}, connectors.DefaultListPageSize},
		{"out of range", &sizedLister{size: connectors.MaxListPageSize + 1}, connectors.DefaultListPageSize},
		{"go connector without one", plainLister{}, connectors.DefaultListPageSize},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := sources.New("crm", "go", tt.conn, sources.Options{}, nil, nil).ListPageSize(); got != tt.want {
				t.Errorf("ListPageSize = %d, want %d", got, tt.want)
			}
		})
	}
}

// TestWindowOrderAndLimit: whatever order a connector answers in, the
// guard hands on the items inside the window, newest first, ties by ID
// descending, at most the limit; a list that already is so as well.
func TestWindowOrderAndLimit(t *testing.T) {
	day := func(d int) time.Time { return time.Date(2026, 10, d, 0, 0, 0, 0, time.UTC) }
	order := func(id string, d int) connectors.Order {
		return connectors.Order{ID: id, CustomerKey: "k1", PlacedAt: day(d)}
	}
	cases := []struct {
		name   string
		answer []connectors.Order
		w      connectors.Window
		want   []string
	}{
		{name: "already newest first", answer: []connectors.Order{order("c", 3), order("b", 2), order("a", 1)},
			w: connectors.Window{Limit: 5}, want: []string{"c", "b", "a"}},
		{name: "oldest first", answer: []connectors.Order{order("a", 1), order("b", 2), order("c", 3)},
			w: connectors.Window{Limit: 5}, want: []string{"c", "b", "a"}},
		{name: "ties by ID ascending", answer: []connectors.Order{order("a", 2), order("b", 2)},
			w: connectors.Window{Limit: 5}, want: []string{"b", "a"}},
		{name: "sorted but over the limit", answer: []connectors.Order{order("c", 3), order("b", 2), order("a", 1)},
			w: connectors.Window{Limit: 2}, want: []string{"c", "b"}},
		{name: "sorted with one outside", answer: []connectors.Order{order("c", 3), order("b", 2), order("a", 1)},
			w: connectors.Window{Since: day(2), Limit: 5}, want: []string{"c", "b"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := &fake{orders: func(_ context.Context, keys []string, _ connectors.Window) ([][]connectors.Order, error) {
				return [][]connectors.Order{slices.Clone(tc.answer)}, nil
			}}
			s := sources.New("shop", "fake", f, sources.Options{}, nil, nil)
			got, err := s.Orders(context.Background(), []string{"k1"}, tc.w)
			if err != nil {
				t.Fatal(err)
			}
			var ids []string
			for _, o := range got[0] {
				ids = append(ids, o.ID)
			}
			if !slices.Equal(ids, tc.want) {
				t.Errorf("orders %v, want %v", ids, tc.want)
			}
		})
	}
}
