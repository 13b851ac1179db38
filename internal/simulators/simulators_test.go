package simulators_test

import (
	"database/sql"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
	_ "modernc.org/sqlite"             // registers the "sqlite" driver

	"github.com/harmonyhq/harmony/internal/simulators"
	"github.com/harmonyhq/harmony/internal/simulators/population"
	"github.com/harmonyhq/harmony/internal/testenv"
)

var wantVars = []string{
	"ANALYTICS_KEY", "ANALYTICS_SPACE", "ANALYTICS_URL",
	"CALLS_KEY", "CALLS_URL", "CHATBOT_TOKEN", "CHATBOT_URL", "CRM_TOKEN", "CRM_URL", "HELPDESK_TOKEN", "HELPDESK_URL", "HELPDESK_USER", "HELPDESK_WEBHOOK_SECRET",
	"MAILING_KEY", "MAILING_URL", "POS_DSN", "SHOP_TOKEN", "SHOP_URL",
	"SMS_ACCOUNT_SID", "SMS_SERVICE_SID", "SMS_TOKEN", "SMS_URL", "SOCIAL_PAGE_ID", "SOCIAL_TOKEN", "SOCIAL_URL",
}

func startSQLite(t *testing.T, opts simulators.Options) *simulators.Set {
	t.Helper()
	opts.POSSQLitePath = filepath.Join(t.TempDir(), "pos.db")
	set, err := simulators.Start(t.Context(), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = set.Close() })
	return set
}

// call sends one authenticated request built from the gateway variables.
func call(t *testing.T, v map[string]string, system string) (*http.Response, error) {
	t.Helper()
	var req *http.Request
	var err error
	ctx := t.Context()
	switch system {
	case population.CRM:
		req, err = http.NewRequestWithContext(ctx, http.MethodGet, v["CRM_URL"]+"/crm/v3/objects/contacts?limit=1", nil)
		if err == nil {
			req.Header.Set("Authorization", "Bearer "+v["CRM_TOKEN"])
		}
	case population.Shop:
		req, err = http.NewRequestWithContext(ctx, http.MethodPost, v["SHOP_URL"]+"/graphql", strings.NewReader(`{"query":"{ customerList(first: 1) { nodes { id } } }"}`))
		if err == nil {
			req.Header.Set("X-Shop-Access-Token", v["SHOP_TOKEN"])
		}
	case population.Helpdesk:
		req, err = http.NewRequestWithContext(ctx, http.MethodGet, v["HELPDESK_URL"]+"/api/v2/users.json?page[size]=1", nil)
		if err == nil {
			req.SetBasicAuth(v["HELPDESK_USER"], v["HELPDESK_TOKEN"])
		}
	case population.Mailing:
		req, err = http.NewRequestWithContext(ctx, http.MethodGet, v["MAILING_URL"]+"/3.0/lists/main/members?count=1", nil)
		if err == nil {
			req.SetBasicAuth("harmony", v["MAILING_KEY"])
		}
	case population.SMS:
		req, err = http.NewRequestWithContext(ctx, http.MethodGet, v["SMS_URL"]+"/v1/Services/"+v["SMS_SERVICE_SID"]+"/Bindings?PageSize=1", nil)
		if err == nil {
			req.SetBasicAuth(v["SMS_ACCOUNT_SID"], v["SMS_TOKEN"])
		}
	case population.Social:
		req, err = http.NewRequestWithContext(ctx, http.MethodGet, v["SOCIAL_URL"]+"/v19.0/"+v["SOCIAL_PAGE_ID"]+"/contacts?limit=1", nil)
		if err == nil {
			req.Header.Set("Authorization", "Bearer "+v["SOCIAL_TOKEN"])
		}
	case population.Analytics:
		req, err = http.NewRequestWithContext(ctx, http.MethodGet, v["ANALYTICS_URL"]+"/v1/spaces/"+v["ANALYTICS_SPACE"]+"/collections/users/profiles?limit=1", nil)
		if err == nil {
			req.Header.Set("Authorization", "Bearer "+v["ANALYTICS_KEY"])
		}
	case population.Chatbot:
		req, err = http.NewRequestWithContext(ctx, http.MethodGet, v["CHATBOT_URL"]+"/api/v2/end-users?limit=1", nil)
		if err == nil {
			req.Header.Set("Authorization", "Bearer "+v["CHATBOT_TOKEN"])
		}
	case population.Calls:
		req, err = http.NewRequestWithContext(ctx, http.MethodGet, v["CALLS_URL"]+"/v1/contacts?per_page=1", nil)
		if err == nil {
			req.Header.Set("X-Api-Key", v["CALLS_KEY"])
		}
	}
	if err != nil {
		t.Fatal(err)
	}
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	return client.Do(req)
}

