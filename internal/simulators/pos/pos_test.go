package pos_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver

	"github.com/harmonyhq/harmony/internal/simulators/population"
	"github.com/harmonyhq/harmony/internal/simulators/pos"
	"github.com/harmonyhq/harmony/internal/testenv"
)

// adminDSN is the PostgreSQL the tests use (internal/testenv); tests that
// need it skip when there is none.
func adminDSN(t *testing.T) string { return testenv.Postgres(t) }

func newSQLite(t *testing.T, pop *population.Population) *pos.DB {
	t.Helper()
	db, err := pos.NewSQLite(t.Context(), filepath.Join(t.TempDir(), "pos.db"), pop)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(db.Stop)
	return db
}

func newPostgres(t *testing.T, pop *population.Population) *pos.DB {
	t.Helper()
	db, err := pos.NewPostgres(t.Context(), adminDSN(t), pop)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(db.Stop)
	return db
}

func open(t *testing.T, driver, dsn string) *sql.DB {
	t.Helper()
	db, err := sql.Open(driver, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	return db
}

// dump reads both tables in id order, times as RFC 3339 strings.
func dump(t *testing.T, db *sql.DB) [][]any {
	t.Helper()
	var out [][]any
	for _, q := range []string{
		`SELECT id, loyalty_card, first_name, last_name, phone, email, home_store, updated_at FROM customers ORDER BY id`,
		`SELECT id, customer_id, store, sold_at, total_cents, currency, status, items FROM sales ORDER BY id`,
	} {
		rows, err := db.QueryContext(t.Context(), q)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var a, b, c, d, g, h sql.NullString
			var e, f any
			if err := rows.Scan(&a, &b, &c, &d, &e, &f, &g, &h); err != nil {
				t.Fatal(err)
			}
			out = append(out, []any{a, b, c, d, norm(e), norm(f), g, h})
		}
		if err := rows.Close(); err != nil {
			t.Fatal(err)
		}
	}
	return out
}

// norm makes driver values comparable across backends.
func norm(v any) any {
	switch x := v.(type) {
	case time.Time:
		return x.UTC().Format(time.RFC3339)
	case []byte:
		return string(x)
	case int64, int32, int:
		return fmt.Sprint(x)
	}
	return v
}

func TestSQLite(t *testing.T) {
	pop := population.Generate(42, 120)
	path := filepath.Join(t.TempDir(), "pos.db")
	if err := os.WriteFile(path, []byte("not a database"), 0o600); err != nil {
		t.Fatal(err)
	}
	d, err := pos.NewSQLite(t.Context(), path, pop)
	if err != nil {
		t.Fatalf("NewSQLite over an existing file: %v", err)
	}
	if !strings.HasPrefix(d.DSN(), "file:") || d.Backend() != pos.BackendSQLite || d.URL() != d.DSN() {
		t.Errorf("DSN %q, backend %q", d.DSN(), d.Backend())
	}
	db := open(t, "sqlite", d.DSN())

	members := pop.Members(population.POS)
	var customers, sales int
	if err := db.QueryRowContext(t.Context(), `SELECT count(*) FROM customers`).Scan(&customers); err != nil {
		t.Fatal(err)
	}
	if err := db.QueryRowContext(t.Context(), `SELECT count(*) FROM sales`).Scan(&sales); err != nil {
		t.Fatal(err)
	}
	wantSales := 0
	for _, p := range members {
		wantSales += len(p.Sales)
	}
	if customers != len(members) || sales != wantSales {
		t.Errorf("%d customers, %d sales; want %d, %d", customers, sales, len(members), wantSales)
	}

	var busy *population.Person
	for _, p := range members {
		if len(p.Sales) >= 4 {
			busy = p
			break
		}
	}
	if busy == nil {
		t.Fatal("nobody with 4 sales")
	}
	key := busy.Key(population.POS)
	var card, soldAt, items string
	if err := db.QueryRowContext(t.Context(), `SELECT loyalty_card FROM customers WHERE id = ?`, key).Scan(&card); err != nil || card != busy.LoyaltyCard {
		t.Errorf("loyalty card %q (%v), want %q", card, err, busy.LoyaltyCard)
	}
	// Times compare as strings: a window is a plain string comparison.
	since := busy.Sales[3].SoldAt.UTC().Format(time.RFC3339)
	rows, err := db.QueryContext(t.Context(),
		`SELECT id, sold_at, items FROM sales WHERE customer_id = ? AND sold_at >= ? ORDER BY sold_at DESC, id DESC LIMIT 3`, key, since)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = rows.Close() }()
	var got []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id, &soldAt, &items); err != nil {
			t.Fatal(err)
		}
		got = append(got, id)
		var parsed []map[string]any
		if err := json.Unmarshal([]byte(items), &parsed); err != nil || len(parsed) == 0 || parsed[0]["sku"] == nil || parsed[0]["unit_cents"] == nil {
			t.Errorf("items %q not a JSON array of lines", items)
		}
	}
	want := []string{busy.Sales[0].ID, busy.Sales[1].ID, busy.Sales[2].ID}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("newest sales = %v, want %v", got, want)
	}
	if _, err := time.Parse(time.RFC3339, soldAt); err != nil || !strings.HasSuffix(soldAt, "Z") {
		t.Errorf("sold_at %q is not RFC 3339 UTC", soldAt)
	}
	var idx int
	if err := db.QueryRowContext(t.Context(), `SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name = 'sales_customer_sold_at'`).Scan(&idx); err != nil || idx != 1 {
		t.Errorf("index sales_customer_sold_at missing (%v)", err)
	}

	// Counting and injection are not supported for SQLite: no-ops.
	d.SetLatency(time.Second)
	d.SetDown(true)
	if err := db.PingContext(t.Context()); err != nil {
		t.Errorf("SetDown affected SQLite: %v", err)
	}
	if d.Total() != 0 || d.Count(pos.RouteQuery) != 0 || len(d.Counts()) != 0 {
		t.Errorf("SQLite counts are not zero")
	}
}

