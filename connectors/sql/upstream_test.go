package sql_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	_ "github.com/jackc/pgx/v5/stdlib"

	"github.com/harmonyhq/harmony/connectors"
	"github.com/harmonyhq/harmony/connectors/connectortest"
	"github.com/harmonyhq/harmony/internal/testenv"
)

// The same small retail data set is loaded into SQLite and PostgreSQL:
// customers, orders with lines (POS and online), and calls from a call
// center.

type customerRow struct {
	id, first, last, email, phone, birth, tier, updated string
}

var customerRows = []customerRow{
	{"1001", "Ana", "Silva", "ana@example.com", "+351910000001", "1990-04-12", "gold", "2024-05-01T10:00:00Z"},
	{"1002", "Bruno", "Costa", "", "+351910000002", "", "silver", "2024-05-02T10:00:00Z"},
	{"1003", "Carla", "Dias", "carla@example.com", "", "1985-11-30", "", "2024-05-03T10:00:00Z"},
	{"1004", "Duarte", "Reis", "duarte@example.com", "", "", "", "2024-05-04T10:00:00Z"},
	{"1005", "Eva", "Lopes", "eva@example.com", "", "", "bronze", "2024-05-05T10:00:00Z"},
}

type orderRow struct {
	id       int
	customer string
	at       string
	status   string
	cents    int
	store    string
	lines    [][3]any // sku, qty, unit cents
}

var orderRows = []orderRow{
	{1, "1001", "2024-04-01T09:00:00Z", "paid", 12990, "", [][3]any{{"TSHIRT-M", 2, 4995}, {"SOCKS", 1, 3000}}},
	{2, "1001", "2024-04-05T09:00:00Z", "refunded", 1500, "Lisboa Chiado", [][3]any{{"CAP", 1, 1500}}},
	{3, "1001", "2024-04-10T09:00:00Z", "paid", 4250, "", nil},
	{4, "1001", "2024-04-20T09:00:00Z", "paid", 799, "Porto", [][3]any{{"PIN", 1, 799}}},
	{5, "1002", "2024-03-01T12:00:00Z", "fulfilled", 30000, "Porto", [][3]any{{"JACKET", 1, 30000}}},
	{6, "1003", "2024-01-15T08:30:00Z", "paid", 9999, "", [][3]any{{"BAG", 1, 9999}}},
}

type callRow struct {
	id, customer string
	at           int64 // unix seconds
	direction    string
	duration     float64
	agent        string
	outcome      string
}

var callRows = []callRow{
	{"call-1", "1001", 1706781600, "inbound", 125.5, "rita", "resolved"},
	{"call-2", "1001", 1706868000, "outbound", 60, "joao", ""},
	{"call-3", "1001", 1706954400, "inbound", 300, "rita", "escalated"},
	{"call-4", "1003", 1707040800, "inbound", 42, "", "resolved"},
}