var httpSystems = []string{population.CRM, population.Shop, population.Helpdesk, population.Mailing, population.Calls,
	population.SMS, population.Social, population.Analytics, population.Chatbot}

func TestStartWithSQLite(t *testing.T) {
	set := startSQLite(t, simulators.Options{People: 80, CRMToken: "custom"})
	v := set.Vars()
	var names []string
	for k := range v {
		names = append(names, k)
	}
	sort.Strings(names)
	if strings.Join(names, ",") != strings.Join(wantVars, ",") {
		t.Fatalf("Vars = %v, want %v", names, wantVars)
	}
	if v["CRM_TOKEN"] != "custom" || v["HELPDESK_USER"] != "agent@harmony.example/token" {
		t.Errorf("credentials: CRM_TOKEN %q, HELPDESK_USER %q", v["CRM_TOKEN"], v["HELPDESK_USER"])
	}
	if set.Population().Len() != 80 || set.Population().Seed != population.DefaultSeed {
		t.Errorf("population: %d people, seed %d", set.Population().Len(), set.Population().Seed)
	}

	for _, system := range httpSystems {
		t.Run(system, func(t *testing.T) {
			u := v[strings.ToUpper(system)+"_URL"]
			if !strings.HasPrefix(u, "http://127.0.0.1:") || strings.HasSuffix(u, "/") {
				t.Errorf("URL %q", u)
			}
			sim := set.Get(system)
			if sim == nil || sim.Name() != system || sim.URL() != u {
				t.Fatalf("Get(%q) = %v", system, sim)
			}
			resp, err := call(t, v, system)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK || sim.Total() != 1 || len(sim.Counts()) != 1 {
				t.Errorf("status %d, total %d, counts %v", resp.StatusCode, sim.Total(), sim.Counts())
			}
		})
	}
	if set.Get("nope") != nil || len(set.All()) != len(population.Systems()) {
		t.Errorf("Get(nope) not nil or All has %d", len(set.All()))
	}

	db, err := sql.Open("sqlite", v["POS_DSN"])
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = db.Close() }()
	var n int
	if err := db.QueryRowContext(t.Context(), `SELECT count(*) FROM customers`).Scan(&n); err != nil || n != len(set.Population().Members(population.POS)) {
		t.Errorf("POS customers = %d (%v)", n, err)
	}

	set.Reset()
	for name, total := range set.Totals() {
		if total != 0 {
			t.Errorf("%s total %d after Reset", name, total)
		}
	}
	if err := set.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	for _, system := range httpSystems {
		if resp, err := call(t, v, system); err == nil {
			resp.Body.Close()
			t.Errorf("%s still answers after Close", system)
		} else if !errors.Is(err, syscall.ECONNREFUSED) {
			t.Errorf("%s after Close: %v, want connection refused", system, err)
		}
	}
}

func TestStartWithPostgres(t *testing.T) {
	dsn := testenv.Postgres(t)

	set, err := simulators.Start(t.Context(), simulators.Options{People: 60, POSPostgresDSN: dsn})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = set.Close() }()
	v := set.Vars()
	if !strings.HasPrefix(v["POS_DSN"], "postgres://") {
		t.Fatalf("POS_DSN = %q", v["POS_DSN"])
	}
	db, err := sql.Open("pgx", v["POS_DSN"])
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = db.Close() }()
	var n int
	if err := db.QueryRowContext(t.Context(), `SELECT count(*) FROM sales`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if got := set.Get(population.POS).Count("query"); got != 1 {
		t.Errorf("pos query count = %d, want 1", got)
	}
}

