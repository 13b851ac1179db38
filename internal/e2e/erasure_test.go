package e2e

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/harmonyhq/harmony/connectors"
	"github.com/harmonyhq/harmony/internal/app"
	"github.com/harmonyhq/harmony/internal/config"
	"github.com/harmonyhq/harmony/internal/simulators/population"
	"github.com/harmonyhq/harmony/internal/sources"
	"github.com/harmonyhq/harmony/internal/store/embedded"
	"github.com/harmonyhq/harmony/internal/testenv"
	"github.com/harmonyhq/harmony/internal/testlog"
)

// erasurePerson finds a person known to every system that can erase and
// to the call center (which cannot) but not to the shop, whose e-mail and
// phone number nobody else has, and whom the other tests leave alone: not
// in every system (the journey and search tests take theirs there), not
// one of the other privacy tests' people.
func erasurePerson(t *testing.T, pop *population.Population) population.Person {
	t.Helper()
	taken := map[int]bool{}
	for skip := range 3 {
		taken[privacyPerson(t, pop, skip).Index] = true
	}
	emails, phones := map[string]int{}, map[string]int{}
	for _, p := range pop.People {
		emails[strings.ToLower(p.Email)]++
		phones[p.Phone]++
	}
	for i := len(pop.People) - 1; i >= 0; i-- {
		p := pop.People[i]
		if taken[p.Index] || p.InAll() || p.In(population.Shop) || !p.In(population.Calls) ||
			slices.ContainsFunc(erasable, func(sys string) bool { return !p.In(sys) }) ||
			p.Email == "" || p.Phone == "" || emails[strings.ToLower(p.Email)] != 1 || phones[p.Phone] != 1 {
			continue
		}
		if _, err := strconv.ParseInt(p.Key(population.Helpdesk), 10, 64); err != nil {
			continue
		}
		return p
	}
	t.Fatal("no person fits the erasure test")
	return population.Person{}
}

// replica is one gateway of two sharing a profile store and NATS.
type replica struct {
	gw  *app.Gateway
	srv *httptest.Server
	env *env
}

// bootReplicas builds two gateways over a demo of the test's own
// (bootAlone) that share one profile store (an embedded FerretDB of their own, as a
// MongoDB URI) and a NATS bus, as replicas behind a load balancer do. The
// CRM's reads are cached (memory, per replica) and answered from last good
// values when it fails.
func bootReplicas(t *testing.T) (a, b replica) {
	t.Helper()
	e := bootAlone(t)
	natsURL := testenv.NATS(t)
	ctx := t.Context()
	dir := t.TempDir()
	db, err := embedded.Start(ctx, filepath.Join(dir, "store"), testlog.Logger(e.logs))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(db.Close)
	var suffix [4]byte
	_, _ = rand.Read(suffix[:])
	build := func(name string) replica {
		cfg := *e.demo.Config
		cfg.Connectors = slices.Clone(cfg.Connectors)
		cfg.Store = config.Store{URI: connectors.Secret(db.URI()), Database: "erasure_" + hex.EncodeToString(suffix[:]),
			MaxInFlight: 4, MaxQueue: 256, QueueTimeout: 30 * time.Second, Cache: e.demo.Config.Store.Cache}
		cfg.Bus = config.Bus{NATSURL: connectors.Secret(natsURL), SubjectPrefix: "harmony_erasure_" + hex.EncodeToString(suffix[:])}
		cfg.Privacy = config.Privacy{PollInterval: 200 * time.Millisecond, RetryBase: 500 * time.Millisecond, RetryMax: time.Second,
			ManualCheckInterval: time.Second, SuppressionSalt: "a-test-salt-for-the-erasure-test-of-32-chars"}
		hour, off := time.Hour, time.Duration(0)
		for i := range cfg.Connectors {
			cn := &cfg.Connectors[i]
			cn.Timeout = 2 * time.Second
			cn.StaleFor = &off
			if cn.Name == population.CRM {
				cn.StaleFor = &hour
				cn.Cache = config.ConnectorCache{TTL: 10 * time.Minute, MaxEntries: 10_000}
			}
		}
		gw, err := app.Build(ctx, &cfg, app.Options{Log: testlog.Logger(e.logs)})
		if err != nil {
			t.Fatalf("build replica %s (NATS at %s): %v", name, natsURL, err)
		}
		t.Cleanup(func() { gw.Close(context.WithoutCancel(ctx)) })
		srv := httptest.NewServer(gw.Handler)
		t.Cleanup(srv.Close)
		return replica{gw: gw, srv: srv, env: &env{demo: e.demo, gw: gw, srv: srv, logs: e.logs}}
	}
	a = build("a")
	if err := db.IndexIDs(ctx); err != nil {
		t.Fatal(err)
	}
	if err := a.gw.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	b = build("b")
	b.gw.MarkSynced()
	return a, b
}

