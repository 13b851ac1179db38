package e2e

import (
	"context"
	"net/http/httptest"
	"testing"

	"github.com/harmonyhq/harmony/internal/app"
	"github.com/harmonyhq/harmony/internal/simulators/population"

	"github.com/harmonyhq/harmony/internal/testlog"
)

const byIdentifiersQuery = `query($ids: [IdentifierInput!]!) { customersByIdentifiers(identifiers: $ids) { id } }`

// TestUnknownIdentifiersAreLookedUpInOneSearch builds a second gateway over
// the same simulators, with an empty store and no identity sync, and asks
// for 20 CRM people by e-mail: the gateway finds them with one search of
// the CRM, links them, and answers the IDs a full sync gives them.
func TestUnknownIdentifiersAreLookedUpInOneSearch(t *testing.T) {
	e := boot(t)
	pop := e.demo.Simulators.Population()

	// 20 CRM people whose e-mail, as the CRM writes it, resolves in the
	// synced demo to the customer of their CRM record.
	var idents []map[string]any
	var want []string
	for _, p := range pop.Members(population.CRM) {
		if len(idents) == 20 {
			break
		}
		addr := p.Records[population.CRM].Email
		if addr == "" {
			continue
		}
		var byEmail, byKey struct {
			C *struct{ ID string } `json:"customerByIdentifier"`
		}
		e.mustQuery(t, `query($v: String!) { customerByIdentifier(kind: EMAIL, value: $v) { id } }`, map[string]any{"v": addr}, &byEmail)
		e.mustQuery(t, `query($k: String!) { customerByIdentifier(kind: EXTERNAL_ID, system: "crm", value: $k) { id } }`,
			map[string]any{"k": p.Key(population.CRM)}, &byKey)
		if byEmail.C == nil || byKey.C == nil || byEmail.C.ID != byKey.C.ID {
			continue // a shared or blocked address: it resolves to nobody
		}
		idents = append(idents, map[string]any{"kind": "EMAIL", "value": addr})
		want = append(want, byKey.C.ID)
	}
	if len(idents) != 20 {
		t.Fatalf("only %d CRM people with an address of their own", len(idents))
	}

	cfg := *e.demo.Config
	cfg.Store.DataDir = t.TempDir()
	gw, err := app.Build(t.Context(), &cfg, app.Options{Log: testlog.Logger(&syncBuffer{})})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { gw.Close(context.Background()) })
	srv := httptest.NewServer(gw.Handler)
	t.Cleanup(srv.Close)
	fresh := &env{demo: e.demo, gw: gw, srv: srv, logs: &syncBuffer{}}

	crm := e.demo.Simulators.CRM
	before, listed := crm.Count("contacts.search"), crm.Count("contacts.list")
	var out struct {
		Cs []*struct{ ID string } `json:"customersByIdentifiers"`
	}
	fresh.mustQuery(t, byIdentifiersQuery, map[string]any{"ids": idents}, &out)
	if got := crm.Count("contacts.search") - before; got != 1 {
		t.Errorf("the CRM served %d searches for 20 identifiers, want 1", got)
	}
	if got := crm.Count("contacts.list") - listed; got != 0 {
		t.Errorf("the CRM served %d listings, want none (no sync)", got)
	}
	if len(out.Cs) != len(want) {
		t.Fatalf("%d answers, want %d", len(out.Cs), len(want))
	}
	for i, c := range out.Cs {
		if c == nil || c.ID != want[i] {
			t.Errorf("identifier %d resolved to %+v, want %s, the ID of the full sync", i, c, want[i])
		}
	}

	// Now linked: the same question asks nothing of the CRM.
	before = crm.Count("contacts.search")
	var again struct {
		Cs []*struct{ ID string } `json:"customersByIdentifiers"`
	}
	fresh.mustQuery(t, byIdentifiersQuery, map[string]any{"ids": idents}, &again)
	if got := crm.Count("contacts.search") - before; got != 0 {
		t.Errorf("the second query made %d searches, want 0", got)
	}
	for i, c := range again.Cs {
		if c == nil || c.ID != want[i] {
			t.Errorf("second query: identifier %d resolved to %+v, want %s", i, c, want[i])
		}
	}
}
