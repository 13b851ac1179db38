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
	if uri := os.Getenv("HARMONY_TEST_MONGODB_URI"); uri != "" {
		return uri
	}
	srv, err := embedded.Start(context.Background(), t.TempDir(), slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatalf("embedded store: %v", err)
	}
	t.Cleanup(srv.Close)
	return srv.URI()
}

// Open returns a store in a database of its own, closed at cleanup.
func Open(t testing.TB) *store.Store {
	t.Helper()
	var b [6]byte
	_, _ = rand.Read(b[:])
	s, err := store.Open(context.Background(), URI(t), "test_"+hex.EncodeToString(b[:]))
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { _ = s.Close(context.Background()) })
	return s
}