func loadData(t testing.TB, db *sql.DB, dialect string) {
	t.Helper()
	var ddl []string
	if dialect == "postgres" {
		ddl = []string{
			`CREATE TABLE customers (id bigint PRIMARY KEY, first_name text, last_name text, email text, phone text,
				birth_date date, tier text, updated_at timestamptz NOT NULL)`,
			`CREATE TABLE orders (id bigint PRIMARY KEY, customer_id bigint NOT NULL, placed_at timestamptz NOT NULL,
				status text, total numeric(12,2) NOT NULL, currency char(3) NOT NULL, store text)`,
			`CREATE TABLE order_lines (order_id bigint NOT NULL, sku text, qty int NOT NULL, unit_cents bigint NOT NULL)`,
			`CREATE TABLE calls (id text PRIMARY KEY, customer_id bigint NOT NULL, started_at timestamptz NOT NULL,
				direction text, duration interval, agent text, outcome text)`,
			`CREATE TABLE outbox (id bigserial PRIMARY KEY, customer_id text NOT NULL, channel text NOT NULL, body text,
				template text, params jsonb, idempotency_key text UNIQUE, queued_at timestamptz NOT NULL DEFAULT now())`,
		}
	} else {
		ddl = []string{
			`CREATE TABLE customers (id TEXT PRIMARY KEY, first_name TEXT, last_name TEXT, email TEXT, phone TEXT,
				birth_date TEXT, tier TEXT, updated_at TEXT NOT NULL)`,
			`CREATE TABLE orders (id INTEGER PRIMARY KEY, customer_id TEXT NOT NULL, placed_at TEXT NOT NULL,
				status TEXT, total_cents INTEGER NOT NULL, currency TEXT NOT NULL, store TEXT)`,
			`CREATE TABLE order_lines (order_id INTEGER NOT NULL, sku TEXT, qty INTEGER NOT NULL, unit_cents INTEGER NOT NULL)`,
			`CREATE TABLE calls (id TEXT PRIMARY KEY, customer_id TEXT NOT NULL, started_unix INTEGER NOT NULL,
				direction TEXT, duration REAL, agent TEXT, outcome TEXT)`,
			`CREATE TABLE outbox (id INTEGER PRIMARY KEY AUTOINCREMENT, customer_id TEXT NOT NULL, channel TEXT NOT NULL, body TEXT,
				template TEXT, params TEXT, idempotency_key TEXT UNIQUE, queued_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP)`,
		}
	}
	for _, q := range ddl {
		mustExec(t, db, q)
	}
	p := placeholders(dialect)
	null := func(s string) any {
		if s == "" {
			return nil
		}
		return s
	}
	for _, c := range customerRows {
		mustExec(t, db, "INSERT INTO customers VALUES ("+p(8)+")",
			c.id, c.first, c.last, null(c.email), null(c.phone), null(c.birth), null(c.tier), c.updated)
	}
	for _, o := range orderRows {
		if dialect == "postgres" {
			mustExec(t, db, "INSERT INTO orders VALUES ("+p(7)+")",
				o.id, o.customer, o.at, o.status, fmt.Sprintf("%d.%02d", o.cents/100, o.cents%100), "EUR", null(o.store))
		} else {
			mustExec(t, db, "INSERT INTO orders VALUES ("+p(7)+")", o.id, o.customer, o.at, o.status, o.cents, "EUR", null(o.store))
		}
		for _, l := range o.lines {
			mustExec(t, db, "INSERT INTO order_lines VALUES ("+p(4)+")", o.id, l[0], l[1], l[2])
		}
	}
	for _, c := range callRows {
		if dialect == "postgres" {
			mustExec(t, db, "INSERT INTO calls VALUES ("+p(7)+")", c.id, c.customer, time.Unix(c.at, 0),
				c.direction, fmt.Sprintf("%g seconds", c.duration), null(c.agent), null(c.outcome))
		} else {
			mustExec(t, db, "INSERT INTO calls VALUES ("+p(7)+")", c.id, c.customer, c.at, c.direction, c.duration, null(c.agent), null(c.outcome))
		}
	}
}

func placeholders(dialect string) func(n int) string {
	return func(n int) string {
		var ps []string
		for i := 1; i <= n; i++ {
			if dialect == "postgres" {
				ps = append(ps, fmt.Sprintf("$%d", i))
			} else {
				ps = append(ps, "?")
			}
		}
		return strings.Join(ps, ", ")
	}
}

func mustExec(t testing.TB, db *sql.DB, q string, args ...any) {
	t.Helper()
	if _, err := db.ExecContext(t.Context(), q, args...); err != nil {
		t.Fatalf("%s: %v", strings.Fields(q)[0:3], err)
	}
}

