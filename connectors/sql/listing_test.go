package sql_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/harmonyhq/harmony/connectors"
	"github.com/harmonyhq/harmony/connectors/connectortest"
	connsql "github.com/harmonyhq/harmony/connectors/sql"
)

// loadPeople adds a people table of n rows, p001, p002, ...
func loadPeople(t *testing.T, db *sql.DB, dialect string, n int) []string {
	t.Helper()
	mustExec(t, db, "CREATE TABLE people (id TEXT PRIMARY KEY, email TEXT)")
	p := placeholders(dialect)
	var keys []string
	for i := 1; i <= n; i++ {
		k := fmt.Sprintf("p%03d", i)
		mustExec(t, db, "INSERT INTO people VALUES ("+p(2)+")", k, k+"@example.com")
		keys = append(keys, k)
	}
	return keys
}

// A list_profiles query that serves at most 50 rows a page, whatever
// :limit asks (a LIMIT of its own, as a view or a shared query may have),
// is listed to the end: only an empty page ends the listing.
func TestListingReadsCappedPages(t *testing.T) {
	for _, dialect := range []string{"sqlite", "postgres"} {
		t.Run(dialect, func(t *testing.T) {
			var db *sql.DB
			var cfg string
			capped := "min(:limit, 50)"
			if dialect == "postgres" {
				u := newPostgres(t)
				db, cfg = u.admin, "driver: postgres\ndsn: \""+u.dsn("x")+"\"\n"
				capped = "least(:limit, 50)"
			} else {
				u := newSQLite(t)
				db, cfg = u.admin, "driver: sqlite\ndsn: \""+u.dsn()+"\"\n"
			}
			keys := loadPeople(t, db, dialect, 230)
			cfg += "list_profiles:\n  page_size: 100\n  query: SELECT id AS key, email FROM people WHERE id > :cursor ORDER BY id LIMIT " + capped + "\n"
			c := connectortest.Build(t, "sql", cfg, connectors.Env{}).(*connsql.Connector)
			if got := c.ListPageSize(); got != 100 {
				t.Fatalf("ListPageSize = %d, want the configured 100", got)
			}
			var got []string
			cursor, pages := "", 0
			for range 100 {
				page, err := c.ListProfiles(context.Background(), cursor, c.ListPageSize())
				if err != nil {
					t.Fatal(err)
				}
				pages++
				for _, p := range page.Profiles {
					got = append(got, p.Key)
				}
				if page.Next == "" {
					break
				}
				cursor = page.Next
			}
			if !slices.Equal(got, keys) {
				t.Fatalf("listed %d rows, want all %d in order", len(got), len(keys))
			}
			if pages != 6 {
				t.Errorf("%d pages, want 5 and the empty one that ends the listing", pages)
			}
		})
	}
}

func TestListPageSizeConfig(t *testing.T) {
	const head = "driver: sqlite\ndsn: x\nlist_profiles:\n  query: SELECT id AS key FROM p WHERE id > :cursor ORDER BY id LIMIT :limit\n"
	c := connectortest.Build(t, "sql", head, connectors.Env{}).(*connsql.Connector)
	if got := c.ListPageSize(); got != connectors.DefaultListPageSize {
		t.Errorf("ListPageSize = %d, want the default %d", got, connectors.DefaultListPageSize)
	}
	for _, size := range []string{"-1", "1001"} {
		_, err := connectortest.TryBuild("sql", head+"  page_size: "+size+"\n", connectors.Env{})
		var ce *connectors.ConfigError
		if !errors.As(err, &ce) || ce.Key != "list_profiles.page_size" || ce.Line != 5 || !strings.Contains(ce.Reason, "between 1 and 1000") {
			t.Errorf("page_size %s: err = %v, want list_profiles.page_size at line 5: between 1 and 1000", size, err)
		}
	}
}
