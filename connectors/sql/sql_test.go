package sql_test

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/harmonyhq/harmony/connectors"
	"github.com/harmonyhq/harmony/connectors/connectortest"
	connsql "github.com/harmonyhq/harmony/connectors/sql"
)

func TestRewrite(t *testing.T) {
	all := []string{"keys", "since", "until", "limit", "cursor"}
	for _, tc := range []struct {
		name, dialect, in, want string
		params                  []string
		err                     string
	}{
		{"postgres basic", "postgres", "SELECT * FROM t WHERE id = ANY(:keys) AND at >= :since LIMIT :limit",
			"SELECT * FROM t WHERE id = ANY($1) AND at >= $2 LIMIT $3", []string{"keys", "since", "limit"}, ""},
		{"postgres casts kept", "postgres", "WHERE (:until::timestamptz IS NULL OR at <= :until) AND x::text = ANY(:keys::text[])",
			"WHERE ($1::timestamptz IS NULL OR at <= $1) AND x::text = ANY($2::text[])", []string{"until", "keys"}, ""},
		{"sqlite basic", "sqlite", "SELECT 1 WHERE id IN (SELECT value FROM json_each(:keys)) AND (:since IS NULL OR at >= :since)",
			"SELECT 1 WHERE id IN (SELECT value FROM json_each(?1)) AND (?2 IS NULL OR at >= ?2)", []string{"keys", "since"}, ""},
		{"strings and comments skipped", "postgres", "SELECT ':keys', 'it''s :x', \":since\" -- :until\n/* :limit /* nested :a */ */ FROM t WHERE k = ANY(:keys)",
			"SELECT ':keys', 'it''s :x', \":since\" -- :until\n/* :limit /* nested :a */ */ FROM t WHERE k = ANY($1)", []string{"keys"}, ""},
		{"escape string", "postgres", `SELECT E'a\':b' , :cursor`, `SELECT E'a\':b' , $1`, []string{"cursor"}, ""},
		{"dollar quoting", "postgres", "SELECT $tag$ :keys $tag$, $$ :since $$, :keys",
			"SELECT $tag$ :keys $tag$, $$ :since $$, $1", []string{"keys"}, ""},
		{"case insensitive", "sqlite", "SELECT :KEYS, :Keys", "SELECT ?1, ?1", []string{"keys"}, ""},
		{"time literal", "sqlite", "SELECT time('10:30'), :limit", "SELECT time('10:30'), ?1", []string{"limit"}, ""},
		{"unknown placeholder", "postgres", "SELECT 1\nWHERE a = :key", "", nil, "line 2: unknown placeholder :key"},
		{"positional postgres", "postgres", "SELECT $1", "", nil, "positional parameter $1"},
		{"positional sqlite", "sqlite", "SELECT ?", "", nil, "positional parameter ?"},
		{"jsonb operator", "postgres", "SELECT doc ? 'a' FROM t WHERE k = ANY(:keys)", "SELECT doc ? 'a' FROM t WHERE k = ANY($1)", []string{"keys"}, ""},
		{"unterminated string", "sqlite", "SELECT 'abc", "", nil, "unterminated string"},
		{"unterminated comment", "postgres", "SELECT /* x", "", nil, "unterminated comment"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, params, err := connsql.Rewrite(tc.dialect, tc.in, all)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("err = %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want || !reflect.DeepEqual(params, tc.params) {
				t.Errorf("got %q %v\nwant %q %v", got, params, tc.want, tc.params)
			}
		})
	}
	if _, _, err := connsql.Rewrite("postgres", "SELECT :since", []string{"keys"}); err == nil || !strings.Contains(err.Error(), "may use :keys") {
		t.Errorf("placeholder of another capability: %v", err)
	}
}

