// Package embedded runs FerretDB in-process as Harmony's default profile
// store when no MongoDB URI is configured: a MongoDB-compatible server with
// a SQLite backend, listening on a loopback port, with its files in one
// directory.
//
// FerretDB v1 has no transactions and filters every query in Go after
// reading the whole collection, except a filter on _id alone, which it
// sends to SQLite as `WHERE _ferretdb_sjson->'$._id' = ?`. Its own unique
// index on _id is written `_ferretdb_sjson->"_id"`, an expression SQLite
// does not match with the query's, so even that lookup reads every row
// (about 2.5 µs a row). IndexIDs adds, beside it, an index on the exact
// expression the queries use, which turns an _id lookup, update or delete
// into an index search (about 0.3 ms whatever the size of the collection).
package embedded

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"

	"github.com/FerretDB/FerretDB/ferretdb"
	_ "modernc.org/sqlite" // the driver FerretDB's SQLite backend uses too
)

// Server is a running embedded FerretDB.
type Server struct {
	uri    string
	dir    string
	cancel context.CancelFunc
	done   chan struct{}
	once   sync.Once
}

// newMu serialises ferretdb.New, which sets FerretDB's version package
// variable: two stores started at once race on it.
var newMu sync.Mutex

// Start runs FerretDB with its SQLite files in dir (created if missing) on
// 127.0.0.1 with a free port. dir is made 0700 and its files 0600, those it
// holds and those the store creates. FerretDB's own log lines go to logger with
// their attributes dropped, as they may carry query fragments.
func Start(ctx context.Context, dir string, logger *slog.Logger) (*Server, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("embedded store directory: %w", err)
	}
	mode, err := private(abs)
	if err != nil {
		return nil, fmt.Errorf("embedded store directory: %w", err)
	}
	if logger == nil {
		logger = slog.Default()
	}
	newMu.Lock() // ferretdb.New writes a package variable of FerretDB's
	f, err := ferretdb.New(&ferretdb.Config{
		Listener:  ferretdb.ListenerConfig{TCP: "127.0.0.1:0"},
		Logger:    QuietLogger(logger),
		Handler:   "sqlite",
		SQLiteURL: sqliteURL(abs, mode),
	})
	newMu.Unlock()
	if err != nil {
		return nil, fmt.Errorf("start embedded store: %w", err)
	}
	runCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	s := &Server{cancel: cancel, done: make(chan struct{}), dir: abs}
	go func() {
		defer close(s.done)
		_ = f.Run(runCtx)
	}()
	s.uri = f.MongoDBURI()
	if s.uri == "" {
		s.Close()
		return nil, errors.New("start embedded store: no listener address")
	}
	return s, nil
}

// URI is the mongodb:// URI clients connect to.
func (s *Server) URI() string { return s.uri }

// IndexIDs indexes, in every database of the server and every collection
// that exists now, the expression FerretDB's _id lookups use (see the
// package comment). It is idempotent and cheap when the indexes exist:
// call it after the collections are created (store.Open creates all of
// its own). FerretDB's metadata does not list these indexes, so they never
// show in listIndexes, and dropping a collection drops them with its table.
func (s *Server) IndexIDs(ctx context.Context) error {
	files, err := filepath.Glob(filepath.Join(s.dir, "*.sqlite"))
	if err != nil {
		return fmt.Errorf("index _id: %w", err)
	}
	for _, f := range files {
		if err := indexIDs(ctx, f); err != nil {
			return fmt.Errorf("index _id of %s: %w", filepath.Base(f), err)
		}
	}
	return nil
}

// metadataTable is FerretDB's table of collections and their tables.
const metadataTable = "_ferretdb_collections"

