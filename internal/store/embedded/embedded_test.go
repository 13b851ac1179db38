package embedded

import (
	"bytes"
	"context"
	"database/sql"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

func TestQuietHandlerKeepsCustomerDataOut(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(quietHandler{next: slog.NewJSONHandler(&buf, nil)})
	log.Info("Connection started", "conn", "127.0.0.1:1")
	log.Warn("Response message:\n{\"email\": \"ada@example.com\"}")
	log.Warn("Request message:\n{\"find\": \"customers\"}")
	log.Error("something failed\n{\"phone\": \"+33612345678\"}", "document", "ada@example.com")
	out := buf.String()
	for _, leak := range []string{"ada@example.com", "+33612345678", "Connection started", "customers"} {
		if strings.Contains(out, leak) {
			t.Errorf("logged %q: %s", leak, out)
		}
	}
	if !strings.Contains(out, "something failed") {
		t.Errorf("the first line of an error is lost: %s", out)
	}
}

func TestStartAndClose(t *testing.T) {
	srv, err := Start(context.Background(), t.TempDir(), slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(srv.URI(), "mongodb://127.0.0.1:") {
		t.Fatalf("URI = %q", srv.URI())
	}
	done := make(chan struct{})
	go func() { srv.Close(); srv.Close(); close(done) }()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("Close does not return")
	}
}

// TestStoreFilesArePrivate: whatever the data directory held and however
// open it was, the store's directory is 0700 and its files 0600, those it
// finds and those it creates (databases, WAL and shared memory). Before, a
// directory that already existed kept its permissions, and SQLite created
// files readable by everyone (0644).
func TestStoreFilesArePrivate(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	old := syscall.Umask(0o022) // the usual umask, whatever the test runner's
	defer syscall.Umask(old)
	if err := os.Chmod(dir, 0o777); err != nil { //nolint:gosec // G302: the open directory under test
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "notes.txt"), nil, 0o644); err != nil { //nolint:gosec // G306: the open file under test
		t.Fatal(err)
	}
	srv, err := Start(t.Context(), dir, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	client, err := mongo.Connect(options.Client().ApplyURI(srv.URI()))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = client.Disconnect(context.WithoutCancel(t.Context())) }()
	if _, err := client.Database("harmony_perm").Collection("customers").InsertOne(t.Context(), map[string]string{"_id": "c1"}); err != nil {
		t.Fatal(err)
	}
	check := func(when string) {
		t.Helper()
		fi, err := os.Stat(dir)
		if err != nil {
			t.Fatal(err)
		}
		if perm := fi.Mode().Perm(); perm != 0o700 {
			t.Errorf("%s: directory %o, want 700", when, perm)
		}
		entries, err := os.ReadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		databases := 0
		for _, e := range entries {
			info, err := e.Info()
			if err != nil {
				t.Fatal(err)
			}
			if perm := info.Mode().Perm(); perm != 0o600 {
				t.Errorf("%s: %s is %o, want 600", when, e.Name(), perm)
			}
			if strings.HasPrefix(e.Name(), "harmony_perm.sqlite") {
				databases++
			}
		}
		if databases == 0 {
			t.Errorf("%s: no database file in %v", when, entries)
		}
	}
	check("running")
	srv.Close()
	check("closed")
}

// TestIndexIDs: after IndexIDs, SQLite answers FerretDB's _id lookups
// from an index instead of reading every row, for every collection, and a
// second call changes nothing.
func TestIndexIDs(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	srv, err := Start(ctx, dir, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	client, err := mongo.Connect(options.Client().ApplyURI(srv.URI()))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = client.Disconnect(ctx) }()
	for _, coll := range []string{"customers", "identities"} {
		if _, err := client.Database("harmony").Collection(coll).InsertOne(ctx, bson.D{{Key: "_id", Value: "x"}}); err != nil {
			t.Fatal(err)
		}
	}
	plan := func() []string {
		db, err := sql.Open("sqlite", "file:"+filepath.Join(dir, "harmony.sqlite"))
		if err != nil {
			t.Fatal(err)
		}
		defer func() { _ = db.Close() }()
		rows, err := db.QueryContext(ctx, "SELECT table_name FROM "+metadataTable+" ORDER BY name")
		if err != nil {
			t.Fatal(err)
		}
		var tables []string
		for rows.Next() {
			var name string
			if err := rows.Scan(&name); err != nil {
				t.Fatal(err)
			}
			tables = append(tables, name)
		}
		_ = rows.Close()
		var out []string
		for _, table := range tables {
			var id, parent, unused int
			var detail string
			q := "EXPLAIN QUERY PLAN SELECT _ferretdb_sjson FROM " + quoteIdent(table) + " WHERE _ferretdb_sjson->'$._id' = ?"
			if err := db.QueryRowContext(ctx, q, `"x"`).Scan(&id, &parent, &unused, &detail); err != nil {
				t.Fatal(err)
			}
			out = append(out, detail)
		}
		return out
	}
	for _, p := range plan() {
		if !strings.HasPrefix(p, "SCAN") {
			t.Fatalf("before IndexIDs the lookup is %q, want a scan (the test is no longer needed?)", p)
		}
	}
	for range 2 {
		if err := srv.IndexIDs(ctx); err != nil {
			t.Fatal(err)
		}
	}
	got := plan()
	if len(got) != 2 {
		t.Fatalf("plans = %q, want one per collection", got)
	}
	for _, p := range got {
		if !strings.Contains(p, "USING INDEX") || !strings.Contains(p, "_harmony_id") {
			t.Errorf("after IndexIDs the lookup is %q, want a search of the _harmony_id index", p)
		}
	}
	// FerretDB still finds, and still refuses a duplicate _id.
	coll := client.Database("harmony").Collection("customers")
	if err := coll.FindOne(ctx, bson.D{{Key: "_id", Value: "x"}}).Err(); err != nil {
		t.Errorf("find by _id: %v", err)
	}
	if _, err := coll.InsertOne(ctx, bson.D{{Key: "_id", Value: "x"}}); !mongo.IsDuplicateKeyError(err) {
		t.Errorf("duplicate insert: %v, want E11000", err)
	}
}