func TestConfigErrors(t *testing.T) {
	for _, tc := range []struct {
		name, cfg string
		key       string
		line      int
		reason    string
	}{
		{"driver", "driver: mysql\ndsn: x\nprofiles: {query: 'select 1'}\n", "driver", 1, "postgres or sqlite"},
		{"dsn", "driver: sqlite\nprofiles: {query: 'select 1'}\n", "dsn", 1, "required"},
		{"unknown key", "driver: sqlite\ndsn: x\nprofiles:\n  query: select 1\n  timeout: 5s\n", "profiles.timeout", 5, "unknown key"},
		{"no query", "driver: sqlite\ndsn: x\n", "", 1, "at least one query"},
		{"placeholder", "driver: sqlite\ndsn: x\norders:\n  query: |\n    SELECT * FROM o\n    WHERE k IN (SELECT value FROM json_each(:keys)) AND t > :after\n",
			"orders.query", 4, "line 2: unknown placeholder :after"},
		{"keys unused", "driver: sqlite\ndsn: x\nprofiles: {query: 'select 1 as key'}\n", "profiles.query", 3, "must use :keys"},
		{"list needs cursor", "driver: postgres\ndsn: postgres://x/y\nlist_profiles: {query: 'select 1 as key limit :limit'}\n", "list_profiles.query", 3, "must use :cursor"},
		{"bad duration", "driver: sqlite\ndsn: x\nconn_max_lifetime: soon\nprofiles: {query: 'select :keys as key'}\n", "conn_max_lifetime", 3, "cannot unmarshal"},
		{"lookup without identifiers", "driver: sqlite\ndsn: x\nlookup: {query: 'select 1 as key'}\n", "lookup.query", 3, "at least one of :emails"},
		{"lookup keys", "driver: sqlite\ndsn: x\nlookup: {query: 'select :keys as key'}\n", "lookup.query", 3, "unknown placeholder :keys"},
		{"erase no statements", "driver: sqlite\ndsn: x\nerase: {}\n", "erase.statements", 3, "required"},
		{"erase keys unused", "driver: sqlite\ndsn: x\nerase:\n  statements:\n    - DELETE FROM a WHERE k IN (SELECT value FROM json_each(:keys))\n    - DELETE FROM b\n",
			"erase.statements[1]", 6, "must use :keys"},
		{"export keys unused", "driver: sqlite\ndsn: x\nexport:\n  queries:\n    orders: SELECT 1 AS key\n", "export.queries.orders", 5, "must use :keys"},
		{"send channels", "driver: sqlite\ndsn: x\nsend: {statement: 'INSERT INTO o VALUES (:customer_key, :body)'}\n", "send.channels", 3, "required"},
		{"send bad channel", "driver: sqlite\ndsn: x\nsend:\n  statement: INSERT INTO o VALUES (:customer_key, :body)\n  channels: [email, pigeon]\n", "send.channels[1]", 5, "must be one of"},
		{"send no content", "driver: sqlite\ndsn: x\nsend: {channels: [sms], statement: 'INSERT INTO o VALUES (:customer_key)'}\n", "send.statement", 3, ":body or :template"},
		{"send keys", "driver: sqlite\ndsn: x\nsend: {channels: [sms], statement: 'INSERT INTO o VALUES (:keys, :body)'}\n", "send.statement", 3, "unknown placeholder :keys"},
		{"bad dsn", "driver: postgres\ndsn: 'postgres://u:SECRETPW@host:notaport/db'\nprofiles: {query: 'select :keys as key'}\n", "dsn", 2, "not a valid PostgreSQL"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := connectortest.TryBuild("sql", tc.cfg, connectors.Env{})
			if err == nil {
				_ = c.Close()
				t.Fatal("built")
			}
			var ce *connectors.ConfigError
			if !errors.As(err, &ce) {
				t.Fatalf("%v is not a *ConfigError", err)
			}
			if ce.Key != tc.key || ce.Line != tc.line || !strings.Contains(ce.Reason, tc.reason) {
				t.Errorf("got key %q line %d reason %q; want key %q line %d reason containing %q", ce.Key, ce.Line, ce.Reason, tc.key, tc.line, tc.reason)
			}
			if strings.Contains(err.Error(), "SECRETPW") {
				t.Errorf("error reveals the DSN: %v", err)
			}
		})
	}
}

