package resolvers

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/harmonyhq/harmony/connectors"
	"github.com/harmonyhq/harmony/graph/model"
	"github.com/harmonyhq/harmony/internal/config"
	"github.com/harmonyhq/harmony/internal/loaders"
	"github.com/harmonyhq/harmony/internal/sources"
)

type noop struct{}

func (noop) Close() error { return nil }
func (noop) Profiles(_ context.Context, keys []string) ([]*connectors.Profile, error) {
	return make([]*connectors.Profile, len(keys)), nil
}

func TestGoldenTakesEachFieldFromTheFirstSourceThatHasIt(t *testing.T) {
	t1 := time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)
	rec := func(fields map[string]string) loaders.ProfileRecord {
		return loaders.ProfileRecord{Profile: &connectors.Profile{Fields: fields}, FetchedAt: t1}
	}
	p := golden([]sourced{
		{"crm", rec(map[string]string{"given_name": "Marie", "email": ""}), false},
		{"shop", rec(map[string]string{"given_name": "marie", "email": "m@x.io", "city": "Lyon"}), false},
		{"pos", rec(map[string]string{"loyalty_card": "LC-1", "home_store": "Lyon Part-Dieu"}), false},
	}, survivorship{})
	checks := []struct {
		name, value, source string
		got                 func() (string, string)
	}{
		{"givenName", "Marie", "crm", func() (string, string) { return p.GivenName.Value, p.GivenName.Source }},
		{"email (empty in crm)", "m@x.io", "shop", func() (string, string) { return p.Email.Value, p.Email.Source }},
		{"city", "Lyon", "shop", func() (string, string) { return p.City.Value, p.City.Source }},
		{"loyaltyCard", "LC-1", "pos", func() (string, string) { return p.LoyaltyCard.Value, p.LoyaltyCard.Source }},
	}
	for _, c := range checks {
		if v, s := c.got(); v != c.value || s != c.source {
			t.Errorf("%s = %q from %s, want %q from %s", c.name, v, s, c.value, c.source)
		}
	}
	if p.Phone != nil {
		t.Errorf("phone = %+v, want null: no source has it", p.Phone)
	}
	if len(p.Attributes) != 1 || p.Attributes[0].Name != "home_store" || p.Attributes[0].Source != "pos" {
		t.Errorf("attributes = %+v, want home_store from pos", p.Attributes)
	}
	if len(p.Sources) != 3 {
		t.Errorf("sources = %v", p.Sources)
	}
}

func TestOrderedFollowsThePriority(t *testing.T) {
	var list []*sources.Source
	for _, name := range []string{"crm", "shop", "pos", "helpdesk"} {
		list = append(list, sources.New(name, "go", noop{}, sources.Options{}, nil, nil))
	}
	set, err := sources.NewSet(list...)
	if err != nil {
		t.Fatal(err)
	}
	r := &Resolver{Sources: set, Priority: []string{"pos", "crm"}}
	var got []string
	for _, s := range r.ordered(connectors.CapProfiles) {
		got = append(got, s.Name())
	}
	want := []string{"pos", "crm", "shop", "helpdesk"}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("order = %v, want %v (listed first, the rest in configuration order)", got, want)
		}
	}
}

// Times of the survivorship tests: t0 < t1 < t2 < t3.
var (
	t0 = time.Date(2026, 10, 1, 9, 0, 0, 0, time.UTC)
	t1 = t0.Add(time.Hour)
	t2 = t0.Add(2 * time.Hour)
	t3 = t0.Add(3 * time.Hour)
)

// cityRec is one source's record holding only a city, updated at updated
// (zero: the system does not say) and fetched at t0.
type cityRec struct {
	source, city string
	updated      time.Time
}

func cityRecords(list []cityRec) []sourced {
	var out []sourced
	for _, c := range list {
		out = append(out, sourced{c.source, loaders.ProfileRecord{
			Profile:   &connectors.Profile{Fields: map[string]string{connectors.FieldCity: c.city}, UpdatedAt: c.updated},
			FetchedAt: t0,
		}, false})
	}
	return out
}

// alternativesOf renders alternatives as "source=value" in order.
func alternativesOf(f *model.ProfileField) []string {
	out := []string{}
	for _, a := range f.Alternatives {
		out = append(out, a.Source+"="+a.Value)
	}
	return out
}

