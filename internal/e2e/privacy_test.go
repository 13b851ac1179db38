package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/harmonyhq/harmony/internal/config"
	"github.com/harmonyhq/harmony/internal/simulators/population"
	"github.com/harmonyhq/harmony/internal/store"
)

// privacyPerson returns, from the end of the population, the skip-th person
// known to every system that can erase (erasable) and to at least one that
// cannot, but not to all six: people the other tests (which take theirs
// from the start, among those in every system) leave alone. The erasure
// test takes the first; the others the next ones.
func privacyPerson(t *testing.T, pop *population.Population, skip int) population.Person {
	t.Helper()
	for i := len(pop.People) - 1; i >= 0; i-- {
		p := pop.People[i]
		if p.InAll() || slices.ContainsFunc(erasable, func(sys string) bool { return !p.In(sys) }) {
			continue
		}
		if !p.In(population.Shop) && !p.In(population.Calls) {
			continue
		}
		if skip > 0 {
			skip--
			continue
		}
		return p
	}
	t.Fatal("too few people in the erasable systems (but not everywhere) in the population")
	return population.Person{}
}

// externalCustomer returns the customer owning a system's native key.
func externalCustomer(t *testing.T, e *env, system, key string) string {
	t.Helper()
	var out struct {
		C *struct{ ID string } `json:"customerByIdentifier"`
	}
	e.mustQuery(t, `query ($s: String, $v: String!) { customerByIdentifier(kind: EXTERNAL_ID, system: $s, value: $v) { id } }`,
		map[string]any{"s": system, "v": key}, &out)
	if out.C == nil {
		t.Fatalf("no customer owns %s key %s", system, key)
	}
	return out.C.ID
}

// codes lists the extensions.code of errors, by path.
func codes(r response) map[string]string {
	out := map[string]string{}
	for _, e := range r.Errors {
		code, _ := e.Extensions["code"].(string)
		out[pathString(e.Path)] = code
	}
	return out
}

const engagementQuery = `query ($id: ID!) { customer(id: $id) { id emailEngagement(first: 5) { type channel } } }`

const recordConsentMutation = `mutation Consent($in: RecordConsentInput!) {
  recordConsent(input: $in) { id purpose channel status source actor }
}`

func TestConsentGuardsEmailEngagement(t *testing.T) {
	e := boot(t)
	p := privacyPerson(t, e.demo.Simulators.Population(), 2)
	id := externalCustomer(t, e, population.Mailing, p.Key(population.Mailing))

	type engagement struct {
		Customer struct {
			ID              string `json:"id"`
			EmailEngagement *[]struct {
				Type    string `json:"type"`
				Channel string `json:"channel"`
			} `json:"emailEngagement"`
		} `json:"customer"`
	}
	steps := []struct {
		name    string
		consent map[string]any // recorded before the query; nil for none
		granted bool
	}{
		{"no consent yet", nil, false},
		{"granted for marketing by e-mail", map[string]any{"purpose": "MARKETING", "channel": "EMAIL", "status": "GRANTED"}, true},
		{"withdrawn on SMS only leaves e-mail granted", map[string]any{"purpose": "MARKETING", "channel": "SMS", "status": "WITHDRAWN"}, true},
		{"withdrawn on every channel", map[string]any{"purpose": "MARKETING", "status": "WITHDRAWN"}, false},
		{"granted again by e-mail, newest wins", map[string]any{"purpose": "MARKETING", "channel": "EMAIL", "status": "GRANTED"}, true},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			if st.consent != nil {
				in := map[string]any{"customerId": id, "source": "e2e-form"}
				for k, v := range st.consent {
					in[k] = v
				}
				var rec struct {
					RecordConsent struct {
						ID, Purpose, Status, Source, Actor string
					} `json:"recordConsent"`
				}
				e.mustQuery(t, recordConsentMutation, map[string]any{"in": in}, &rec)
				if rec.RecordConsent.Purpose != "MARKETING" || rec.RecordConsent.Status != st.consent["status"] || rec.RecordConsent.Actor == "" {
					t.Fatalf("recorded %+v", rec.RecordConsent)
				}
			}
			var out engagement
			r := e.query(t, engagementQuery, map[string]any{"id": id}, &out)
			if out.Customer.ID != id {
				t.Fatalf("the customer itself is missing: %s", r.Data)
			}
			if st.granted {
				if len(r.Errors) > 0 || out.Customer.EmailEngagement == nil {
					t.Fatalf("errors %+v, engagement %v", r.Errors, out.Customer.EmailEngagement)
				}
				for _, ev := range *out.Customer.EmailEngagement {
					if ev.Channel != "EMAIL" || !strings.HasPrefix(ev.Type, "EMAIL_") {
						t.Errorf("not an e-mail event: %+v", ev)
					}
				}
				return
			}
			if out.Customer.EmailEngagement != nil {
				t.Errorf("emailEngagement answered without consent")
			}
			if c := codes(r)["customer.emailEngagement"]; c != "CONSENT_REQUIRED" {
				t.Errorf("error codes %v, want CONSENT_REQUIRED on customer.emailEngagement", codes(r))
			}
		})
	}

	var hist struct {
		Customer struct {
			Standing []struct{ Channel *string } `json:"standing"`
			History  []struct{ Status string }   `json:"history"`
		} `json:"customer"`
	}
	e.mustQuery(t, `query ($id: ID!) { customer(id: $id) { standing: consents { channel } history: consents(history: true) { status } } }`,
		map[string]any{"id": id}, &hist)
	if len(hist.Customer.History) != 4 || hist.Customer.History[0].Status != "GRANTED" || len(hist.Customer.Standing) != 3 {
		t.Errorf("consents = %+v, want 4 records, 3 standing (e-mail, SMS, every channel)", hist.Customer)
	}

	// Bad input is refused without echoing it.
	r := e.query(t, recordConsentMutation, map[string]any{"in": map[string]any{"customerId": id, "purpose": "MARKETING", "status": "GRANTED", "source": ""}}, nil)
	if c := codes(r)["recordConsent"]; c != "BAD_USER_INPUT" {
		t.Errorf("empty source: codes %v", codes(r))
	}
}

