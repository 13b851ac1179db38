package upstreams

import (
	"maps"
	"net/http/httptest"
	"testing"
	"time"
)

// fake is a System that remembers its latency and counts.
type fake struct {
	name    string
	latency time.Duration
	routes  map[string]int64
}

func (f *fake) Name() string { return f.name }
func (f *fake) URL() string  { return "http://" + f.name }
func (f *fake) Total() int64 {
	var n int64
	for _, v := range f.routes {
		n += v
	}
	return n
}
func (f *fake) Counts() map[string]int64   { return maps.Clone(f.routes) }
func (f *fake) Reset()                     { clear(f.routes) }
func (f *fake) SetLatency(d time.Duration) { f.latency = d }

func TestControlAPI(t *testing.T) {
	crm := &fake{name: "crm", routes: map[string]int64{"contacts.batch_read": 3}}
	shop := &fake{name: "shop", latency: time.Second, routes: map[string]int64{"orders": 1}}
	set := &Set{systems: []System{crm, shop}, vars: map[string]string{"CRM_URL": crm.URL()}}
	srv := httptest.NewServer(set.Handler())
	defer srv.Close()
	c := &Client{Base: srv.URL}

	vars, err := c.Vars(t.Context())
	if err != nil || vars["CRM_URL"] != "http://crm" {
		t.Fatalf("vars %v, %v", vars, err)
	}
	// Systems not named get no latency.
	if err := c.SetLatencies(t.Context(), map[string]time.Duration{"crm": 5 * time.Millisecond}); err != nil {
		t.Fatal(err)
	}
	if crm.latency != 5*time.Millisecond || shop.latency != 0 {
		t.Errorf("latencies crm %s shop %s", crm.latency, shop.latency)
	}
	if err := c.SetLatencies(t.Context(), map[string]time.Duration{"nowhere": time.Millisecond}); err == nil {
		t.Error("a latency for an unknown system was accepted")
	}
	counts, err := c.Counts(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if counts["crm"].Total != 3 || counts["crm"].Routes["contacts.batch_read"] != 3 || counts["shop"].Total != 1 {
		t.Errorf("counts %+v", counts)
	}
	if err := c.Reset(t.Context()); err != nil {
		t.Fatal(err)
	}
	if counts, _ = c.Counts(t.Context()); counts["crm"].Total != 0 || counts["shop"].Total != 0 {
		t.Errorf("counts after reset %+v", counts)
	}
}