func TestSurvivorshipRules(t *testing.T) {
	const (
		priority = config.SurvivorshipPriority
		recent   = config.SurvivorshipMostRecent
		frequent = config.SurvivorshipMostFrequent
	)
	tests := []struct {
		name    string
		rules   map[string]string // profile.survivorship
		records []cityRec         // in priority order
		// want: the value, its source, the rule, and the alternatives as
		// "source=value" in order.
		value, source string
		rule          model.SurvivorshipRule
		alternatives  []string
	}{
		{
			name:    "no rules: source priority, skipping empty values",
			records: []cityRec{{"crm", "", t3}, {"shop", "Lyon", t1}, {"pos", "Paris", t2}},
			value:   "Lyon", source: "shop", rule: model.SurvivorshipRuleSourcePriority,
			alternatives: []string{"pos=Paris"},
		},
		{
			name:    "blank values count as none",
			rules:   map[string]string{"default": frequent},
			records: []cityRec{{"crm", "  ", t3}, {"shop", "Lyon", t1}, {"pos", " ", t2}, {"helpdesk", "Nice", t0}},
			value:   "Lyon", source: "shop", rule: model.SurvivorshipRuleMostFrequent,
			alternatives: []string{"helpdesk=Nice"},
		},
		{
			name:    "source priority by name; equal values are no alternative",
			rules:   map[string]string{"default": recent, "city": priority},
			records: []cityRec{{"crm", "Lyon", t1}, {"shop", " LYON ", t3}, {"pos", "Nice", t2}},
			value:   "Lyon", source: "crm", rule: model.SurvivorshipRuleSourcePriority,
			alternatives: []string{"pos=Nice"},
		},
		{
			name:    "most recent",
			rules:   map[string]string{"city": recent},
			records: []cityRec{{"crm", "Lyon", t1}, {"shop", "Paris", t3}, {"pos", "Nice", t2}},
			value:   "Paris", source: "shop", rule: model.SurvivorshipRuleMostRecent,
			alternatives: []string{"pos=Nice", "crm=Lyon"},
		},
		{
			name:    "most recent from the default",
			rules:   map[string]string{"default": recent},
			records: []cityRec{{"crm", "Lyon", t1}, {"shop", "Paris", t3}},
			value:   "Paris", source: "shop", rule: model.SurvivorshipRuleMostRecent,
			alternatives: []string{"crm=Lyon"},
		},
		{
			name:    "most recent: a newer record without the field does not count",
			rules:   map[string]string{"city": recent},
			records: []cityRec{{"crm", "Lyon", t1}, {"shop", "", t3}, {"pos", "Nice", t0}},
			value:   "Lyon", source: "crm", rule: model.SurvivorshipRuleMostRecent,
			alternatives: []string{"pos=Nice"},
		},
		{
			name:    "most recent: ties go to source priority",
			rules:   map[string]string{"city": recent},
			records: []cityRec{{"crm", "Lyon", t1}, {"shop", "Paris", t2}, {"pos", "Nice", t2}},
			value:   "Paris", source: "shop", rule: model.SurvivorshipRuleMostRecent,
			alternatives: []string{"pos=Nice", "crm=Lyon"},
		},
		{
			name:    "most recent: records without UpdatedAt rank last, in priority order",
			rules:   map[string]string{"city": recent},
			records: []cityRec{{"crm", "Lyon", time.Time{}}, {"shop", "Paris", time.Time{}}, {"pos", "Nice", t0}},
			value:   "Nice", source: "pos", rule: model.SurvivorshipRuleMostRecent,
			alternatives: []string{"crm=Lyon", "shop=Paris"},
		},
		{
			name:    "most recent: no UpdatedAt anywhere is source priority",
			rules:   map[string]string{"city": recent},
			records: []cityRec{{"crm", "", time.Time{}}, {"shop", "Paris", time.Time{}}, {"pos", "Nice", time.Time{}}},
			value:   "Paris", source: "shop", rule: model.SurvivorshipRuleMostRecent,
			alternatives: []string{"pos=Nice"},
		},
		{
			name:  "most frequent, trimmed and case-insensitive; the best source's spelling",
			rules: map[string]string{"default": frequent},
			records: []cityRec{{"crm", "Lyon", t3}, {"shop", "Paris", t0}, {"pos", " PARIS ", t0},
				{"helpdesk", "Nice", t0}, {"mailing", "lyon", t0}, {"calls", "paris", t0}},
			value: "Paris", source: "shop", rule: model.SurvivorshipRuleMostFrequent,
			alternatives: []string{"crm=Lyon", "mailing=lyon", "helpdesk=Nice"},
		},
		{
			name:    "most frequent: equal counts go to source priority",
			rules:   map[string]string{"city": frequent},
			records: []cityRec{{"crm", "", t0}, {"shop", "Paris", t0}, {"pos", "Lyon", t0}, {"helpdesk", "LYON", t0}, {"mailing", "paris", t0}},
			value:   "Paris", source: "shop", rule: model.SurvivorshipRuleMostFrequent,
			alternatives: []string{"pos=Lyon", "helpdesk=LYON"},
		},
		{
			name:    "most frequent: all different is source priority",
			rules:   map[string]string{"city": frequent},
			records: []cityRec{{"crm", "Lyon", t0}, {"shop", "Paris", t3}, {"pos", "Nice", t0}},
			value:   "Lyon", source: "crm", rule: model.SurvivorshipRuleMostFrequent,
			alternatives: []string{"shop=Paris", "pos=Nice"},
		},
		{
			name:    "most frequent: bigger groups rank first among the alternatives",
			rules:   map[string]string{"city": frequent},
			records: []cityRec{{"crm", "Nice", t0}, {"shop", "Paris", t0}, {"pos", "Lyon", t0}, {"helpdesk", "Paris", t0}, {"mailing", "lyon", t0}, {"calls", "Lyon", t0}},
			value:   "Lyon", source: "pos", rule: model.SurvivorshipRuleMostFrequent,
			alternatives: []string{"shop=Paris", "helpdesk=Paris", "crm=Nice"},
		},
		{
			name:    "the field's rule wins over the default",
			rules:   map[string]string{"default": frequent, "city": recent},
			records: []cityRec{{"crm", "Lyon", t1}, {"shop", "lyon", t0}, {"pos", "Nice", t2}},
			value:   "Nice", source: "pos", rule: model.SurvivorshipRuleMostRecent,
			alternatives: []string{"crm=Lyon", "shop=lyon"},
		},
		{
			name:    "one source: no alternatives, an empty list",
			rules:   map[string]string{"city": frequent},
			records: []cityRec{{"crm", "Lyon", t1}},
			value:   "Lyon", source: "crm", rule: model.SurvivorshipRuleMostFrequent,
			alternatives: []string{},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := golden(cityRecords(tt.records), survivorship{rules: tt.rules})
			f := p.City
			if f == nil {
				t.Fatal("city = null")
			}
			if f.Value != tt.value || f.Source != tt.source || f.Rule != tt.rule {
				t.Errorf("city = %q from %s by %s, want %q from %s by %s", f.Value, f.Source, f.Rule, tt.value, tt.source, tt.rule)
			}
			if f.Alternatives == nil {
				t.Error("alternatives = nil, want a list")
			}
			if got := alternativesOf(f); !slices.Equal(got, tt.alternatives) {
				t.Errorf("alternatives = %v, want %v", got, tt.alternatives)
			}
		})
	}
}

