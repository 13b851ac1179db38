package e2e

import (
	"context"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/harmonyhq/harmony/internal/app"
	"github.com/harmonyhq/harmony/internal/config"
	"github.com/harmonyhq/harmony/internal/simulators/population"

	"github.com/harmonyhq/harmony/internal/testlog"
)

const goldenQuery = `
query Golden($key: String!) {
  customerByIdentifier(kind: EXTERNAL_ID, system: "crm", value: $key) {
    profile {
      givenName { ...f }
      familyName { ...f }
      email { ...f }
      phone { ...f }
    }
  }
}
fragment f on ProfileField {
  value source fetchedAt updatedAt rule stale
  alternatives { value source fetchedAt updatedAt }
}`

type goldenValue struct {
	Value     string     `json:"value"`
	Source    string     `json:"source"`
	FetchedAt time.Time  `json:"fetchedAt"`
	UpdatedAt *time.Time `json:"updatedAt"`
}

type goldenField struct {
	goldenValue
	Rule         string        `json:"rule"`
	Stale        bool          `json:"stale"`
	Alternatives []goldenValue `json:"alternatives"`
}

type goldenProfile struct {
	GivenName  *goldenField `json:"givenName"`
	FamilyName *goldenField `json:"familyName"`
	Email      *goldenField `json:"email"`
	Phone      *goldenField `json:"phone"`
}

func (e *env) golden(t *testing.T, p population.Person) goldenProfile {
	t.Helper()
	var out struct {
		C *struct {
			Profile goldenProfile `json:"profile"`
		} `json:"customerByIdentifier"`
	}
	e.mustQuery(t, goldenQuery, map[string]any{"key": p.Key(population.CRM)}, &out)
	if out.C == nil {
		t.Fatal("the CRM contact resolves to no customer")
	}
	return out.C.Profile
}

// survivorshipPerson is someone every system knows, whose point of sale
// writes the family name in capitals and whose systems write the phone
// number in more than one way.
func survivorshipPerson(t *testing.T, pop *population.Population) population.Person {
	t.Helper()
	for _, p := range pop.InAll() {
		pos := p.Records[population.POS]
		phones := map[string]bool{}
		for _, rec := range p.Records {
			if rec.Phone != "" {
				phones[rec.Phone] = true
			}
		}
		if pos.FamilyName != p.Records[population.CRM].FamilyName && len(phones) >= 3 {
			return p
		}
	}
	t.Fatal("the population has nobody with a capitalised family name and three phone spellings")
	return population.Person{}
}

func TestProfileFieldsBySourcePriorityByDefault(t *testing.T) {
	e := boot(t)
	p := survivorshipPerson(t, e.demo.Simulators.Population())
	g := e.golden(t, p)
	for name, f := range map[string]*goldenField{"givenName": g.GivenName, "familyName": g.FamilyName, "email": g.Email, "phone": g.Phone} {
		if f == nil {
			t.Fatalf("%s = null", name)
		}
		if f.Rule != "SOURCE_PRIORITY" || f.Stale || f.Alternatives == nil {
			t.Errorf("%s: rule %s, stale %v, alternatives %v; want SOURCE_PRIORITY, fresh, a list", name, f.Rule, f.Stale, f.Alternatives)
		}
	}
	if g.FamilyName.Source != "crm" || len(g.FamilyName.Alternatives) != 0 {
		t.Errorf("familyName from %s with alternatives %+v, want the CRM's and none (the capitals of the point of sale are the same name)",
			g.FamilyName.Source, g.FamilyName.Alternatives)
	}
}

