package sql_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"testing"

	"github.com/harmonyhq/harmony/connectors"
	"github.com/harmonyhq/harmony/connectors/connectortest"
)

// dialects builds the test connector against each database, with the
// admin connection to check what it wrote.
func dialects(t *testing.T, fn func(t *testing.T, c connectors.Connector, admin *sql.DB, dialect string)) {
	for _, db := range []string{"sqlite", "postgres"} {
		t.Run(db, func(t *testing.T) {
			if db == "sqlite" {
				u := newSQLite(t)
				fn(t, connectortest.Build(t, "sql", fmt.Sprintf(sqliteConfig, u.dsn()), connectors.Env{}), u.admin, db)
				return
			}
			u := newPostgres(t)
			fn(t, connectortest.Build(t, "sql", fmt.Sprintf(postgresConfig, u.dsn("x")), connectors.Env{}), u.admin, db)
		})
	}
}

func count(t *testing.T, db *sql.DB, query string) int {
	t.Helper()
	var n int
	if err := db.QueryRowContext(t.Context(), query).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// Erase runs every statement in one transaction; Found comes from the keys
// the statements return, so a key erased before is not found again.
func TestErase(t *testing.T) {
	dialects(t, func(t *testing.T, c connectors.Connector, admin *sql.DB, _ string) {
		er := c.(connectors.Eraser)
		got, err := er.Erase(t.Context(), []string{"1001", "9999", "1001", "1003"})
		if err != nil {
			t.Fatal(err)
		}
		if want := []connectors.EraseResult{{Found: true}, {Found: false}, {Found: true}, {Found: true}}; !slices.Equal(got, want) {
			t.Errorf("erase = %v, want %v", got, want)
		}
		if n := count(t, admin, "SELECT count(*) FROM orders WHERE customer_id IN ('1001', '1003')"); n != 0 {
			t.Errorf("%d orders of the erased customers left", n)
		}
		if n := count(t, admin, "SELECT count(*) FROM orders WHERE customer_id = '1002'"); n != 1 {
			t.Errorf("the orders of a customer not asked: %d, want 1", n)
		}
		again, err := er.Erase(t.Context(), []string{"1001"})
		if err != nil || again[0].Found {
			t.Errorf("erasing again = %v, %v; want not found", again, err)
		}
	})
}

// A failing statement rolls back the ones before it.
func TestEraseAtomic(t *testing.T) {
	u := newSQLite(t)
	cfg := fmt.Sprintf(sqliteConfig, u.dsn()) // the erase block's last statement deletes from customers
	c := connectortest.Build(t, "sql", cfg, connectors.Env{})
	if _, err := u.admin.ExecContext(t.Context(), "ALTER TABLE customers RENAME TO customers_gone"); err != nil {
		t.Fatal(err)
	}
	_, err := c.(connectors.Eraser).Erase(t.Context(), []string{"1001"})
	if connectors.CodeOf(err) != connectors.CodeRejected {
		t.Fatalf("err = %v, want %s", err, connectors.CodeRejected)
	}
	if n := count(t, u.admin, "SELECT count(*) FROM orders WHERE customer_id = '1001'"); n != 4 {
		t.Errorf("%d orders left, want the 4 the failed erasure rolled back", n)
	}
}

func TestExport(t *testing.T) {
	dialects(t, func(t *testing.T, c connectors.Connector, _ *sql.DB, dialect string) {
		got, err := c.(connectors.Exporter).Export(t.Context(), []string{"1002", "9999"})
		if err != nil {
			t.Fatal(err)
		}
		if got[1] != nil {
			t.Errorf("missing key exported %s", got[1])
		}
		var doc struct {
			Customer []map[string]any `json:"customer"`
			Orders   []struct {
				ID    json.Number `json:"id"`
				Lines []struct {
					SKU string `json:"sku"`
					Qty int    `json:"qty"`
				} `json:"lines"`
			} `json:"orders"`
		}
		if err := json.Unmarshal(got[0], &doc); err != nil {
			t.Fatalf("document %s: %v", got[0], err)
		}
		if len(doc.Customer) != 1 || doc.Customer[0]["first_name"] != "Bruno" || doc.Customer[0]["email"] != nil {
			t.Errorf("customer section = %v", doc.Customer)
		}
		if len(doc.Orders) != 1 || doc.Orders[0].ID != "5" || len(doc.Orders[0].Lines) != 1 ||
			doc.Orders[0].Lines[0].SKU != "JACKET" || doc.Orders[0].Lines[0].Qty != 1 {
			t.Errorf("%s: orders section = %+v (json columns must stay JSON)", dialect, doc.Orders)
		}
	})
}

// Messages go to the outbox in one transaction; a repeated idempotency key
// returns the row already queued; a channel not configured is refused
// without touching the others.
func TestSend(t *testing.T) {
	dialects(t, func(t *testing.T, c connectors.Connector, admin *sql.DB, _ string) {
		s := c.(connectors.MessageSender)
		ch := c.(connectors.ChannelSender).SendChannels()[1] // sms for both
		msgs := []connectors.OutboundMessage{
			{CustomerKey: "1001", Channel: ch, Template: "welcome", Params: map[string]string{"name": "Ana"}, IdempotencyKey: "m-1"},
			{CustomerKey: "1002", Channel: connectors.ChannelChat, Body: "never sent", IdempotencyKey: "m-2"},
			{CustomerKey: "1003", Channel: ch, Body: "Hello", IdempotencyKey: "m-3"},
		}
		got, err := s.SendMessages(t.Context(), msgs)
		if err != nil {
			t.Fatal(err)
		}
		if got[0].MessageID == "" || got[0].Status == "" || got[2].MessageID == "" || got[0].MessageID == got[2].MessageID {
			t.Errorf("results = %+v", got)
		}
		if got[1].Err == nil || got[1].Err.Code != connectors.CodeRejected || got[1].MessageID != "" {
			t.Errorf("chat message = %+v, want refused", got[1])
		}
		if n := count(t, admin, "SELECT count(*) FROM outbox WHERE template = 'welcome' AND body IS NULL AND params IS NOT NULL AND customer_id = '1001'"); n != 1 {
			t.Errorf("outbox rows of the template message: %d, want 1", n)
		}
		if n := count(t, admin, "SELECT count(*) FROM outbox"); n != 2 {
			t.Errorf("outbox rows: %d, want 2", n)
		}
		again, err := s.SendMessages(context.Background(), msgs[:1])
		if err != nil || again[0].MessageID != got[0].MessageID {
			t.Errorf("retry = %+v, %v; want message %s again", again, err, got[0].MessageID)
		}
		if n := count(t, admin, "SELECT count(*) FROM outbox"); n != 2 {
			t.Errorf("outbox rows after a retry: %d, want 2", n)
		}
	})
}

func TestLookup(t *testing.T) {
	dialects(t, func(t *testing.T, c connectors.Connector, _ *sql.DB, _ string) {
		got, err := c.(connectors.ProfileFinder).FindProfiles(t.Context(), []connectors.Identifier{
			{Kind: connectors.IdentifierEmail, Value: "ana@example.com"},
			{Kind: connectors.IdentifierPhone, Value: "+351910000001"}, // Ana again
			{Kind: connectors.IdentifierPhone, Value: "+351910000002"},
			{Kind: connectors.IdentifierLoyaltyCard, Value: "1003"}, // a kind the query does not search
		})
		if err != nil {
			t.Fatal(err)
		}
		var keys []string
		for _, p := range got {
			keys = append(keys, p.Key+"="+p.Get(connectors.FieldPhone))
		}
		slices.Sort(keys)
		if want := []string{"1001=+351910000001", "1002=+351910000002"}; !slices.Equal(keys, want) {
			t.Errorf("found %v, want %v", keys, want)
		}
	})
}
