package mongodb_test

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/harmonyhq/harmony/connectors"
	"github.com/harmonyhq/harmony/connectors/connectortest"
	"github.com/harmonyhq/harmony/connectors/mongodb"
)

// people loads n documents into a collection of a fresh database on the
// package's FerretDB, keyed by an ObjectId (_id), a number (n) and a
// string (code), and returns the database's name.
func people(t *testing.T, n int) string {
	t.Helper()
	addr := upstreamAddr(t)
	db := fmt.Sprintf("people_%d", time.Now().UnixNano())
	client, err := mongo.Connect(options.Client().ApplyURI("mongodb://" + addr + "/"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = client.Database(db).Drop(context.Background())
		_ = client.Disconnect(context.Background())
	})
	var docs []any
	for i := 1; i <= n; i++ {
		docs = append(docs, bson.D{
			{Key: "_id", Value: bson.NewObjectIDFromTimestamp(t0.Add(time.Duration(i) * time.Minute))},
			{Key: "n", Value: int32(i)},
			{Key: "code", Value: fmt.Sprintf("c%03d", i)},
		})
	}
	if _, err := client.Database(db).Collection("people").InsertMany(t.Context(), docs); err != nil {
		t.Fatal(err)
	}
	return db
}

// Pages are read after the last key in its own BSON type: a key field of
// ObjectIds or numbers is listed to the end, not for its first page only
// (a string cursor matches no ObjectId or number). page_size sets the
// limit asked.
func TestListingKeyTypes(t *testing.T) {
	const n = 230
	db := people(t, n)
	for _, tt := range []struct {
		field, key string
		want       func(i int) string
	}{
		{"code", "$.code", func(i int) string { return fmt.Sprintf("c%03d", i) }},
		{"n", "$.n", strconv.Itoa},
		{"_id", "$._id", func(i int) string {
			return bson.NewObjectIDFromTimestamp(t0.Add(time.Duration(i) * time.Minute)).Hex()[:8]
		}},
	} {
		t.Run(tt.field, func(t *testing.T) {
			cfg := fmt.Sprintf("uri: mongodb://%s/\ndatabase: %s\nlist_profiles:\n  collection: people\n  key_field: %s\n  page_size: 100\n  mapping: {key: %s}\n",
				upstreamAddr(t), db, tt.field, tt.key)
			c := connectortest.Build(t, "mongodb", cfg, connectors.Env{}).(*mongodb.Connector)
			if got := c.ListPageSize(); got != 100 {
				t.Fatalf("ListPageSize = %d, want the configured 100", got)
			}
			var keys []string
			cursor, pages := "", 0
			for range 20 {
				page, err := c.ListProfiles(context.Background(), cursor, c.ListPageSize())
				if err != nil {
					t.Fatal(err)
				}
				pages++
				for _, p := range page.Profiles {
					keys = append(keys, p.Key)
				}
				if page.Next == "" {
					break
				}
				cursor = page.Next
			}
			if len(keys) != n {
				t.Fatalf("listed %d documents in %d pages, want %d", len(keys), pages, n)
			}
			for i, k := range keys {
				if want := tt.want(i + 1); !strings.HasPrefix(k, want) {
					t.Fatalf("key %d = %s, want %s…: pages are out of key order", i, k, want)
				}
			}
			if pages != 3 {
				t.Errorf("%d pages, want 3 (the short last page ends the listing)", pages)
			}
		})
	}
}

func TestListingCursorAndPageSizeErrors(t *testing.T) {
	db := people(t, 3)
	head := fmt.Sprintf("uri: mongodb://%s/\ndatabase: %s\nlist_profiles:\n  collection: people\n  key_field: n\n  mapping: {key: $.n}\n", upstreamAddr(t), db)
	c := connectortest.Build(t, "mongodb", head, connectors.Env{}).(*mongodb.Connector)
	if got := c.ListPageSize(); got != connectors.DefaultListPageSize {
		t.Errorf("ListPageSize = %d, want the default %d", got, connectors.DefaultListPageSize)
	}
	if _, err := c.ListProfiles(context.Background(), "1001", 2); connectors.CodeOf(err) != connectors.CodeInternal {
		t.Errorf("a cursor the connector did not give: err = %v, want CONNECTOR_FAILED", err)
	}
	noKey := fmt.Sprintf("uri: mongodb://%s/\ndatabase: %s\nlist_profiles:\n  collection: people\n  key_field: member_id\n  mapping: {key: $.code}\n", upstreamAddr(t), db)
	c = connectortest.Build(t, "mongodb", noKey, connectors.Env{}).(*mongodb.Connector)
	if _, err := c.ListProfiles(context.Background(), "", 2); connectors.CodeOf(err) != connectors.CodeBadResponse {
		t.Errorf("documents without key_field: err = %v, want UPSTREAM_BAD_RESPONSE", err)
	}
	for _, size := range []string{"-1", "1001"} {
		_, err := connectortest.TryBuild("mongodb", head+"  page_size: "+size+"\n", connectors.Env{})
		var ce *connectors.ConfigError
		if !errors.As(err, &ce) || ce.Key != "list_profiles.page_size" || ce.Line != 7 || !strings.Contains(ce.Reason, "between 1 and 1000") {
			t.Errorf("page_size %s: err = %v, want list_profiles.page_size at line 7: between 1 and 1000", size, err)
		}
	}
}