func indexIDs(ctx context.Context, file string) error {
	db, err := sql.Open("sqlite", "file:"+file+"?_pragma=busy_timeout(10000)&_pragma=journal_mode(wal)")
	if err != nil {
		return err
	}
	defer func() { _ = db.Close() }()
	db.SetMaxOpenConns(1)
	rows, err := db.QueryContext(ctx, "SELECT table_name FROM "+metadataTable)
	if err != nil {
		return err
	}
	var tables []string
	for rows.Next() {
		var t string
		if err := rows.Scan(&t); err != nil {
			_ = rows.Close()
			return err
		}
		tables = append(tables, t)
	}
	if err := rows.Close(); err != nil {
		return err
	}
	for _, t := range tables {
		// FerretDB names tables after collections plus a hash: letters,
		// digits, '_' and '.'. Quoted all the same.
		q := fmt.Sprintf(`CREATE INDEX IF NOT EXISTS %s ON %s (_ferretdb_sjson->'$._id')`,
			quoteIdent(t+"_harmony_id"), quoteIdent(t))
		if _, err := db.ExecContext(ctx, q); err != nil {
			return err
		}
	}
	return nil
}

func quoteIdent(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

// Close stops the server and waits until its files are closed.
func (s *Server) Close() {
	s.once.Do(func() {
		s.cancel()
		<-s.done
		if s.dir != "" {
			_, _ = private(s.dir) // anything created meanwhile
		}
	})
}

// sqliteURL is FerretDB's SQLite URI for dir. SQLite creates a database
// file with the permissions of the modeof file (else 0644 less the umask),
// and its WAL and shared memory with the database's. FerretDB re-encodes
// the query (a space becomes "+", which SQLite does not decode), so modeof
// is left out for paths with other characters than letters, digits and
// "/._-": the files created then get their 0600 when the store closes or
// starts, and the 0700 directory keeps others out meanwhile.
func sqliteURL(dir, mode string) string {
	u := "file:" + dir + "/"
	if plainPath.MatchString(mode) {
		u += "?modeof=" + mode
	}
	return u
}

var plainPath = regexp.MustCompile(`^[A-Za-z0-9/._-]+$`)

// modeFile is a file of the data directory whose permissions (0600) SQLite
// gives the files it creates.
const modeFile = ".permissions"

// private makes dir (created if missing) 0700 and every file in it 0600,
// whatever they were: the store holds personal data. It returns the path
// of the mode file.
func private(dir string) (string, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", err
	}
	if err := os.Chmod(dir, 0o700); err != nil { //nolint:gosec // G302: a directory needs x to be entered, by its owner only
		return "", err
	}
	mode := filepath.Join(dir, modeFile)
	f, err := os.OpenFile(mode, os.O_CREATE|os.O_WRONLY, 0o600) //nolint:gosec // G304: the operator names the data directory
	if err != nil {
		return "", err
	}
	if err := f.Close(); err != nil {
		return "", err
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return "", err
	}
	for _, e := range entries {
		if e.Type().IsRegular() {
			if err := os.Chmod(filepath.Join(dir, e.Name()), 0o600); err != nil {
				return "", err
			}
		}
	}
	return mode, nil
}

// QuietLogger is logger as FerretDB should be given it: only the first
// line of its warnings and errors, without attributes (see quietHandler).
// The store server (internal/storeserver) runs FerretDB with it too.
func QuietLogger(logger *slog.Logger) *slog.Logger {
	return slog.New(quietHandler{next: logger.Handler()})
}

// quietHandler passes on the first line of FerretDB's warnings and errors,
// without their attributes: FerretDB may put whole wire messages (documents
// with customer data) in both. Its info and debug lines (one per connection)
// and its dumps of failed commands are dropped.
type quietHandler struct{ next slog.Handler }

func (h quietHandler) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= slog.LevelWarn && h.next.Enabled(ctx, l)
}

func (h quietHandler) Handle(ctx context.Context, r slog.Record) error {
	msg, _, _ := strings.Cut(r.Message, "\n")
	if strings.HasPrefix(msg, "Response header") || strings.HasPrefix(msg, "Response message") ||
		strings.HasPrefix(msg, "Request header") || strings.HasPrefix(msg, "Request message") {
		return nil
	}
	if len(msg) > 160 {
		msg = msg[:160] + "…"
	}
	clean := slog.NewRecord(r.Time, r.Level, msg, r.PC)
	clean.AddAttrs(slog.String("component", "embedded-store"))
	return h.next.Handle(ctx, clean)
}

func (h quietHandler) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h quietHandler) WithGroup(string) slog.Handler      { return h }