func TestSurvivorshipLeavesAFieldNoSourceHasNull(t *testing.T) {
	for _, rule := range []string{config.SurvivorshipPriority, config.SurvivorshipMostRecent, config.SurvivorshipMostFrequent} {
		p := golden(cityRecords([]cityRec{{"crm", "", t1}, {"shop", "", t2}}), survivorship{rules: map[string]string{"default": rule}})
		if p.City != nil {
			t.Errorf("%s: city = %+v, want null", rule, p.City)
		}
	}
}

func TestSurvivorshipValuesCarryTheirSourceAndTimes(t *testing.T) {
	fetched := t0.Add(-time.Minute)
	records := []sourced{
		{"crm", loaders.ProfileRecord{Profile: &connectors.Profile{Fields: map[string]string{"city": "Lyon"}}, FetchedAt: t0}, false},
		{"shop", loaders.ProfileRecord{Profile: &connectors.Profile{Fields: map[string]string{"city": "Paris"}, UpdatedAt: t2}, FetchedAt: fetched}, false},
	}
	f := golden(records, survivorship{rules: map[string]string{"city": config.SurvivorshipMostRecent}}).City
	if f.Source != "shop" || !f.FetchedAt.Equal(fetched) || f.UpdatedAt == nil || !f.UpdatedAt.Equal(t2) {
		t.Errorf("city = %+v, want shop's, fetched %s, updated %s", f, fetched, t2)
	}
	want := model.ProfileValue{Value: "Lyon", Source: "crm", FetchedAt: t0}
	if len(f.Alternatives) != 1 || f.Alternatives[0] != want {
		t.Errorf("alternatives = %+v, want %+v (no UpdatedAt: the CRM does not say)", f.Alternatives, want)
	}
}