// TestSameCustomerEverywhere follows one person present in all systems
// through each simulator: every system's identifiers normalise to the same
// e-mail and phone.
func TestSameCustomerEverywhere(t *testing.T) {
	set := startSQLite(t, simulators.Options{People: 40})
	p := set.Population().InAll()[0]
	v := set.Vars()
	emails := map[string]string{}
	phones := map[string]string{}
	get := func(method, u, body string, auth func(*http.Request), out any) {
		t.Helper()
		req, err := http.NewRequestWithContext(t.Context(), method, u, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		auth(req)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		if err := json.NewDecoder(resp.Body).Decode(out); err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("%s: status %d, %v", u, resp.StatusCode, err)
		}
	}

	var c struct {
		Results []struct {
			Properties map[string]*string `json:"properties"`
		} `json:"results"`
	}
	get(http.MethodPost, v["CRM_URL"]+"/crm/v3/objects/contacts/batch/read", `{"inputs":[{"id":"`+p.Key(population.CRM)+`"}]}`,
		func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+v["CRM_TOKEN"]) }, &c)
	emails["crm"], phones["crm"] = deref(c.Results[0].Properties["email"]), deref(c.Results[0].Properties["phone"])

	var sh struct {
		Data struct {
			Customers []struct {
				Email, Phone *string
			} `json:"customers"`
		} `json:"data"`
	}
	get(http.MethodPost, v["SHOP_URL"]+"/graphql", `{"query":"{ customers(ids: [\"`+p.Key(population.Shop)+`\"]) { email phone } }"}`,
		func(r *http.Request) { r.Header.Set("X-Shop-Access-Token", v["SHOP_TOKEN"]) }, &sh)
	emails["shop"], phones["shop"] = deref(sh.Data.Customers[0].Email), deref(sh.Data.Customers[0].Phone)

	var hd struct {
		Users []struct {
			Email, Phone, WhatsApp *string
		} `json:"users"`
	}
	get(http.MethodGet, v["HELPDESK_URL"]+"/api/v2/users/show_many.json?ids="+p.Key(population.Helpdesk), "",
		func(r *http.Request) { r.SetBasicAuth(v["HELPDESK_USER"], v["HELPDESK_TOKEN"]) }, &hd)
	emails["helpdesk"], phones["helpdesk"] = deref(hd.Users[0].Email), deref(hd.Users[0].Phone)
	if w := deref(hd.Users[0].WhatsApp); w != "" {
		phones["whatsapp"] = "+" + w
	}

	var ml struct {
		Members []struct {
			Email string `json:"email_address"`
		} `json:"members"`
	}
	get(http.MethodGet, v["MAILING_URL"]+"/3.0/lists/main/members?ids="+url.QueryEscape(p.Key(population.Mailing)), "",
		func(r *http.Request) { r.SetBasicAuth("x", v["MAILING_KEY"]) }, &ml)
	emails["mailing"] = ml.Members[0].Email

	var cl struct {
		Contacts []struct {
			Phones []struct{ Value string } `json:"phone_numbers"`
		} `json:"contacts"`
	}
	get(http.MethodGet, v["CALLS_URL"]+"/v1/contacts?ids="+p.Key(population.Calls), "",
		func(r *http.Request) { r.Header.Set("X-Api-Key", v["CALLS_KEY"]) }, &cl)
	phones["calls"] = cl.Contacts[0].Phones[0].Value

	db, err := sql.Open("sqlite", v["POS_DSN"])
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = db.Close() }()
	var posEmail, posPhone sql.NullString
	if err := db.QueryRowContext(t.Context(), `SELECT email, phone FROM customers WHERE id = ?`, p.Key(population.POS)).Scan(&posEmail, &posPhone); err != nil {
		t.Fatal(err)
	}
	emails["pos"], phones["pos"] = posEmail.String, posPhone.String

	for system, e := range emails {
		if e != "" && strings.ToLower(strings.TrimSpace(e)) != p.Email {
			t.Errorf("%s e-mail does not normalise to the person's", system)
		}
	}
	for system, ph := range phones {
		if ph != "" && digits(ph, p.Country) != p.Phone {
			t.Errorf("%s phone %q does not normalise to the person's", system, ph)
		}
	}
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// digits is a crude E.164 normaliser for the formats the simulators write;
// national numbers are French.
func digits(s, country string) string {
	var b strings.Builder
	for _, r := range s {
		if r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	d := b.String()
	if strings.HasPrefix(strings.TrimSpace(s), "+") {
		return "+" + d
	}
	if country == "FR" && strings.HasPrefix(d, "0") {
		return "+33" + d[1:]
	}
	return d
}