// The consents of a list of customers are read in one store query at most:
// none when no customer of the list has ever had one recorded.
func TestConsentsOfFiftyCustomersInOneQuery(t *testing.T) {
	e := boot(t)
	before := e.gw.Store.Commands("find", "consents")
	var out struct {
		Customers struct {
			Edges []struct{ Node struct{ ID string } } `json:"edges"`
		} `json:"customers"`
	}
	r := e.query(t, `{ customers(first: 50) { edges { node { id emailEngagement(first: 1) { type } consents { purpose } } } } }`, nil, &out)
	if len(out.Customers.Edges) != 50 {
		t.Fatalf("got %d customers: %+v", len(out.Customers.Edges), r.Errors)
	}
	for _, err := range r.Errors {
		if err.Extensions["code"] != "CONSENT_REQUIRED" {
			t.Errorf("unexpected error %+v", err)
		}
	}
	if n := e.gw.Store.Commands("find", "consents") - before; n > 1 {
		t.Errorf("consents read in %d store queries, want at most 1", n)
	}
}

const privacyFields = `id kind customerId status requestedBy completedAt result
  systems { system status keys attempts lastErrorCode nextAttemptAt doneAt }`

type privacyView struct {
	ID          string  `json:"id"`
	Kind        string  `json:"kind"`
	CustomerID  string  `json:"customerId"`
	Status      string  `json:"status"`
	RequestedBy string  `json:"requestedBy"`
	CompletedAt *string `json:"completedAt"`
	Result      *string `json:"result"`
	Systems     []struct {
		System        string  `json:"system"`
		Status        string  `json:"status"`
		Keys          int     `json:"keys"`
		Attempts      int     `json:"attempts"`
		LastErrorCode *string `json:"lastErrorCode"`
		NextAttemptAt *string `json:"nextAttemptAt"`
	} `json:"systems"`
}

func (v privacyView) system(name string) (status string, attempts int, code string) {
	for _, s := range v.Systems {
		if s.System == name {
			if s.LastErrorCode != nil {
				code = *s.LastErrorCode
			}
			return s.Status, s.Attempts, code
		}
	}
	return "", 0, ""
}

func privacyRequest(t *testing.T, e *env, id string) privacyView {
	t.Helper()
	var out struct {
		R *privacyView `json:"privacyRequest"`
	}
	e.mustQuery(t, `query ($id: ID!) { privacyRequest(id: $id) { `+privacyFields+` } }`, map[string]any{"id": id}, &out)
	if out.R == nil {
		t.Fatalf("privacy request %s not found", id)
	}
	return *out.R
}

// erasable are the demo systems whose connector can erase.
var erasable = []string{population.CRM, population.Helpdesk, population.Mailing, population.POS}

