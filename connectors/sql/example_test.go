package sql_test

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"

	"github.com/harmonyhq/harmony/connectors"
	"github.com/harmonyhq/harmony/connectors/connectortest"
)

// A sql instance over an SQLite file: columns named by the conventions
// (customer_key, id, placed_at, total_minor, ...) become orders.
func Example() {
	dir, _ := os.MkdirTemp("", "harmony-example")
	defer func() { _ = os.RemoveAll(dir) }()
	path := filepath.Join(dir, "pos.db")
	db, _ := sql.Open("sqlite", path)
	_, err := db.ExecContext(context.Background(), `
		CREATE TABLE sales (ticket TEXT, member TEXT, sold_at TEXT, cents INTEGER, shop TEXT);
		INSERT INTO sales VALUES
			('T-1', 'M-7', '2024-04-01T09:00:00Z', 1250, 'Lisboa'),
			('T-2', 'M-7', '2024-04-03T18:30:00Z', 4999, 'Porto'),
			('T-3', 'M-8', '2024-04-02T12:00:00Z', 800, 'Porto');`)
	_ = db.Close()
	if err != nil {
		fmt.Println(err)
		return
	}

	conn, err := connectortest.TryBuild("sql", `
driver: sqlite
dsn: `+path+`
orders:
  query: |
    SELECT member AS customer_key, ticket AS id, sold_at AS placed_at,
           'store' AS channel, shop AS location, cents AS total_minor, 'EUR' AS currency
    FROM sales
    WHERE member IN (SELECT value FROM json_each(:keys))
      AND (:since IS NULL OR sold_at >= :since)
    ORDER BY sold_at DESC
`, connectors.Env{})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer func() { _ = conn.Close() }()
	out, err := conn.(connectors.OrderSource).Orders(context.Background(), []string{"M-7", "M-9"}, connectors.Window{Limit: 10})
	if err != nil {
		fmt.Println(err)
		return
	}
	for i, key := range []string{"M-7", "M-9"} {
		fmt.Println(key, len(out[i]))
		for _, o := range out[i] {
			fmt.Println(" ", o.ID, o.PlacedAt.Format("2006-01-02"), o.Location, o.Total.Decimal())
		}
	}
	// Output:
	// M-7 2
	//   T-2 2024-04-03 Porto 49.99
	//   T-1 2024-04-01 Lisboa 12.50
	// M-9 0
}