func TestBackendsAgree(t *testing.T) {
	pop := population.Generate(42, 150)
	lite := dump(t, open(t, "sqlite", newSQLite(t, pop).DSN()))
	pg := dump(t, open(t, "pgx", newPostgres(t, pop).DSN()))
	if len(lite) == 0 || len(lite) != len(pg) {
		t.Fatalf("%d SQLite rows, %d PostgreSQL rows", len(lite), len(pg))
	}
	for i := range lite {
		if !reflect.DeepEqual(lite[i], pg[i]) {
			t.Fatalf("row %d differs:\nsqlite   %v\npostgres %v", i, lite[i], pg[i])
		}
	}
}

func TestProxyCounts(t *testing.T) {
	pop := population.Generate(42, 60)
	d := newPostgres(t, pop)
	if !strings.Contains(d.DSN(), "search_path="+d.Schema()) || !strings.Contains(d.DSN(), "sslmode=disable") {
		t.Errorf("DSN %q lacks search_path or sslmode", d.DSN())
	}
	ctx := t.Context()
	conn, err := pgx.Connect(ctx, d.DSN())
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = conn.Close(ctx) }()
	key := pop.Members(population.POS)[0].Key(population.POS)

	tests := []struct {
		name string
		run  func() error
		want int64
	}{
		{"extended query", func() error {
			var n int
			return conn.QueryRow(ctx, `SELECT count(*) FROM sales WHERE customer_id = $1`, key).Scan(&n)
		}, 1},
		{"same query again (prepared)", func() error {
			var n int
			return conn.QueryRow(ctx, `SELECT count(*) FROM sales WHERE customer_id = $1`, key).Scan(&n)
		}, 1},
		{"simple protocol", func() error {
			_, err := conn.Exec(ctx, `SELECT 1`, pgx.QueryExecModeSimpleProtocol)
			return err
		}, 1},
		{"batch of three", func() error {
			b := &pgx.Batch{}
			for range 3 {
				b.Queue(`SELECT id FROM customers WHERE id = ANY($1)`, []string{key})
			}
			return conn.SendBatch(ctx, b).Close()
		}, 3},
		{"ping is not a statement", func() error { return conn.Ping(ctx) }, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d.Reset()
			if err := tc.run(); err != nil {
				t.Fatal(err)
			}
			if got := d.Count(pos.RouteQuery); got != tc.want {
				t.Errorf("count = %d, want %d", got, tc.want)
			}
			if d.Total() != tc.want {
				t.Errorf("total = %d, want %d", d.Total(), tc.want)
			}
		})
	}

	t.Run("latency", func(t *testing.T) {
		const lat = 80 * time.Millisecond
		d.SetLatency(lat)
		defer d.SetLatency(0)
		start := time.Now()
		if _, err := conn.Exec(ctx, `SELECT 1`); err != nil {
			t.Fatal(err)
		}
		if got := time.Since(start); got < lat {
			t.Errorf("statement took %v, want at least %v", got, lat)
		}
	})

	t.Run("down", func(t *testing.T) {
		d.SetDown(true)
		if _, err := conn.Exec(ctx, `SELECT 1`); err == nil {
			t.Errorf("statement on an open connection succeeded while down")
		}
		cctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		if c, err := pgx.Connect(cctx, d.DSN()); err == nil {
			_ = c.Close(cctx)
			t.Errorf("new connection succeeded while down")
		}
		d.SetDown(false)
		c, err := pgx.Connect(cctx, d.DSN())
		if err != nil {
			t.Fatalf("connect after down: %v", err)
		}
		defer func() { _ = c.Close(cctx) }()
		var n int
		if err := c.QueryRow(cctx, `SELECT count(*) FROM customers`).Scan(&n); err != nil || n != len(pop.Members(population.POS)) {
			t.Errorf("count after down = %d (%v)", n, err)
		}
	})
}

func TestCloseDropsSchema(t *testing.T) {
	dsn := adminDSN(t)
	d, err := pos.NewPostgres(t.Context(), dsn, population.Generate(1, 30))
	if err != nil {
		t.Fatal(err)
	}
	admin, err := pgx.Connect(t.Context(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = admin.Close(t.Context()) }()
	exists := func() bool {
		var n int
		if err := admin.QueryRow(t.Context(), `SELECT count(*) FROM information_schema.schemata WHERE schema_name = $1`, d.Schema()).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n == 1
	}
	if !strings.HasPrefix(d.Schema(), "pos_") || !exists() {
		t.Fatalf("schema %q not created", d.Schema())
	}
	client, err := pgx.Connect(t.Context(), d.DSN())
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = client.Close(context.WithoutCancel(t.Context())) }()
	if err := d.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := d.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	if exists() {
		t.Errorf("schema %s still exists after Close", d.Schema())
	}
	ctx, cancel := context.WithTimeout(t.Context(), 3*time.Second)
	defer cancel()
	if c, err := pgx.Connect(ctx, d.DSN()); err == nil {
		_ = c.Close(ctx)
		t.Errorf("proxy still accepts connections after Close")
	}
}
