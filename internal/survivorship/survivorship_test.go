package survivorship_test

import (
	"slices"
	"testing"
	"time"

	"github.com/harmonyhq/harmony/connectors"
	"github.com/harmonyhq/harmony/internal/survivorship"
)

func TestFieldByRule(t *testing.T) {
	t0 := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	rec := func(city string, updated time.Time) survivorship.Record {
		return survivorship.Record{Profile: &connectors.Profile{Fields: map[string]string{"city": city}, UpdatedAt: updated}, FetchedAt: t0}
	}
	// Priority order: crm, shop, pos, app.
	records := []survivorship.Record{rec("Lyon", t0), rec("Paris", t0.Add(2*time.Hour)), rec(" paris ", t0.Add(time.Hour)), rec("  ", t0.Add(3*time.Hour))}
	tests := []struct {
		rule       string
		want       string
		winner     int
		wantAlts   []int
		wantRuleAs survivorship.Rule
	}{
		{"", "Lyon", 0, []int{1, 2}, survivorship.SourcePriority},
		{"source_priority", "Lyon", 0, []int{1, 2}, survivorship.SourcePriority},
		{"most_recent", "Paris", 1, []int{0}, survivorship.MostRecent}, // a blank value never wins
		{"most_frequent", "Paris", 1, []int{0}, survivorship.MostFrequent},
		{"newest", "Lyon", 0, []int{1, 2}, survivorship.SourcePriority}, // unknown: the default
	}
	for _, tt := range tests {
		t.Run(tt.rule, func(t *testing.T) {
			k := survivorship.NewRanker(records, survivorship.Options{Rules: map[string]string{"city": tt.rule}})
			f, ok := k.Field("city")
			if !ok || f.Value != tt.want || f.Record != tt.winner || f.Rule != tt.wantRuleAs {
				t.Fatalf("field = %+v, %v; want %q from record %d by %s", f, ok, tt.want, tt.winner, tt.wantRuleAs)
			}
			var alts []int
			for _, a := range f.Alternatives {
				alts = append(alts, a.Record)
			}
			if !slices.Equal(alts, tt.wantAlts) {
				t.Errorf("alternatives from records %v, want %v", alts, tt.wantAlts)
			}
			if _, ok := k.Field("email"); ok {
				t.Error("a field no record holds was chosen")
			}
		})
	}
}

func TestWinnerStaleAfter(t *testing.T) {
	t0 := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	records := []survivorship.Record{{Profile: &connectors.Profile{Fields: map[string]string{"city": "Lyon"}}, FetchedAt: t0}}
	for _, tt := range []struct {
		after time.Duration
		want  bool
	}{{0, false}, {time.Hour, true}, {3 * time.Hour, false}} {
		k := survivorship.NewRanker(records, survivorship.Options{StaleAfter: tt.after, Now: t0.Add(2 * time.Hour)})
		if f, _ := k.Field("city"); f.Stale != tt.want {
			t.Errorf("stale after %v: %v, want %v", tt.after, f.Stale, tt.want)
		}
	}
}
