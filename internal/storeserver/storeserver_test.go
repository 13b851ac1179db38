package storeserver_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/harmonyhq/harmony/internal/storeserver"
	"github.com/harmonyhq/harmony/internal/testenv"
)

func TestCheckRefusesBadOptions(t *testing.T) {
	pg := storeserver.DefaultPostgreSQLURL
	tests := []struct {
		name string
		o    storeserver.Options
		want string // in the error; "" for none
	}{
		{"postgresql", storeserver.Options{Addr: "127.0.0.1:0", PostgreSQLURL: pg}, ""},
		{"sqlite", storeserver.Options{Addr: "[::1]:27017", SQLiteDir: "x"}, ""},
		{"both backends", storeserver.Options{Addr: "127.0.0.1:0", PostgreSQLURL: pg, SQLiteDir: "x"}, "exclude each other"},
		{"no backend", storeserver.Options{Addr: "127.0.0.1:0"}, "no backend"},
		{"no port", storeserver.Options{Addr: "127.0.0.1", SQLiteDir: "x"}, "want host:port"},
		{"bad port", storeserver.Options{Addr: "127.0.0.1:mongo", SQLiteDir: "x"}, "bad port"},
		{"remote", storeserver.Options{Addr: "0.0.0.0:27017", SQLiteDir: "x"}, "--allow-remote"},
		{"remote allowed", storeserver.Options{Addr: "0.0.0.0:27017", SQLiteDir: "x", AllowRemote: true}, ""},
		{"not a url", storeserver.Options{Addr: "127.0.0.1:0", PostgreSQLURL: "postgres://u:secret@[::1"}, "not a PostgreSQL connection string"},
		{"no database", storeserver.Options{Addr: "127.0.0.1:0", PostgreSQLURL: "postgres://postgres@127.0.0.1:5432"}, "names no database"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.o.Check()
			if tt.want == "" {
				if err != nil {
					t.Fatalf("Check: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) || !errors.Is(err, storeserver.ErrUsage) {
				t.Fatalf("Check = %v, want a usage error saying %q", err, tt.want)
			}
			if strings.Contains(err.Error(), "secret") {
				t.Errorf("the error quotes the password: %v", err)
			}
		})
	}
}

// started runs the server until the test ends and returns its URI, read
// from the readiness file once ready was called.
func started(t *testing.T, o storeserver.Options) (uri string, stop func() error) {
	t.Helper()
	o.Addr = "127.0.0.1:0"
	o.ReadyFile = filepath.Join(t.TempDir(), "ready")
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan string, 1)
	errc := make(chan error, 1)
	go func() { errc <- storeserver.Run(ctx, o, func(u string) { ready <- u }) }()
	select {
	case uri = <-ready:
	case err := <-errc:
		cancel()
		t.Fatalf("Run ended before it was ready: %v", err)
	case <-time.After(time.Minute):
		cancel()
		t.Fatal("not ready within a minute")
	}
	b, err := os.ReadFile(o.ReadyFile)
	if err != nil || strings.TrimSpace(string(b)) != uri {
		t.Errorf("readiness file: %q, %v; want %s", b, err, uri)
	}
	var once bool
	stop = func() error {
		if once {
			return nil
		}
		once = true
		cancel()
		err := <-errc
		if _, statErr := os.Stat(o.ReadyFile); !errors.Is(statErr, os.ErrNotExist) {
			t.Errorf("readiness file left behind: %v", statErr)
		}
		return err
	}
	t.Cleanup(func() { _ = stop() })
	return uri, stop
}

// roundTrip writes a document through uri and reads it back with a new
// client, then checks that a duplicate _id is refused.
func roundTrip(t *testing.T, uri, db string) {
	t.Helper()
	ctx := t.Context()
	c, err := mongo.Connect(options.Client().ApplyURI(uri))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = c.Disconnect(context.Background()) }()
	coll := c.Database(db).Collection("customers")
	if _, err := coll.InsertOne(ctx, bson.D{{Key: "_id", Value: "cus_1"}, {Key: "n", Value: 1}}); err != nil {
		t.Fatalf("insert: %v", err)
	}
	var got struct {
		N int `bson:"n"`
	}
	if err := coll.FindOne(ctx, bson.D{{Key: "_id", Value: "cus_1"}}).Decode(&got); err != nil || got.N != 1 {
		t.Fatalf("find: %+v, %v", got, err)
	}
	_, err = coll.InsertOne(ctx, bson.D{{Key: "_id", Value: "cus_1"}})
	if !mongo.IsDuplicateKeyError(err) {
		t.Fatalf("second insert of one _id: %v, want a duplicate key error", err)
	}
}

func TestServesSQLiteAndStopsCleanly(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "store")
	uri, stop := started(t, storeserver.Options{SQLiteDir: dir})
	roundTrip(t, uri, "harmony")
	if err := stop(); err != nil {
		t.Fatalf("Run after stop: %v", err)
	}
	if st, err := os.Stat(dir); err != nil || st.Mode().Perm() != 0o700 {
		t.Errorf("store directory: %v, %v; want 0700", st, err)
	}
	// The listener is closed: a new client cannot select a server.
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Second)
	defer cancel()
	c, err := mongo.Connect(options.Client().ApplyURI(uri).SetServerSelectionTimeout(time.Second))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = c.Disconnect(context.Background()) }()
	if err := c.Ping(ctx, nil); err == nil {
		t.Error("the store still answers after it stopped")
	}
}

func TestServesPostgreSQLCreatingItsDatabase(t *testing.T) {
	dsn := testenv.Postgres(t)
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		t.Fatal(err)
	}
	var b [4]byte
	_, _ = rand.Read(b[:])
	name := "harmony_storeserver_" + hex.EncodeToString(b[:])
	u, err := url.Parse(dsn)
	if err != nil || u.Scheme == "" {
		t.Skipf("%s is not a URL: the test names its own database in one", testenv.PostgresDSNVar)
	}
	u.Path = "/" + name
	target := u.String()
	t.Cleanup(func() {
		ctx := context.Background()
		conn, err := pgx.ConnectConfig(ctx, cfg)
		if err != nil {
			t.Logf("drop %s: %v", name, err)
			return
		}
		defer func() { _ = conn.Close(ctx) }()
		if _, err := conn.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)"); err != nil {
			t.Logf("drop %s: %v", name, err)
		}
	})
	uri, stop := started(t, storeserver.Options{PostgreSQLURL: target})
	roundTrip(t, uri, "harmony")
	if err := stop(); err != nil {
		t.Fatalf("Run after stop: %v", err)
	}
	// The documents are in PostgreSQL: a second server over the same
	// database reads them.
	uri, _ = started(t, storeserver.Options{PostgreSQLURL: target})
	c, err := mongo.Connect(options.Client().ApplyURI(uri))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = c.Disconnect(context.Background()) }()
	n, err := c.Database("harmony").Collection("customers").CountDocuments(t.Context(), bson.D{})
	if err != nil || n != 1 {
		t.Errorf("after a restart: %d documents, %v; want 1", n, err)
	}
}

func TestRunRefusesATakenPort(t *testing.T) {
	uri, _ := started(t, storeserver.Options{SQLiteDir: t.TempDir()})
	addr := strings.TrimSuffix(strings.TrimPrefix(uri, "mongodb://"), "/")
	err := storeserver.Run(t.Context(), storeserver.Options{Addr: addr, SQLiteDir: t.TempDir()}, nil)
	if err == nil || !strings.Contains(err.Error(), "address already in use") {
		t.Fatalf("Run on a taken port = %v", err)
	}
}