const sqliteConfig = `
driver: sqlite
dsn: "%s"
max_open_conns: 4
profiles:
  query: |
    SELECT id AS key, first_name AS given_name, last_name AS family_name, email, phone,
           birth_date, tier, updated_at
    FROM customers
    WHERE id IN (SELECT value FROM json_each(:keys))
list_profiles:
  query: |
    SELECT id AS key, email FROM customers
    WHERE id > :cursor ORDER BY id LIMIT :limit
orders:
  query: |
    SELECT customer_key, id, placed_at, status, channel, location, total_minor, currency, items
    FROM (
      SELECT o.customer_id AS customer_key, o.id, o.placed_at, o.status,
             CASE WHEN o.store IS NULL THEN 'online' ELSE 'store' END AS channel,
             o.store AS location, o.total_cents AS total_minor, o.currency,
             (SELECT json_group_array(json_object('sku', l.sku, 'quantity', l.qty, 'unit_minor', l.unit_cents))
                FROM order_lines l WHERE l.order_id = o.id) AS items,
             row_number() OVER (PARTITION BY o.customer_id ORDER BY o.placed_at DESC) AS rn
      FROM orders o
      WHERE o.customer_id IN (SELECT value FROM json_each(:keys))
        AND (:since IS NULL OR o.placed_at >= :since)
        AND (:until IS NULL OR o.placed_at <= :until)
    )
    WHERE rn <= :limit
interactions:
  query: |
    -- calls: times are unix seconds; ':since' in this comment is not a placeholder
    SELECT customer_id AS customer_key, id, started_unix AS occurred_at,
           'phone' AS channel, 'call' AS type, direction,
           duration AS duration_seconds, agent AS attr_agent, outcome AS attr_outcome
    FROM calls
    WHERE customer_id IN (SELECT value FROM json_each(:keys))
      AND (:since IS NULL OR started_unix >= unixepoch(:since))
      AND (:until IS NULL OR started_unix <= unixepoch(:until))
    ORDER BY started_unix DESC
lookup:
  query: |
    SELECT id AS key, email, phone FROM customers
    WHERE email IN (SELECT value FROM json_each(:emails))
       OR phone IN (SELECT value FROM json_each(:phones))
erase:
  statements:
    - |
      DELETE FROM order_lines WHERE order_id IN
        (SELECT id FROM orders WHERE customer_id IN (SELECT value FROM json_each(:keys)))
    - DELETE FROM orders WHERE customer_id IN (SELECT value FROM json_each(:keys))
    - DELETE FROM calls WHERE customer_id IN (SELECT value FROM json_each(:keys))
    - DELETE FROM customers WHERE id IN (SELECT value FROM json_each(:keys)) RETURNING id AS key
export:
  queries:
    customer: |
      SELECT id AS key, first_name, last_name, email, phone, birth_date, tier
      FROM customers WHERE id IN (SELECT value FROM json_each(:keys))
    orders: |
      SELECT o.customer_id AS key, o.id, o.placed_at, o.status, o.total_cents, o.currency,
             (SELECT json_group_array(json_object('sku', l.sku, 'qty', l.qty)) FROM order_lines l WHERE l.order_id = o.id) AS lines
      FROM orders o WHERE o.customer_id IN (SELECT value FROM json_each(:keys)) ORDER BY o.id
send:
  channels: [email, sms]
  statement: |
    INSERT INTO outbox (customer_id, channel, body, template, params, idempotency_key)
    VALUES (:customer_key, :channel, :body, :template, :params, :idempotency_key)
    ON CONFLICT (idempotency_key) DO UPDATE SET idempotency_key = excluded.idempotency_key
    RETURNING CAST(id AS TEXT) AS message_id, 'queued' AS status
`

// sqliteUpstream is a temporary SQLite file with the data set, and the
// admin connection that breaks and blocks it.
type sqliteUpstream struct {
	path  string
	admin *sql.DB
}

func newSQLite(t testing.TB) *sqliteUpstream {
	path := filepath.Join(t.TempDir(), "retail.db")
	// The admin connection waits for locks too: the send suite reads back
	// what concurrent senders wrote, and without a wait a read that meets
	// a writer's lock fails at once (SQLITE_BUSY).
	admin, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = admin.Close() })
	loadData(t, admin, "sqlite")
	return &sqliteUpstream{path: path, admin: admin}
}

// dsn waits up to 30s for locks, so that Block makes calls hang (until
// their context ends).
func (u *sqliteUpstream) dsn() string { return "file:" + u.path + "?_pragma=busy_timeout(30000)" }

var sqliteTables = []string{"customers", "orders", "calls", "outbox"}

func (u *sqliteUpstream) Break() {
	for _, tb := range sqliteTables {
		if _, err := u.admin.ExecContext(context.Background(), "ALTER TABLE "+tb+" RENAME TO "+tb+"_broken"); err != nil {
			panic(err)
		}
	}
}

func (u *sqliteUpstream) Heal() {
	for _, tb := range sqliteTables {
		if _, err := u.admin.ExecContext(context.Background(), "ALTER TABLE "+tb+"_broken RENAME TO "+tb); err != nil {
			panic(err)
		}
	}
}

// Block holds an exclusive lock on the database file.
func (u *sqliteUpstream) Block() func() {
	conn, err := u.admin.Conn(context.Background())
	if err != nil {
		panic(err)
	}
	if _, err := conn.ExecContext(context.Background(), "BEGIN EXCLUSIVE"); err != nil {
		panic(err)
	}
	var once sync.Once
	return func() {
		once.Do(func() {
			_, _ = conn.ExecContext(context.Background(), "COMMIT")
			_ = conn.Close()
		})
	}
}

func TestConformanceSQLite(t *testing.T) {
	connectortest.Run(t, func(t *testing.T) *connectortest.Harness {
		u := newSQLite(t)
		return &connectortest.Harness{
			Connector:   connectortest.Build(t, "sql", fmt.Sprintf(sqliteConfig, u.dsn()), connectors.Env{Name: "pos"}),
			Known:       []string{"1001", "1002", "1003"},
			Missing:     "9999",
			Break:       u.Break,
			Heal:        u.Heal,
			Block:       u.Block,
			Identifiers: identifiers,
			SentTo:      sentTo(t, u.admin, "SELECT customer_id FROM outbox WHERE id = ?"),
		}
	})
}

