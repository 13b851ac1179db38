package resolvers

import (
	"context"
	"testing"
	"time"

	"github.com/harmonyhq/harmony/connectors"
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
		{"crm", rec(map[string]string{"given_name": "Marie", "email": ""})},
		{"shop", rec(map[string]string{"given_name": "marie", "email": "m@x.io", "city": "Lyon"})},
		{"pos", rec(map[string]string{"loyalty_card": "LC-1", "home_store": "Lyon Part-Dieu"})},
	})
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