func TestGoldenAppliesEachFieldsOwnRule(t *testing.T) {
	// One profile, three rules: the ranking scratch is shared by the fields.
	rec := func(updated time.Time, kv ...string) loaders.ProfileRecord {
		fields := map[string]string{}
		for i := 0; i+1 < len(kv); i += 2 {
			fields[kv[i]] = kv[i+1]
		}
		return loaders.ProfileRecord{Profile: &connectors.Profile{Fields: fields, UpdatedAt: updated}, FetchedAt: t0}
	}
	records := []sourced{
		{"crm", rec(t1, "given_name", "Marie", "city", "Lyon", "email", "marie@x.io"), false},
		{"shop", rec(t3, "given_name", "Maria", "city", "Paris", "email", "MARIE@x.io"), false},
		{"pos", rec(t2, "given_name", "maria", "city", "Nice", "email", "m@y.io"), false},
	}
	p := golden(records, survivorship{rules: map[string]string{
		"default": config.SurvivorshipMostFrequent, "city": config.SurvivorshipMostRecent, "email": config.SurvivorshipPriority,
	}})
	got := []string{
		fmt.Sprintf("%s %s %s %v", p.GivenName.Rule, p.GivenName.Source, p.GivenName.Value, alternativesOf(p.GivenName)),
		fmt.Sprintf("%s %s %s %v", p.City.Rule, p.City.Source, p.City.Value, alternativesOf(p.City)),
		fmt.Sprintf("%s %s %s %v", p.Email.Rule, p.Email.Source, p.Email.Value, alternativesOf(p.Email)),
	}
	want := []string{
		"MOST_FREQUENT shop Maria [crm=Marie]",
		"MOST_RECENT shop Paris [pos=Nice crm=Lyon]",
		"SOURCE_PRIORITY crm marie@x.io [pos=m@y.io]",
	}
	if !slices.Equal(got, want) {
		t.Errorf("fields:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestStaleAgainstAFixedClock(t *testing.T) {
	now := t0.Add(time.Hour)
	tests := []struct {
		name       string
		staleAfter time.Duration
		fetched    time.Time
		want       bool
	}{
		{"fetched just now", 15 * time.Minute, now, false},
		{"fetched within stale_after", 15 * time.Minute, now.Add(-14 * time.Minute), false},
		{"fetched exactly stale_after ago", 15 * time.Minute, now.Add(-15 * time.Minute), false},
		{"fetched longer ago", 15 * time.Minute, now.Add(-16 * time.Minute), true},
		{"stale_after 0: never stale", 0, now.Add(-24 * time.Hour), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &Resolver{StaleAfter: tt.staleAfter, Now: func() time.Time { return now }}
			records := []sourced{{"crm", loaders.ProfileRecord{
				Profile: &connectors.Profile{Fields: map[string]string{"city": "Lyon"}}, FetchedAt: tt.fetched,
			}, false}}
			if got := golden(records, r.survivorship()).City.Stale; got != tt.want {
				t.Errorf("stale = %v, want %v", got, tt.want)
			}
		})
	}
}

func BenchmarkGolden(b *testing.B) {
	// Six systems' records of one customer, every rule in use: what a page
	// of customers costs per customer.
	var records []sourced
	for i, src := range []string{"crm", "shop", "pos", "helpdesk", "mailing", "calls"} {
		fields := map[string]string{}
		for j, c := range canonical {
			fields[c.name] = fmt.Sprintf("value-%d", (i+j)%3)
		}
		records = append(records, sourced{src, loaders.ProfileRecord{
			Profile: &connectors.Profile{Fields: fields, UpdatedAt: t0.Add(time.Duration(i%4) * time.Hour)}, FetchedAt: t0,
		}, false})
	}
	s := survivorship{rules: map[string]string{
		"default": config.SurvivorshipMostFrequent, "city": config.SurvivorshipMostRecent, "email": config.SurvivorshipPriority,
	}, staleAfter: 15 * time.Minute, now: t1}
	b.ReportAllocs()
	for b.Loop() {
		golden(records, s)
	}
}
