package e2e

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/harmonyhq/harmony/internal/simulators/population"
)

func TestAFailingSystemCostsOnlyItsFields(t *testing.T) {
	e := boot(t)
	p := richPerson(t, e.demo.Simulators.Population())
	helpdesk := e.demo.Simulators.Helpdesk
	tests := []struct {
		name string
		fail func()
		heal func()
		code string
	}{
		{"down", func() { helpdesk.SetDown(true) }, func() { helpdesk.SetDown(false) }, "UPSTREAM_UNAVAILABLE"},
		{"garbage", func() { helpdesk.SetGarbage(true) }, func() { helpdesk.SetGarbage(false) }, "UPSTREAM_BAD_RESPONSE"},
		{"slower than its timeout", func() { helpdesk.SetLatency(3 * time.Second) }, func() { helpdesk.SetLatency(0) }, "UPSTREAM_TIMEOUT"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.fail()
			defer tt.heal()
			var out struct {
				C *customerView `json:"customerByIdentifier"`
			}
			r := e.query(t, customer360, map[string]any{"system": "crm", "key": p.Key(population.CRM)}, &out)
			c := out.C
			if c == nil {
				t.Fatalf("no customer in the answer: %+v", r.Errors)
			}
			// The rest of the answer arrives.
			if c.Profile.GivenName == nil || len(c.Orders) == 0 || len(c.Identities) == 0 {
				t.Errorf("missing data from the healthy systems: %+v", c)
			}
			for _, it := range c.Interactions {
				if it.Source == "helpdesk" {
					t.Errorf("helpdesk interaction served while the helpdesk is %s", tt.name)
				}
			}
			if !slices.ContainsFunc(c.Interactions, func(it struct{ ID, Source, Channel, Type string }) bool { return it.Source == "calls" }) {
				t.Error("calls' interactions are missing")
			}
			if !slices.ContainsFunc(c.Timeline.Gaps, func(g struct{ Source, Capability, Code string }) bool {
				return g.Source == "helpdesk" && g.Code == tt.code
			}) {
				t.Errorf("timeline gaps = %+v, want the helpdesk with %s", c.Timeline.Gaps, tt.code)
			}
			if c.Metrics.Complete {
				t.Error("metrics claim to be complete without the helpdesk")
			}
			// Errors carry the path, the code and the connector.
			paths := map[string]bool{}
			for _, ge := range r.Errors {
				if ge.Extensions["code"] != tt.code || ge.Extensions["connector"] != "helpdesk" || len(ge.Path) < 2 {
					t.Errorf("error = %+v, want code %s from connector helpdesk with a path", ge, tt.code)
				}
				if strings.Contains(ge.Message, "http") || strings.Contains(ge.Message, "token") {
					t.Errorf("error message leaks upstream detail: %q", ge.Message)
				}
				paths[pathString(ge.Path)] = true
			}
			for _, want := range []string{"customerByIdentifier.profile", "customerByIdentifier.interactions", "customerByIdentifier.timeline", "customerByIdentifier.metrics"} {
				if !paths[want] {
					t.Errorf("no error at %s; errors at %v", want, paths)
				}
			}
		})
	}
}

func pathString(p []any) string {
	var parts []string
	for _, x := range p {
		if s, ok := x.(string); ok {
			parts = append(parts, s)
		}
	}
	return strings.Join(parts, ".")
}
