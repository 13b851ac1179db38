package run

import (
	"strings"
	"testing"

	"github.com/harmonyhq/harmony/bench/internal/memstore"
	sqlconn "github.com/harmonyhq/harmony/connectors/sql"
	"github.com/harmonyhq/harmony/internal/config"
	"github.com/harmonyhq/harmony/internal/store"
)

// demoVars are the variables demo.yaml reads of its systems (POS_DSN
// aside): their URLs and credentials.
var demoVars = []string{"CRM_URL", "CRM_TOKEN", "SHOP_URL", "SHOP_TOKEN", "HELPDESK_URL", "HELPDESK_USER", "HELPDESK_TOKEN",
	"HELPDESK_WEBHOOK_SECRET", "MAILING_URL", "MAILING_KEY", "CALLS_URL", "CALLS_KEY",
	"SMS_URL", "SMS_ACCOUNT_SID", "SMS_TOKEN", "SMS_SERVICE_SID", "SOCIAL_URL", "SOCIAL_TOKEN", "SOCIAL_PAGE_ID",
	"ANALYTICS_URL", "ANALYTICS_KEY", "ANALYTICS_SPACE", "CHATBOT_URL", "CHATBOT_TOKEN"}

// The bench's demo configuration is demo.yaml with the point of sale on
// PostgreSQL, the store in the bench's directory and no sync on start.
func TestDemoConfig(t *testing.T) {
	b, err := demoConfig()
	if err != nil {
		t.Fatal(err)
	}
	env := map[string]string{DataDirVar: "/bench/store", "POS_DSN": "postgres://127.0.0.1:1/x"}
	for _, v := range demoVars {
		env[v] = "http://" + strings.ToLower(v)
	}
	cfg, err := config.Parse("bench-demo.yaml", b, lookupIn(env))
	if err != nil {
		t.Fatalf("%v\n%s", err, b)
	}
	if cfg.Store.DataDir != "/bench/store" || cfg.Store.URI.Reveal() != "" || *cfg.Identity.SyncOnStart {
		t.Errorf("store %+v, sync on start %v", cfg.Store, *cfg.Identity.SyncOnStart)
	}
	var names []string
	for _, cn := range cfg.Connectors {
		names = append(names, cn.Name+":"+cn.Kind)
		if cn.Name == "pos" {
			var c sqlconn.Config
			if err := cn.Config.Decode(&c); err != nil || c.Driver != "postgres" {
				t.Errorf("pos is on %q, not PostgreSQL (%v)", c.Driver, err)
			}
		}
	}
	if got := strings.Join(names, " "); got != "crm:rest shop:graphql pos:sql helpdesk:rest mailing:rest calls:rest sms:rest social:rest analytics:rest chatbot:rest" {
		t.Errorf("connectors %s", got)
	}
	if !strings.Contains(string(b), "*crm_fields") {
		t.Error("the anchors of demo.yaml were not kept")
	}
}

func TestPickTargetsInEverySystemWithAnEmail(t *testing.T) {
	ext := func(c, system, key string) store.Identity {
		return store.Identity{CustomerID: c, Kind: store.KindExternalID, System: system, Value: key}
	}
	snap := &memstore.Snapshot{
		Customers: []store.Customer{{ID: "cus_c"}, {ID: "cus_a"}, {ID: "cus_b"}, {ID: "cus_m", MergedInto: "cus_a"}},
		Identities: []store.Identity{
			ext("cus_a", "crm", "1"), ext("cus_a", "shop", "s1"), {CustomerID: "cus_a", Kind: store.KindEmail, Value: "a@example.org"},
			ext("cus_b", "crm", "2"), {CustomerID: "cus_b", Kind: store.KindEmail, Value: "b@example.org"}, // no shop record
			ext("cus_c", "crm", "3"), ext("cus_c", "shop", "s3"), {CustomerID: "cus_c", Kind: store.KindEmail, Value: "c@example.org", Status: store.StatusShared},
			ext("cus_m", "crm", "4"), ext("cus_m", "shop", "s4"), {CustomerID: "cus_m", Kind: store.KindEmail, Value: "m@example.org"},
		},
	}
	got := pickTargets(snap, []string{"crm", "shop"}, "shop", 10)
	if len(got) != 1 || got[0] != (target{ID: "cus_a", Email: "a@example.org", Key: "s1"}) {
		t.Errorf("pickTargets = %+v, want cus_a alone (cus_b lacks shop, cus_c's e-mail is shared, cus_m is merged)", got)
	}
}