// TestMapping checks the column conventions against both databases.
func TestMapping(t *testing.T) {
	for _, db := range []string{"sqlite", "postgres"} {
		t.Run(db, func(t *testing.T) {
			var c connectors.Connector
			if db == "sqlite" {
				u := newSQLite(t)
				c = connectortest.Build(t, "sql", fmt.Sprintf(sqliteConfig, u.dsn()), connectors.Env{})
			} else {
				u := newPostgres(t)
				c = connectortest.Build(t, "sql", fmt.Sprintf(postgresConfig, u.dsn("x")), connectors.Env{})
			}
			ctx := context.Background()
			ps, err := c.(connectors.ProfileSource).Profiles(ctx, []string{"1002", "1001", "nope"})
			if err != nil {
				t.Fatal(err)
			}
			want := &connectors.Profile{Key: "1001", UpdatedAt: time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC), Fields: map[string]string{
				"given_name": "Ana", "family_name": "Silva", "email": "ana@example.com", "phone": "+351910000001",
				"birth_date": "1990-04-12", "tier": "gold"}}
			if !reflect.DeepEqual(ps[1], want) || ps[2] != nil {
				t.Errorf("profiles:\n got %+v\nwant %+v", ps[1], want)
			}
			if _, ok := ps[0].Fields["email"]; ok || ps[0].Fields["tier"] != "silver" {
				t.Errorf("NULL kept: %+v", ps[0])
			}

			os, err := c.(connectors.OrderSource).Orders(ctx, []string{"1001"}, connectors.Window{
				Until: time.Date(2024, 4, 5, 9, 0, 0, 0, time.UTC), Limit: 5})
			if err != nil {
				t.Fatal(err)
			}
			wantOrders := []connectors.Order{
				{ID: "2", CustomerKey: "1001", PlacedAt: time.Date(2024, 4, 5, 9, 0, 0, 0, time.UTC), Status: "refunded",
					Channel: "store", Location: "Lisboa Chiado", Total: connectors.Money{Minor: 1500, Currency: "EUR"},
					Items: []connectors.OrderItem{{SKU: "CAP", Quantity: 1, UnitPrice: connectors.Money{Minor: 1500, Currency: "EUR"}}}},
				{ID: "1", CustomerKey: "1001", PlacedAt: time.Date(2024, 4, 1, 9, 0, 0, 0, time.UTC), Status: "paid",
					Channel: "online", Total: connectors.Money{Minor: 12990, Currency: "EUR"},
					Items: []connectors.OrderItem{
						{SKU: "TSHIRT-M", Quantity: 2, UnitPrice: connectors.Money{Minor: 4995, Currency: "EUR"}},
						{SKU: "SOCKS", Quantity: 1, UnitPrice: connectors.Money{Minor: 3000, Currency: "EUR"}}}},
			}
			if !reflect.DeepEqual(os[0], wantOrders) {
				t.Errorf("orders:\n got %+v\nwant %+v", os[0], wantOrders)
			}

			is, err := c.(connectors.InteractionSource).Interactions(ctx, []string{"1001"}, connectors.Window{Limit: 1})
			if err != nil {
				t.Fatal(err)
			}
			wantAttrs := map[string]string{"agent": "rita", "outcome": "escalated"}
			if db == "postgres" {
				wantAttrs["note"] = "it's :not_a_placeholder"
			}
			want1 := connectors.Interaction{ID: "call-3", CustomerKey: "1001", Channel: "phone", Type: "call", Direction: "inbound",
				OccurredAt: time.Unix(1706954400, 0).UTC(), Duration: 300 * time.Second, Attributes: wantAttrs}
			if len(is[0]) != 1 || !reflect.DeepEqual(is[0][0], want1) {
				t.Errorf("interactions:\n got %+v\nwant %+v", is[0], want1)
			}
			all, err := c.(connectors.InteractionSource).Interactions(ctx, []string{"1001"}, connectors.Window{Limit: 5})
			if err != nil {
				t.Fatal(err)
			}
			if d := all[0][2].Duration; d != 125*time.Second+500*time.Millisecond {
				t.Errorf("fractional duration = %v", d)
			}
		})
	}
}