const postgresConfig = `
driver: postgres
dsn: "%s"
max_open_conns: 4
conn_max_lifetime: 5m
profiles:
  query: |
    SELECT id::text AS key, first_name AS given_name, last_name AS family_name, email, phone,
           birth_date, tier, updated_at
    FROM customers
    WHERE id::text = ANY(:keys) AND tier IS DISTINCT FROM 'erased'
list_profiles:
  query: |
    SELECT id::text AS key, email FROM customers
    WHERE id::text > :cursor ORDER BY id::text LIMIT :limit
orders:
  query: |
    SELECT customer_key, id, placed_at, status, channel, location, total_minor, currency, items
    FROM (
      SELECT o.customer_id::text AS customer_key, o.id::text AS id, o.placed_at, o.status,
             CASE WHEN o.store IS NULL THEN 'online' ELSE 'store' END AS channel,
             o.store AS location, (o.total * 100)::bigint AS total_minor, o.currency,
             (SELECT jsonb_agg(jsonb_build_object('sku', l.sku, 'quantity', l.qty, 'unit_minor', l.unit_cents))
                FROM order_lines l WHERE l.order_id = o.id) AS items,
             row_number() OVER (PARTITION BY o.customer_id ORDER BY o.placed_at DESC) AS rn
      FROM orders o
      WHERE o.customer_id::text = ANY(:keys)
        AND (:since::timestamptz IS NULL OR o.placed_at >= :since)
        AND (:until::timestamptz IS NULL OR o.placed_at <= :until)
    ) t
    WHERE rn <= :limit
interactions:
  query: |
    SELECT customer_id::text AS customer_key, id, started_at AS occurred_at,
           'phone' AS channel, 'call' AS type, direction,
           extract(epoch FROM duration) AS duration_seconds,
           agent AS attr_agent, outcome AS attr_outcome, 'it''s :not_a_placeholder' AS attr_note
    FROM calls
    WHERE customer_id::text = ANY(:keys)
      AND started_at >= coalesce(:since::timestamptz, '-infinity')
      AND started_at <= coalesce(:until::timestamptz, 'infinity')
    ORDER BY started_at DESC
lookup:
  query: |
    SELECT id::text AS key, email, phone FROM customers
    WHERE email = ANY(:emails) OR phone = ANY(:phones)
erase:
  statements:
    - DELETE FROM order_lines WHERE order_id IN (SELECT id FROM orders WHERE customer_id::text = ANY(:keys))
    - DELETE FROM orders WHERE customer_id::text = ANY(:keys)
    - DELETE FROM calls WHERE customer_id::text = ANY(:keys)
    - |
      UPDATE customers SET first_name = NULL, last_name = NULL, email = NULL, phone = NULL, birth_date = NULL, tier = 'erased'
      WHERE id::text = ANY(:keys) AND tier IS DISTINCT FROM 'erased'
      RETURNING id::text AS key
export:
  queries:
    customer: |
      SELECT id::text AS key, first_name, last_name, email, phone, birth_date, tier
      FROM customers WHERE id::text = ANY(:keys) AND tier IS DISTINCT FROM 'erased'
    orders: |
      SELECT o.customer_id::text AS key, o.id, o.placed_at, o.status, o.total, o.currency,
             (SELECT jsonb_agg(jsonb_build_object('sku', l.sku, 'qty', l.qty)) FROM order_lines l WHERE l.order_id = o.id) AS lines
      FROM orders o WHERE o.customer_id::text = ANY(:keys) ORDER BY o.id
send:
  channels: [whatsapp, sms]
  statement: |
    INSERT INTO outbox (customer_id, channel, body, template, params, idempotency_key)
    VALUES (:customer_key, :channel, :body, :template, :params::jsonb, :idempotency_key)
    ON CONFLICT (idempotency_key) DO UPDATE SET idempotency_key = excluded.idempotency_key
    RETURNING id::text AS message_id
`

// postgresUpstream is a temporary schema in the local PostgreSQL, reached
// through a proxy that breaks and blocks it.
type postgresUpstream struct {
	schema         string
	proxy          *connectortest.Proxy
	admin          *sql.DB
	user, database string
}