func TestErasureAcrossSystemsWithRetry(t *testing.T) {
	e := boot(t)
	ctx := context.Background()
	// Retries soon, so the test sees one.
	e.gw.Privacy().SetConfig(config.Privacy{RetryBase: 300 * time.Millisecond, RetryMax: time.Second, PollInterval: 100 * time.Millisecond, MaxAttempts: 20})
	p := privacyPerson(t, e.demo.Simulators.Population(), 0)
	id := externalCustomer(t, e, population.CRM, p.Key(population.CRM))

	var before struct {
		Customer struct {
			Identities []struct {
				Kind   string
				System *string
				Value  string
			} `json:"identities"`
		} `json:"customer"`
	}
	e.mustQuery(t, `query ($id: ID!) { customer(id: $id) { identities { kind system value } } }`, map[string]any{"id": id}, &before)
	keys := map[string][]string{}
	for _, idn := range before.Customer.Identities {
		if idn.Kind == "EXTERNAL_ID" && idn.System != nil {
			keys[*idn.System] = append(keys[*idn.System], idn.Value)
		}
	}
	for _, s := range erasable {
		if len(keys[s]) == 0 {
			t.Fatalf("the customer has no %s record: %v", s, keys)
		}
	}
	if _, err := e.gw.Store.AddConsent(ctx, store.Consent{CustomerID: id, Purpose: "marketing", Granted: true, Source: "e2e", RecordedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}

	// The helpdesk is down when the request is made.
	e.demo.Simulators.Helpdesk.SetDown(true)
	t.Cleanup(func() { e.demo.Simulators.Helpdesk.SetDown(false) })
	var made struct {
		R privacyView `json:"requestErasure"`
	}
	e.mustQuery(t, `mutation ($id: ID!) { requestErasure(customerId: $id) { `+privacyFields+` } }`, map[string]any{"id": id}, &made)
	req := made.R
	if req.Kind != "ERASURE" || req.CustomerID != id || req.Status != "PENDING" || req.RequestedBy == "" {
		t.Fatalf("request = %+v", req)
	}
	if st, n, code := req.system(population.Helpdesk); st != "FAILED" || n != 1 || code != "UPSTREAM_UNAVAILABLE" {
		t.Errorf("helpdesk: %s after %d attempts (%s), want FAILED after 1 with UPSTREAM_UNAVAILABLE", st, n, code)
	}
	for _, s := range req.Systems {
		var want string
		switch {
		case s.System == store.PrivacySystemStore:
			want = "DONE"
		case s.System == population.Helpdesk:
			continue
		case len(keys[s.System]) == 0:
			want = "NOT_APPLICABLE"
		case slices.Contains(erasable, s.System):
			want = "DONE"
		default:
			want = "MANUAL" // holds records, cannot erase: a person must
		}
		if s.Status != want || s.Keys != len(keys[s.System]) {
			t.Errorf("%s: %s with %d keys, want %s with %d", s.System, s.Status, s.Keys, want, len(keys[s.System]))
		}
	}
	if len(req.Systems) != 1+len(e.gw.Sources.All()) {
		t.Errorf("%d systems reported, want the store and every connector", len(req.Systems))
	}

	// The profile store is anonymised at once.
	var after struct {
		Customer *struct {
			ID         string   `json:"id"`
			ErasedAt   *string  `json:"erasedAt"`
			Identities []any    `json:"identities"`
			Consents   []any    `json:"consents"`
			MergedIDs  []string `json:"mergedIds"`
		} `json:"customer"`
	}
	e.mustQuery(t, `query ($id: ID!) { customer(id: $id) { id erasedAt identities { value } consents { id } mergedIds } }`, map[string]any{"id": id}, &after)
	if after.Customer == nil || after.Customer.ErasedAt == nil || len(after.Customer.Identities) != 0 || len(after.Customer.Consents) != 0 {
		t.Fatalf("after erasure: %+v", after.Customer)
	}
	var found struct {
		C *struct{ ID string } `json:"customerByIdentifier"`
	}
	e.mustQuery(t, `query ($v: String!) { customerByIdentifier(kind: EXTERNAL_ID, system: "crm", value: $v) { id } }`,
		map[string]any{"v": p.Key(population.CRM)}, &found)
	if found.C != nil {
		t.Errorf("the erased CRM key still resolves to %s", found.C.ID)
	}

	// The helpdesk comes back; the worker retries it.
	e.demo.Simulators.Helpdesk.SetDown(false)
	deadline := time.Now().Add(30 * time.Second)
	for {
		req = privacyRequest(t, e, req.ID)
		if st, _, _ := req.system(population.Helpdesk); st == "DONE" || time.Now().After(deadline) {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if st, n, _ := req.system(population.Helpdesk); st != "DONE" || n < 2 {
		t.Fatalf("helpdesk: %s after %d attempts, want DONE after a retry", st, n)
	}
	// The systems without erasure still hold the person: PARTIAL, not DONE.
	if req.Status != "PARTIAL" || req.CompletedAt != nil {
		t.Errorf("request %s, completed %v; want PARTIAL while a system must be erased by hand", req.Status, req.CompletedAt)
	}

	// Every system that can erase no longer serves the records.
	sims := e.demo.Simulators
	for _, k := range keys[population.CRM] {
		if !sims.CRM.Erased(k) {
			t.Errorf("crm still holds %s", k)
		}
	}
	for _, k := range keys[population.Mailing] {
		if !sims.Mailing.Erased(k) {
			t.Errorf("mailing still holds %s", k)
		}
	}
	for _, k := range keys[population.Helpdesk] {
		n, _ := strconv.ParseInt(k, 10, 64)
		if !sims.Helpdesk.Erased(n) {
			t.Errorf("helpdesk still holds %s", k)
		}
	}
	for _, sys := range erasable {
		src, _ := e.gw.Sources.Get(sys)
		got, err := src.Profiles(ctx, keys[sys])
		if err != nil {
			t.Fatal(err)
		}
		for i, rec := range got {
			if rec != nil {
				t.Errorf("%s still answers record %s", sys, keys[sys][i])
			}
		}
	}

	// The records the systems that cannot erase still hold are not linked
	// again by the next identity sync (the suppression list): the person
	// does not come back as a new customer; the erased one stays empty.
	if err := e.gw.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	for sys, list := range keys {
		if slices.Contains(erasable, sys) {
			continue
		}
		for _, k := range list {
			var found struct {
				C *struct{ ID string } `json:"customerByIdentifier"`
			}
			e.mustQuery(t, `query ($s: String, $v: String!) { customerByIdentifier(kind: EXTERNAL_ID, system: $s, value: $v) { id } }`,
				map[string]any{"s": sys, "v": k}, &found)
			if found.C != nil {
				t.Errorf("%s key %s was linked again, to %s", sys, k, found.C.ID)
			}
		}
	}
	e.mustQuery(t, `query ($id: ID!) { customer(id: $id) { id erasedAt identities { value } consents { id } mergedIds } }`, map[string]any{"id": id}, &after)
	if after.Customer == nil || after.Customer.ErasedAt == nil || len(after.Customer.Identities) != 0 {
		t.Errorf("after a sync, the erased customer is %+v", after.Customer)
	}
}

func TestPrivacyExportCollectsEverySystem(t *testing.T) {
	e := boot(t)
	p := privacyPerson(t, e.demo.Simulators.Population(), 1)
	id := externalCustomer(t, e, population.CRM, p.Key(population.CRM))
	var made struct {
		R privacyView `json:"requestExport"`
	}
	e.mustQuery(t, `mutation ($id: ID!) { requestExport(customerId: $id) { `+privacyFields+` } }`, map[string]any{"id": id}, &made)
	req := privacyRequest(t, e, made.R.ID)
	// The shop or the call center (no export) holds the person: PARTIAL,
	// with what the other systems exported.
	if req.Kind != "EXPORT" || req.Status != "PARTIAL" || req.Result == nil {
		t.Fatalf("export = %+v", req)
	}
	var doc map[string]json.RawMessage
	if err := json.Unmarshal([]byte(*req.Result), &doc); err != nil {
		t.Fatalf("result is not JSON: %v", err)
	}
	var mine struct {
		CustomerID string `json:"customerId"`
		Identities []struct {
			Kind, System, Value string
		} `json:"identities"`
	}
	if err := json.Unmarshal(doc[store.PrivacySystemStore], &mine); err != nil || mine.CustomerID != id || len(mine.Identities) == 0 {
		t.Errorf("the profile store's part: %s (%v)", doc[store.PrivacySystemStore], err)
	}
	for _, sys := range erasable {
		if !strings.Contains(string(doc[sys]), p.Key(sys)) {
			t.Errorf("%s's part lacks the record %s: %s", sys, p.Key(sys), doc[sys])
		}
	}
}

// post sends an operation with headers and returns the raw answer.
func post(t *testing.T, e *env, q string, vars map[string]any, headers map[string]string) response {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"query": q, "variables": vars})
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, e.srv.URL+"/graphql", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var r response
	if err := json.Unmarshal(raw, &r); err != nil || len(r.Errors) > 0 {
		t.Fatalf("answer %s (%v)", raw, err)
	}
	return r
}

func TestAuditRecordsPIIReadsAndMutations(t *testing.T) {
	e := boot(t)
	ctx := context.Background()
	p := privacyPerson(t, e.demo.Simulators.Population(), 1)
	id := externalCustomer(t, e, population.CRM, p.Key(population.CRM))

	r := post(t, e, `query AuditRead($id: ID!) { customer(id: $id) { identities { value } profile { email { value } } } }`,
		map[string]any{"id": id}, map[string]string{"X-Request-Id": "req-e2e-audit"})
	post(t, e, `query NoPII { sources { name } }`, nil, nil)
	post(t, e, `mutation AuditWrite($in: RecordConsentInput!) { recordConsent(input: $in) { id } }`,
		map[string]any{"in": map[string]any{"customerId": id, "purpose": "ANALYTICS", "status": "GRANTED", "source": "e2e"}}, nil)
	flush, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := e.gw.Audit().Flush(flush); err != nil {
		t.Fatal(err)
	}
	if e.gw.Audit().Dropped() != 0 || e.gw.Audit().Failed() != 0 {
		t.Errorf("audit entries dropped %d, failed %d", e.gw.Audit().Dropped(), e.gw.Audit().Failed())
	}

	var log struct {
		AuditLog struct {
			Edges []struct {
				Node struct {
					Actor         string   `json:"actor"`
					OperationName *string  `json:"operationName"`
					OperationType string   `json:"operationType"`
					Mutations     []string `json:"mutations"`
					PiiFields     []string `json:"piiFields"`
					CustomerIds   []string `json:"customerIds"`
					RequestID     *string  `json:"requestId"`
				} `json:"node"`
			} `json:"edges"`
		} `json:"auditLog"`
	}
	e.mustQuery(t, `query ($id: ID) { auditLog(first: 10, customerId: $id) { edges { node {
	  actor operationName operationType mutations piiFields customerIds requestId } } } }`, map[string]any{"id": id}, &log)
	byName := map[string]int{}
	for i, edge := range log.AuditLog.Edges {
		if edge.Node.OperationName != nil {
			byName[*edge.Node.OperationName] = i
		}
	}
	if _, ok := byName["NoPII"]; ok {
		t.Errorf("an operation without personal data was audited")
	}
	read, ok := byName["AuditRead"]
	if !ok {
		t.Fatalf("no entry for the read: %+v", log.AuditLog.Edges)
	}
	n := log.AuditLog.Edges[read].Node
	if n.Actor == "" || n.OperationType != "query" || !slices.Equal(n.CustomerIds, []string{id}) ||
		!slices.Equal(n.PiiFields, []string{"Identity.value", "ProfileField.value"}) || n.RequestID == nil || *n.RequestID != "req-e2e-audit" {
		t.Errorf("read entry = %+v", n)
	}
	write, ok := byName["AuditWrite"]
	if !ok {
		t.Fatalf("no entry for the mutation: %+v", log.AuditLog.Edges)
	}
	if m := log.AuditLog.Edges[write].Node; m.OperationType != "mutation" || !slices.Equal(m.Mutations, []string{"Mutation.recordConsent"}) ||
		!slices.Equal(m.CustomerIds, []string{id}) {
		t.Errorf("mutation entry = %+v", m)
	}

	// No value read reached the log.
	entries, err := e.gw.Store.AuditLog(ctx, store.AuditQuery{CustomerID: id, Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := json.Marshal(entries)
	var values []string
	var collect func(v any)
	collect = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			for k, y := range x {
				if k == "value" {
					if s, ok := y.(string); ok {
						values = append(values, s)
					}
				}
				collect(y)
			}
		case []any:
			for _, y := range x {
				collect(y)
			}
		}
	}
	var data any
	_ = json.Unmarshal(r.Data, &data)
	collect(data)
	if len(values) == 0 {
		t.Fatal("the read returned no values to look for")
	}
	for _, v := range values {
		if strings.Contains(string(raw), v) {
			t.Errorf("the audit log holds a value read")
		}
	}
}