// TestBadRows runs queries whose rows break the conventions.
func TestBadRows(t *testing.T) {
	u := newSQLite(t)
	for _, tc := range []struct {
		name, cap, query, want string
	}{
		{"unknown column", "orders", "SELECT customer_id AS customer_key, id, placed_at, total_cents AS total FROM orders WHERE customer_id IN (SELECT value FROM json_each(:keys))",
			`unknown column "total"`},
		{"missing column", "orders", "SELECT customer_id AS customer_key, id FROM orders WHERE customer_id IN (SELECT value FROM json_each(:keys))",
			"no placed_at column"},
		{"null time", "orders", "SELECT customer_id AS customer_key, id, NULL AS placed_at FROM orders WHERE customer_id IN (SELECT value FROM json_each(:keys))",
			"placed_at is NULL"},
		{"bad time", "orders", "SELECT customer_id AS customer_key, id, 'ana@example.com' AS placed_at FROM orders WHERE customer_id IN (SELECT value FROM json_each(:keys))",
			"placed_at: not an RFC 3339 time"},
		{"no currency", "orders", "SELECT customer_id AS customer_key, id, placed_at, total_cents AS total_minor FROM orders WHERE customer_id IN (SELECT value FROM json_each(:keys))",
			"currency is missing"},
		{"items not json", "orders", "SELECT customer_id AS customer_key, id, placed_at, 'x' AS items FROM orders WHERE customer_id IN (SELECT value FROM json_each(:keys))",
			"items: not valid JSON"},
		{"item field", "orders", `SELECT customer_id AS customer_key, id, placed_at, '[{"sku": "a", "unit_price": 5}]' AS items FROM orders WHERE customer_id IN (SELECT value FROM json_each(:keys))`,
			`unknown field "unit_price"`},
		{"interaction attr", "interactions", "SELECT customer_id AS customer_key, id, started_unix AS occurred_at, agent AS agent FROM calls WHERE customer_id IN (SELECT value FROM json_each(:keys))",
			`unknown column "agent"`},
		{"profile key", "profiles", "SELECT NULL AS key, email FROM customers WHERE id IN (SELECT value FROM json_each(:keys))",
			"key is NULL"},
		{"no such table", "profiles", "SELECT id AS key FROM clients WHERE id IN (SELECT value FROM json_each(:keys))",
			"no such table"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := fmt.Sprintf("driver: sqlite\ndsn: %q\n%s:\n  query: %q\n", u.dsn(), tc.cap, tc.query)
			c := connectortest.Build(t, "sql", cfg, connectors.Env{})
			var err error
			switch tc.cap {
			case "orders":
				_, err = c.(connectors.OrderSource).Orders(context.Background(), []string{"1001"}, connectors.Window{Limit: 10})
			case "interactions":
				_, err = c.(connectors.InteractionSource).Interactions(context.Background(), []string{"1001"}, connectors.Window{Limit: 10})
			case "profiles":
				_, err = c.(connectors.ProfileSource).Profiles(context.Background(), []string{"1001"})
			}
			want := connectors.CodeBadResponse
			if tc.name == "no such table" {
				want = connectors.CodeRejected
			}
			if connectors.CodeOf(err) != want || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v; want %s containing %q", err, want, tc.want)
			}
			if strings.Contains(err.Error(), "ana@example.com") {
				t.Errorf("error reveals row data: %v", err)
			}
		})
	}
}

func TestUnavailable(t *testing.T) {
	// Nothing listens on port 1.
	c := connectortest.Build(t, "sql", "driver: postgres\ndsn: postgres://postgres:PW-SECRET@127.0.0.1:1/postgres?connect_timeout=2\nprofiles: {query: 'select :keys::text as key'}\n", connectors.Env{})
	_, err := c.(connectors.ProfileSource).Profiles(context.Background(), []string{"1"})
	if connectors.CodeOf(err) != connectors.CodeUnavailable || strings.Contains(err.Error(), "PW-SECRET") {
		t.Fatalf("err = %v", err)
	}
}

func TestUnconfigured(t *testing.T) {
	c := connectortest.Build(t, "sql", "driver: sqlite\ndsn: ':memory:'\nprofiles: {query: 'select value as key from json_each(:keys)'}\n", connectors.Env{})
	if caps := connectors.Capabilities(c); !reflect.DeepEqual(caps, []connectors.Capability{connectors.CapProfiles}) {
		t.Errorf("capabilities %v", caps)
	}
	_, err := c.(connectors.OrderSource).Orders(context.Background(), []string{"1"}, connectors.Window{Limit: 1})
	if connectors.CodeOf(err) != connectors.CodeInternal {
		t.Errorf("orders: %v", err)
	}
	ps, err := c.(connectors.ProfileSource).Profiles(context.Background(), []string{"a", "b"})
	if err != nil || ps[0].Key != "a" || ps[1].Key != "b" {
		t.Errorf("profiles %v %v", ps, err)
	}
}