// TestSurvivorshipRulesFromTheConfiguration builds a second gateway over the
// same simulators with per-field rules and checks them against the records
// the simulators serve.
func TestSurvivorshipRulesFromTheConfiguration(t *testing.T) {
	e := boot(t)
	cfg := *e.demo.Config
	cfg.Store.DataDir = t.TempDir()
	cfg.Profile.Survivorship = map[string]string{
		"default": config.SurvivorshipMostFrequent,
		"phone":   config.SurvivorshipMostRecent,
		"email":   config.SurvivorshipPriority,
	}
	cfg.Profile.StaleAfter = time.Nanosecond // every value is stale by the time it is shown
	gw, err := app.Build(t.Context(), &cfg, app.Options{Log: testlog.Logger(&syncBuffer{})})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { gw.Close(context.Background()) })
	if err := gw.Sync(t.Context()); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(gw.Handler)
	t.Cleanup(srv.Close)
	ruled := &env{demo: e.demo, gw: gw, srv: srv, logs: &syncBuffer{}}

	p := survivorshipPerson(t, e.demo.Simulators.Population())
	g := ruled.golden(t, p)
	priority := cfg.Profile.Priority

	for name, f := range map[string]*goldenField{"givenName": g.GivenName, "familyName": g.FamilyName, "email": g.Email, "phone": g.Phone} {
		if f == nil {
			t.Fatalf("%s = null", name)
		}
		if !f.Stale {
			t.Errorf("%s is not stale with stale_after 1ns", name)
		}
	}

	// Most frequent (the default): every system spells the names alike but
	// for case, so the best source's spelling wins and nothing competes.
	for name, f := range map[string]*goldenField{"givenName": g.GivenName, "familyName": g.FamilyName} {
		if f.Rule != "MOST_FREQUENT" || f.Source != "crm" || len(f.Alternatives) != 0 {
			t.Errorf("%s = %q from %s by %s, alternatives %+v; want the CRM's by MOST_FREQUENT, none",
				name, f.Value, f.Source, f.Rule, f.Alternatives)
		}
	}
	if want := p.Records[population.CRM].FamilyName; g.FamilyName.Value != want {
		t.Errorf("familyName = %q, want the CRM's %q", g.FamilyName.Value, want)
	}

	// Source priority for e-mail: the first system that has one; the others
	// differ only by case and blanks, so none is an alternative.
	wantEmail := ""
	for _, sys := range priority {
		if p.Records[sys].Email != "" {
			wantEmail = sys
			break
		}
	}
	if g.Email.Rule != "SOURCE_PRIORITY" || g.Email.Source != wantEmail || len(g.Email.Alternatives) != 0 {
		t.Errorf("email from %s by %s, alternatives %+v; want %s by SOURCE_PRIORITY, none",
			g.Email.Source, g.Email.Rule, g.Email.Alternatives, wantEmail)
	}

	// Most recent for the phone: systems by the time they last changed the
	// record; spellings of the winning number other than case and blanks
	// compete.
	var byRecency []string
	for _, sys := range priority {
		if p.Records[sys].Phone != "" {
			byRecency = append(byRecency, sys)
		}
	}
	slices.SortStableFunc(byRecency, func(a, b string) int {
		return p.Records[b].UpdatedAt.Truncate(time.Second).Compare(p.Records[a].UpdatedAt.Truncate(time.Second))
	})
	won := p.Records[byRecency[0]].Phone
	wantAlternatives := []string{}
	for _, sys := range byRecency[1:] {
		if !strings.EqualFold(strings.TrimSpace(p.Records[sys].Phone), strings.TrimSpace(won)) {
			wantAlternatives = append(wantAlternatives, sys+"="+p.Records[sys].Phone)
		}
	}
	if g.Phone.Rule != "MOST_RECENT" || g.Phone.Source != byRecency[0] || g.Phone.Value != won {
		t.Errorf("phone = %q from %s by %s, want %q from %s by MOST_RECENT", g.Phone.Value, g.Phone.Source, g.Phone.Rule, won, byRecency[0])
	}
	var gotAlternatives []string
	for _, a := range g.Phone.Alternatives {
		gotAlternatives = append(gotAlternatives, a.Source+"="+a.Value)
		if a.UpdatedAt == nil || g.Phone.UpdatedAt == nil || a.UpdatedAt.After(*g.Phone.UpdatedAt) || a.FetchedAt.IsZero() {
			t.Errorf("alternative %+v: want a fetch time and an update no later than the winner's %v", a, g.Phone.UpdatedAt)
		}
	}
	if !slices.Equal(gotAlternatives, wantAlternatives) {
		t.Errorf("phone alternatives = %v, want %v (latest first)", gotAlternatives, wantAlternatives)
	}
	if len(wantAlternatives) == 0 {
		t.Error("the chosen person has no competing phone spelling: the test checks too little")
	}
}