// profileOf reads a CRM key through a replica's guard as an operation
// does (its cache and last good values on).
func profileOf(t *testing.T, r replica, key string) (*connectors.Profile, error) {
	t.Helper()
	src, ok := r.gw.Sources.Get(population.CRM)
	if !ok {
		t.Fatal("no crm source")
	}
	ctx, _ := sources.WithStaleReport(t.Context())
	got, err := src.Profiles(ctx, []string{key})
	if err != nil {
		return nil, err
	}
	return got[0], nil
}

// TestErasureIsWhole erases a person on one replica of two and checks that
// nothing brings them back (issue 15, item 2): neither replica's cache nor
// last good values serve their CRM record again; their CRM key cannot be
// linked to another customer; the request stays PARTIAL while the call
// center (no erasure) holds them, and the identity sync does not recreate
// them from its record; lookups by their e-mail ask no
// system; a late webhook naming them is dropped; linkIdentity checks keys
// against their system; once the records are erased by hand the request
// is DONE and the profile store holds none of their identifiers, keys
// derived from them (the mailing system's MD5 of the e-mail) included.
func TestErasureIsWhole(t *testing.T) {
	a, b := bootReplicas(t)
	ctx := t.Context()
	sims := a.env.demo.Simulators
	p := erasurePerson(t, sims.Population())
	crmKey, mailKey := p.Key(population.CRM), p.Key(population.Mailing)
	id := externalCustomer(t, a.env, population.CRM, crmKey)
	neighbour := privacyPerson(t, sims.Population(), 2)
	otherKey := neighbour.Key(population.CRM)
	other := externalCustomer(t, a.env, population.CRM, otherKey)
	if other == id {
		t.Fatal("the other customer is the person")
	}

	// Both replicas read the person: the CRM record is cached and kept as
	// a last good value on each.
	for _, r := range []replica{a, b} {
		var out struct {
			C struct {
				Profile struct{ Email *struct{ Value string } } `json:"profile"`
			} `json:"customer"`
		}
		r.env.mustQuery(t, `query ($id: ID!) { customer(id: $id) { profile { email { value } } } }`, map[string]any{"id": id}, &out)
		if out.C.Profile.Email == nil {
			t.Fatal("no e-mail before the erasure")
		}
		if rec, err := profileOf(t, r, crmKey); err != nil || rec == nil {
			t.Fatalf("warm-up: %v, %v", rec, err)
		}
	}

	var made struct {
		R privacyView `json:"requestErasure"`
	}
	a.env.mustQuery(t, `mutation ($id: ID!) { requestErasure(customerId: $id) { `+privacyFields+` } }`, map[string]any{"id": id}, &made)
	req := made.R
	if req.Status != "PARTIAL" || req.CompletedAt != nil {
		t.Errorf("request %s (completed %v), want PARTIAL while the call center holds the person", req.Status, req.CompletedAt)
	}
	if st, _, _ := req.system(population.Calls); st != "MANUAL" {
		t.Errorf("calls: %s, want MANUAL", st)
	}
	for _, sys := range erasable {
		if st, _, _ := req.system(sys); st != "DONE" {
			t.Errorf("%s: %s, want DONE", sys, st)
		}
	}

	// Neither replica serves the CRM record again: not from the cache
	// (the CRM is asked, and has it no more), nor from last good values
	// once the CRM fails.
	for name, r := range map[string]replica{"a": a, "b": b} {
		deadline := time.Now().Add(10 * time.Second)
		for {
			rec, err := profileOf(t, r, crmKey)
			if err == nil && rec == nil {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("replica %s still serves the erased CRM record (%v, %v)", name, rec != nil, err)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	sims.CRM.SetDown(true)
	for name, r := range map[string]replica{"a": a, "b": b} {
		if rec, err := profileOf(t, r, crmKey); err == nil || rec != nil {
			t.Errorf("replica %s, CRM down: %v, %v; want an error, no last good value", name, rec != nil, err)
		}
	}
	sims.CRM.SetDown(false)

	// The CRM key cannot be linked to another customer, on either replica.
	const link = `mutation ($c: ID!, $s: String!, $v: String!) { linkIdentity(input: {customerId: $c,
	  identifier: {kind: EXTERNAL_ID, system: $s, value: $v}}) { changed } }`
	for name, r := range map[string]replica{"a": a, "b": b} {
		deadline := time.Now().Add(10 * time.Second)
		for {
			res := r.env.query(t, link, map[string]any{"c": other, "s": population.CRM, "v": crmKey}, nil)
			code := codes(res)["linkIdentity"]
			if code == "IDENTITY_SUPPRESSED" {
				break
			}
			if time.Now().After(deadline) || code == "" {
				t.Fatalf("replica %s: linking the erased CRM key answered %s, want IDENTITY_SUPPRESSED", name, code)
			}
			time.Sleep(100 * time.Millisecond) // b reloads its list from the bus
		}
	}
	// linkIdentity checks keys against their system: one the CRM never had
	// is refused, one it has (unlinked first) is linked.
	if c := codes(a.env.query(t, link, map[string]any{"c": other, "s": population.CRM, "v": "999999991"}, nil))["linkIdentity"]; c != "NOT_FOUND" {
		t.Errorf("a key the CRM does not have: %s, want NOT_FOUND", c)
	}
	if c := codes(a.env.query(t, link, map[string]any{"c": other, "s": "nosuchsystem", "v": "1"}, nil))["linkIdentity"]; c != "BAD_USER_INPUT" {
		t.Errorf("a system not configured: %s, want BAD_USER_INPUT", c)
	}
	if r := a.env.query(t, link, map[string]any{"c": other, "s": population.CRM, "v": otherKey}, nil); len(r.Errors) > 0 {
		t.Errorf("a key the CRM has, linked to its own customer again: %+v", r.Errors)
	}

	// The identity sync does not recreate the person from the record the
	// call center still holds; lookups by their e-mail ask no system.
	if err := a.gw.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	var again struct {
		C *struct{ ID string } `json:"customerByIdentifier"`
	}
	a.env.mustQuery(t, `query ($s: String, $v: String!) { customerByIdentifier(kind: EXTERNAL_ID, system: $s, value: $v) { id } }`,
		map[string]any{"s": population.Calls, "v": p.Key(population.Calls)}, &again)
	if again.C != nil {
		t.Errorf("the sync linked the call center's record again, to %s", again.C.ID)
	}
	crmCalls := sims.CRM.Total()
	var byEmail struct {
		C *struct{ ID string } `json:"customerByIdentifier"`
	}
	a.env.mustQuery(t, `query ($v: String!) { customerByIdentifier(kind: EMAIL, value: $v) { id } }`, map[string]any{"v": p.Email}, &byEmail)
	if byEmail.C != nil || sims.CRM.Total() != crmCalls {
		t.Errorf("a lookup by the erased e-mail: %+v, %d CRM calls; want null and none", byEmail.C, sims.CRM.Total()-crmCalls)
	}

	// A late webhook naming them is acknowledged and dropped.
	sims.Helpdesk.SetWebhook(a.srv.URL + "/webhooks/helpdesk")
	t.Cleanup(func() { sims.Helpdesk.SetWebhook("") })
	before, err := a.gw.Store.ActivityEventIDs(ctx, population.Helpdesk)
	if err != nil {
		t.Fatal(err)
	}
	user, _ := strconv.ParseInt(p.Key(population.Helpdesk), 10, 64)
	status, err := sims.Helpdesk.SendWebhook(ctx, sims.Helpdesk.NewMessageEvent(user, "whatsapp", "late message", time.Now()))
	if err != nil || status != http.StatusOK {
		t.Fatalf("late webhook: %d, %v", status, err)
	}
	after, err := a.gw.Store.ActivityEventIDs(ctx, population.Helpdesk)
	if err != nil {
		t.Fatal(err)
	}
	if len(after) != len(before) {
		t.Errorf("a late webhook of the erased person was stored (%d events, then %d)", len(before), len(after))
	}

	// The call center erases the record by hand: the gateway sees it, and
	// the request is DONE.
	sims.Calls.EraseByHand(p.Key(population.Calls))
	deadline := time.Now().Add(30 * time.Second)
	for req.Status != "DONE" && time.Now().Before(deadline) {
		time.Sleep(200 * time.Millisecond)
		req = privacyRequest(t, a.env, req.ID)
	}
	if req.Status != "DONE" || req.CompletedAt == nil {
		t.Fatalf("request %s after the records were erased by hand; want DONE", req.Status)
	}

	// The profile store holds nothing of them: no identifier, no key
	// derived from one, in any collection (the request included).
	needles := map[string]string{"e-mail": p.Email, "phone": p.Phone, "mailing key (md5 of the e-mail)": mailKey,
		"call center key": p.Key(population.Calls), "CRM key": crmKey}
	for coll, docs := range storeDump(t, a.gw.Config.Store.URI.Reveal(), a.gw.Config.Store.Database) {
		for what, n := range needles {
			// Named, never printed: test output is scanned for personal data.
			if n != "" && strings.Contains(strings.ToLower(docs), `"`+strings.ToLower(n)+`"`) {
				t.Errorf("collection %s holds the erased person's %s", coll, what)
			}
		}
	}
}

// storeDump returns every document of every collection, as relaxed
// extended JSON, by collection.
func storeDump(t *testing.T, uri, database string) map[string]string {
	t.Helper()
	client, err := mongo.Connect(options.Client().ApplyURI(uri))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = client.Disconnect(context.Background()) }()
	db := client.Database(database)
	names, err := db.ListCollectionNames(t.Context(), bson.D{})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, name := range names {
		cur, err := db.Collection(name).Find(t.Context(), bson.D{})
		if err != nil {
			t.Fatal(err)
		}
		var all bytes.Buffer
		for cur.Next(t.Context()) {
			raw, err := bson.MarshalExtJSON(cur.Current, false, false)
			if err != nil {
				t.Fatal(err)
			}
			all.Write(raw)
			all.WriteByte('\n')
		}
		if err := cur.Err(); err != nil && !errors.Is(err, context.Canceled) {
			t.Fatal(err)
		}
		_ = cur.Close(t.Context())
		out[name] = all.String()
	}
	return out
}