func newPostgres(t testing.TB) *postgresUpstream {
	dsn := testenv.Postgres(t)
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		t.Fatalf("%s: %v", testenv.PostgresDSNVar, err)
	}
	admin, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	schema := fmt.Sprintf("harmony_connectortest_%d_%d", os.Getpid(), rand.IntN(1e9))
	mustExec(t, admin, "CREATE SCHEMA "+schema)
	t.Cleanup(func() {
		// t.Context() has ended by the time cleanups run.
		_, _ = admin.ExecContext(context.WithoutCancel(t.Context()), "DROP SCHEMA "+schema+" CASCADE")
		_ = admin.Close()
	})
	mustExec(t, admin, "SET search_path TO "+schema)
	admin.SetMaxOpenConns(1) // keep the search_path on the one connection
	loadData(t, admin, "postgres")
	addr := net.JoinHostPort(cfg.Host, strconv.Itoa(int(cfg.Port)))
	return &postgresUpstream{schema: schema, proxy: connectortest.NewProxy(t, addr), admin: admin, user: cfg.User, database: cfg.Database}
}

// dsn reaches the schema through the proxy. The server trusts the test
// login, so password only serves to check that it never leaks.
func (u *postgresUpstream) dsn(password string) string {
	return "postgres://" + u.user + ":" + password + "@" + u.proxy.Addr + "/" + u.database + "?sslmode=disable&search_path=" + u.schema
}

func TestConformancePostgres(t *testing.T) {
	connectortest.Run(t, func(t *testing.T) *connectortest.Harness {
		u := newPostgres(t)
		// The server trusts local logins: the password only checks that it
		// never leaks.
		const password = "pg-pa55word-never-printed"
		return &connectortest.Harness{
			Connector:   connectortest.Build(t, "sql", fmt.Sprintf(postgresConfig, u.dsn(password)), connectors.Env{Name: "erp"}),
			Known:       []string{"1001", "1002", "1003"},
			Missing:     "9999",
			Break:       u.proxy.Break,
			Heal:        u.proxy.Heal,
			Block:       u.proxy.Block,
			Secrets:     []string{password},
			Identifiers: identifiers,
			SentTo:      sentTo(t, u.admin, "SELECT customer_id FROM outbox WHERE id::text = $1"),
		}
	})
}

// identifiers are identifiers of the Known customers the lookup searches.
var identifiers = map[string]connectors.Identifier{
	"1001": {Kind: connectors.IdentifierEmail, Value: "ana@example.com"},
	"1002": {Kind: connectors.IdentifierPhone, Value: "+351910000002"},
	"1003": {Kind: connectors.IdentifierEmail, Value: "carla@example.com"},
}

// sentTo reads the recipient of an outbox row. A row that is not there is
// a message the upstream did not record; a read that fails is reported as
// what it is, never as a message that went astray.
func sentTo(t testing.TB, db *sql.DB, query string) func(id string) (string, bool) {
	return func(id string) (string, bool) {
		var to string
		err := db.QueryRowContext(context.Background(), query, id).Scan(&to)
		if err != nil {
			if !errors.Is(err, sql.ErrNoRows) {
				t.Errorf("read back message %s from the outbox: %v", id, err)
			}
			return "", false
		}
		return to, true
	}
}

// TestSentToWaitsForWriters: the send checks read each outbox row back
// while other senders write. A read that meets a writer's lock waits for
// it: when the admin connection had no busy timeout, such a read failed at
// once (SQLITE_BUSY) and the kit took a correctly sent message for one the
// upstream never sent to its recipient (TestConformanceSQLite/send/concurrent
// failed 2 runs in 10 under -race; the connector was right every time).
func TestSentToWaitsForWriters(t *testing.T) {
	u := newSQLite(t)
	c := connectortest.Build(t, "sql", fmt.Sprintf(sqliteConfig, u.dsn()), connectors.Env{})
	out, err := c.(connectors.MessageSender).SendMessages(t.Context(), []connectors.OutboundMessage{
		{CustomerKey: "1002", Channel: connectors.ChannelEmail, Body: "hello", IdempotencyKey: "wait-1"}})
	if err != nil || len(out) != 1 || out[0].Err != nil {
		t.Fatalf("send: %+v, %v", out, err)
	}
	release := u.Block() // a writer holds the database for a while
	defer release()
	time.AfterFunc(100*time.Millisecond, release)
	if to, ok := sentTo(t, u.admin, "SELECT customer_id FROM outbox WHERE id = ?")(out[0].MessageID); !ok || to != "1002" {
		t.Errorf("read back message %s: recipient %q, found %v; want 1002", out[0].MessageID, to, ok)
	}
}
