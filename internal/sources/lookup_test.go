package sources_test

import (
	"context"
	"errors"
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

// finder is a connector that looks identifiers up.
type finder struct {
	mu    sync.Mutex
	calls [][]connectors.Identifier
	find  func(ctx context.Context, ids []connectors.Identifier) ([]connectors.Profile, error)
}

func (f *finder) Close() error { return nil }

func (f *finder) FindProfiles(ctx context.Context, ids []connectors.Identifier) ([]connectors.Profile, error) {
	f.mu.Lock()
	f.calls = append(f.calls, slices.Clone(ids))
	f.mu.Unlock()
	return f.find(ctx, ids)
}

func mail(v string) connectors.Identifier {
	return connectors.Identifier{Kind: connectors.IdentifierEmail, Value: v}
}

// byValue answers one record per identifier, keyed by its value; "shared"
// is one record every identifier finds, "nokey" a record without a key.
func byValue(_ context.Context, ids []connectors.Identifier) ([]connectors.Profile, error) {
	var out []connectors.Profile
	for _, id := range ids {
		switch id.Value {
		case "nokey":
			out = append(out, connectors.Profile{Fields: map[string]string{"email": id.Value}})
		case "none":
		default:
			out = append(out, connectors.Profile{Key: "k-" + id.Value}, connectors.Profile{Key: "shared"})
		}
	}
	return out, nil
}

func TestFindProfiles(t *testing.T) {
	tests := []struct {
		name      string
		ids       []connectors.Identifier
		maxBatch  int
		fn        func(context.Context, []connectors.Identifier) ([]connectors.Profile, error)
		wantCalls [][]connectors.Identifier
		wantKeys  []string
		wantCode  connectors.Code
	}{
		{
			name:      "dedupes identifiers and records, drops records without a key",
			ids:       []connectors.Identifier{mail("a"), mail("b"), mail("a"), mail("nokey"), mail("none"), {Kind: "phone", Value: "a"}},
			fn:        byValue,
			wantCalls: [][]connectors.Identifier{{mail("a"), mail("b"), mail("nokey"), mail("none"), {Kind: "phone", Value: "a"}}},
			wantKeys:  []string{"k-a", "shared", "k-b"},
		},
		{
			name:      "chunks to the batch limit, one record once across chunks",
			ids:       []connectors.Identifier{mail("a"), mail("b"), mail("c")},
			maxBatch:  2,
			fn:        byValue,
			wantCalls: [][]connectors.Identifier{{mail("a"), mail("b")}, {mail("c")}},
			wantKeys:  []string{"k-a", "shared", "k-b", "k-c"},
		},
		{
			name: "a failing chunk fails the call",
			ids:  []connectors.Identifier{mail("a"), mail("b")},
			fn: func(context.Context, []connectors.Identifier) ([]connectors.Profile, error) {
				return nil, connectors.Errorf(connectors.CodeUnavailable, "POST /search: status 503")
			},
			wantCode: connectors.CodeUnavailable,
		},
		{
			name:     "panic",
			ids:      []connectors.Identifier{mail("a")},
			fn:       func(context.Context, []connectors.Identifier) ([]connectors.Profile, error) { panic("boom") },
			wantCode: connectors.CodeInternal,
		},
		{
			name: "timeout",
			ids:  []connectors.Identifier{mail("a")},
			fn: func(ctx context.Context, _ []connectors.Identifier) ([]connectors.Profile, error) {
				<-ctx.Done()
				return nil, ctx.Err()
			},
			wantCode: connectors.CodeTimeout,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := &finder{find: tt.fn}
			s := sources.New("crm", "fake", f, sources.Options{MaxBatch: tt.maxBatch, MaxConcurrency: 1, Timeout: 50 * time.Millisecond}, nil, nil)
			if !s.Has(connectors.CapLookup) {
				t.Fatal("a ProfileFinder serves lookup")
			}
			got, err := s.FindProfiles(context.Background(), tt.ids)
			if tt.wantCode != "" {
				var ce *connectors.Error
				if !errors.As(err, &ce) || ce.Code != tt.wantCode || ce.Connector != "crm" || ce.Capability != connectors.CapLookup {
					t.Fatalf("err = %#v, want code %s from crm lookup", err, tt.wantCode)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !slices.EqualFunc(f.calls, tt.wantCalls, slices.Equal) {
				t.Errorf("calls = %v, want %v", f.calls, tt.wantCalls)
			}
			var keys []string
			for _, p := range got {
				keys = append(keys, p.Key)
			}
			if !slices.Equal(keys, tt.wantKeys) {
				t.Errorf("keys = %v, want %v", keys, tt.wantKeys)
			}
		})
	}
}

func TestFindProfilesNothingAskedNothingCalled(t *testing.T) {
	f := &finder{find: byValue}
	s := sources.New("crm", "fake", f, sources.Options{}, nil, nil)
	if got, err := s.FindProfiles(context.Background(), nil); err != nil || got != nil || len(f.calls) != 0 {
		t.Fatalf("got %v, %v after %d calls; want nothing", got, err, len(f.calls))
	}
}

func TestFindProfilesCountedByCapability(t *testing.T) {
	reg := prometheus.NewRegistry()
	s := sources.New("crm", "fake", &finder{find: byValue}, sources.Options{MaxBatch: 2}, sources.NewMetrics(reg), nil)
	if _, err := s.FindProfiles(context.Background(), []connectors.Identifier{mail("a"), mail("b"), mail("c")}); err != nil {
		t.Fatal(err)
	}
	want := `
# HELP harmony_connector_requests_total Upstream calls made through a connector, one per batch chunk.
# TYPE harmony_connector_requests_total counter
harmony_connector_requests_total{capability="lookup",connector="crm"} 2
`
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want), "harmony_connector_requests_total"); err != nil {
		t.Fatal(err)
	}
}

func TestFindProfilesUnsupported(t *testing.T) {
	s := sources.New("crm", "fake", &fake{profiles: echoProfiles}, sources.Options{}, nil, nil)
	if s.Has(connectors.CapLookup) {
		t.Fatal("fake does not look identifiers up")
	}
	_, err := s.FindProfiles(context.Background(), []connectors.Identifier{mail("a")})
	if connectors.CodeOf(err) != connectors.CodeInternal {
		t.Fatalf("err = %v, want %s", err, connectors.CodeInternal)
	}
}
