// Package storetest gives tests a profile store on a private embedded
// FerretDB, or on the MongoDB named by HARMONY_TEST_MONGODB_URI.
package storetest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"os"
	"testing"

	"github.com/harmonyhq/harmony/internal/store"
	"github.com/harmonyhq/harmony/internal/store/embedded"
)

// URI returns a MongoDB URI for the test: HARMONY_TEST_MONGODB_URI when set,
// else a fresh embedded FerretDB stopped at cleanup.
func URI(t testing.TB) string {
	t.Helper()
	uri, _ := server(t)
	return uri
}

// server returns the URI and, for an embedded FerretDB, the server.
func server(t testing.TB) (string, *embedded.Server) {
	t.Helper()
	if uri := os.Getenv("HARMONY_TEST_MONGODB_URI"); uri != "" {
		return uri, nil
	}
	srv, err := embedded.Start(context.Background(), t.TempDir(), slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatalf("embedded store: %v", err)
	}
	t.Cleanup(srv.Close)
	return srv.URI(), srv
}

// Open returns a store in a database of its own, closed at cleanup.
func Open(t testing.TB) *store.Store {
	t.Helper()
	uri, srv := server(t)
	return OpenAt(t, uri, srv, "")
}

// Server is a profile store server a test opens several stores on, as
// several gateways share one.
type Server struct {
	URI      string
	embedded *embedded.Server
	database string
}

// NewServer starts a server (or names HARMONY_TEST_MONGODB_URI) with a
// database of its own.
func NewServer(t testing.TB) *Server {
	t.Helper()
	uri, srv := server(t)
	return &Server{URI: uri, embedded: srv, database: database()}
}

// Open opens a store on the server's database, closed at cleanup.
func (s *Server) Open(t testing.TB) *store.Store {
	t.Helper()
	return OpenAt(t, s.URI, s.embedded, s.database)
}

// OpenAt opens a store on uri in database ("" for a fresh one), indexing
// an embedded server's _id lookups as the gateway does.
func OpenAt(t testing.TB, uri string, srv *embedded.Server, db string) *store.Store {
	t.Helper()
	if db == "" {
		db = database()
	}
	ctx := context.Background()
	s, err := store.Open(ctx, uri, db)
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { _ = s.Close(context.Background()) })
	if srv != nil {
		if err := srv.IndexIDs(ctx); err != nil {
			t.Fatalf("index the embedded store: %v", err)
		}
	}
	return s
}

func database() string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	return "test_" + hex.EncodeToString(b[:])
}
