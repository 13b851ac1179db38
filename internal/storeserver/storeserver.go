// Package storeserver is `harmony store serve`: FerretDB's MongoDB-wire
// listener in a process of its own, over PostgreSQL (a database of its
// own, created when missing) or over SQLite files, so that several
// gateway replicas can share one profile store where no MongoDB runs.
//
// It is the same FerretDB v1.24.0 as the embedded store
// (internal/store/embedded), with the same limits: no transactions, and
// filters other than on _id decoded in Go. Over PostgreSQL an _id lookup
// costs a few milliseconds (docs/deploy.md has the figures).
//
// The server is ready once a client has connected through its listener and
// listed the collections of a database, which reaches the backend: only
// then does Run call ready and write the readiness file. It stops when its
// context ends (SIGTERM, SIGINT), closing the listener, its connections and
// the backend, and removes the readiness file.
package storeserver

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/FerretDB/FerretDB/ferretdb"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/harmonyhq/harmony/internal/store/embedded"
)

// Defaults of the command's flags.
const (
	// DefaultAddr is MongoDB's port on loopback.
	DefaultAddr = "127.0.0.1:27017"
	// DefaultPostgreSQLURL is the local PostgreSQL with trust
	// authentication, in a database of the store's own.
	DefaultPostgreSQLURL = "postgres://postgres@127.0.0.1:5432/harmony_store?sslmode=disable"
)

// readyTimeout bounds the readiness check (a connection and a listing).
const readyTimeout = 30 * time.Second

// Options configure Run. Exactly one of PostgreSQLURL and SQLiteDir is set.
type Options struct {
	// Addr is the listen address, host:port (port 0 for a free one).
	Addr string
	// AllowRemote lets Addr be other than a loopback address. FerretDB's
	// listener has no TLS here and passes credentials on to PostgreSQL
	// only, so a non-loopback listener belongs on a private network.
	AllowRemote bool
	// PostgreSQLURL is the PostgreSQL database the documents are kept in
	// (created when missing, if the user may).
	PostgreSQLURL string
	// SQLiteDir is the directory of the SQLite files (one per database),
	// created 0700 when missing.
	SQLiteDir string
	// ReadyFile, when set, is written with the mongodb:// URI once the
	// server is ready, and removed when it stops.
	ReadyFile string
	// Log receives the server's lines; FerretDB's are cut to their first
	// line without attributes, as they may carry documents.
	Log *slog.Logger
}

// ErrUsage marks an error in the options: the command exits 2.
var ErrUsage = errors.New("usage")

// Check reports what is wrong with o, wrapped in ErrUsage.
func (o Options) Check() error {
	switch {
	case o.PostgreSQLURL != "" && o.SQLiteDir != "":
		return fmt.Errorf("%w: --postgresql-url and --sqlite-dir exclude each other: choose one backend", ErrUsage)
	case o.PostgreSQLURL == "" && o.SQLiteDir == "":
		return fmt.Errorf("%w: no backend: give --postgresql-url or --sqlite-dir", ErrUsage)
	}
	host, port, err := net.SplitHostPort(o.Addr)
	if err != nil {
		return fmt.Errorf("%w: --addr %q: want host:port, e.g. %s", ErrUsage, o.Addr, DefaultAddr)
	}
	if n, err := strconv.ParseUint(port, 10, 16); err != nil || (n == 0 && port != "0") {
		return fmt.Errorf("%w: --addr %q: bad port", ErrUsage, o.Addr)
	}
	if !o.AllowRemote && !loopback(host) {
		return fmt.Errorf("%w: --addr %q is not a loopback address: the store server has no TLS and no authentication of its own; "+
			"keep it on a private network and pass --allow-remote", ErrUsage, o.Addr)
	}
	if o.PostgreSQLURL != "" {
		cfg, err := pgx.ParseConfig(o.PostgreSQLURL)
		if err != nil {
			return fmt.Errorf("%w: --postgresql-url: not a PostgreSQL connection string", ErrUsage) // the URL may hold a password: not quoted
		}
		if cfg.Database == "" {
			return fmt.Errorf("%w: --postgresql-url names no database (e.g. .../harmony_store)", ErrUsage)
		}
	}
	return nil
}

func loopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// Run serves until ctx ends. ready, when not nil, is called with the
// mongodb:// URI once clients can use the server.
func Run(ctx context.Context, o Options, ready func(uri string)) error {
	if err := o.Check(); err != nil {
		return err
	}
	log := o.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	cfg := &ferretdb.Config{
		Listener: ferretdb.ListenerConfig{TCP: o.Addr},
		Logger:   embedded.QuietLogger(log),
	}
	backend := ""
	if o.PostgreSQLURL != "" {
		if err := ensureDatabase(ctx, o.PostgreSQLURL, log); err != nil {
			return err
		}
		cfg.Handler, cfg.PostgreSQLURL, backend = "postgresql", o.PostgreSQLURL, "postgresql"
	} else {
		dir, err := filepath.Abs(o.SQLiteDir)
		if err != nil {
			return fmt.Errorf("--sqlite-dir: %w", err)
		}
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return fmt.Errorf("--sqlite-dir: %w", err)
		}
		cfg.Handler, cfg.SQLiteURL, backend = "sqlite", "file:"+dir+"/", "sqlite"
	}
	f, err := ferretdb.New(cfg) // binds the listener: a taken port fails here
	if err != nil {
		return fmt.Errorf("start the store server on %s: %w", o.Addr, err)
	}
	runCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = f.Run(runCtx)
	}()
	stop := func() {
		cancel()
		<-done
	}
	uri := f.MongoDBURI()
	if err := check(ctx, uri); err != nil {
		stop()
		return fmt.Errorf("store server on %s is not usable: %w", o.Addr, err)
	}
	if o.ReadyFile != "" {
		if err := writeReady(o.ReadyFile, uri); err != nil {
			stop()
			return err
		}
		defer func() { _ = os.Remove(o.ReadyFile) }()
	}
	log.Info("store server ready", "uri", uri, "backend", backend)
	if ready != nil {
		ready(uri)
	}
	<-ctx.Done()
	log.Info("store server stopping")
	stop()
	log.Info("store server stopped")
	return nil
}

// check connects to the server and lists a database's collections: the
// listing reaches the backend, so a PostgreSQL that refuses FerretDB shows
// here rather than at the first gateway's request.
func check(ctx context.Context, uri string) error {
	ctx, cancel := context.WithTimeout(ctx, readyTimeout)
	defer cancel()
	c, err := mongo.Connect(options.Client().ApplyURI(uri).SetServerSelectionTimeout(readyTimeout))
	if err != nil {
		return err
	}
	defer func() { _ = c.Disconnect(context.WithoutCancel(ctx)) }()
	if err := c.Ping(ctx, nil); err != nil {
		return err
	}
	_, err = c.Database("harmony").ListCollectionNames(ctx, bson.D{})
	return err
}

// ensureDatabase creates the URL's database when it does not exist,
// connecting to the server's maintenance database "postgres" to do so.
func ensureDatabase(ctx context.Context, rawURL string, log *slog.Logger) error {
	cfg, err := pgx.ParseConfig(rawURL)
	if err != nil {
		return fmt.Errorf("%w: --postgresql-url: not a PostgreSQL connection string", ErrUsage)
	}
	ctx, cancel := context.WithTimeout(ctx, readyTimeout)
	defer cancel()
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err == nil {
		return conn.Close(ctx)
	}
	var pe *pgconn.PgError
	if !errors.As(err, &pe) || pe.Code != "3D000" { // invalid_catalog_name: the database is missing
		return fmt.Errorf("connect to PostgreSQL at %s: %w", cfg.Host, err)
	}
	name := cfg.Database
	admin := cfg.Copy()
	admin.Database = "postgres"
	conn, err = pgx.ConnectConfig(ctx, admin)
	if err != nil {
		return fmt.Errorf("database %q is missing and the maintenance database cannot be reached to create it: %w", name, err)
	}
	defer func() { _ = conn.Close(context.WithoutCancel(ctx)) }()
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()); err != nil {
		if errors.As(err, &pe) && pe.Code == "42P04" { // duplicate_database: another process made it meanwhile
			return nil
		}
		return fmt.Errorf("create database %q: %w", name, err)
	}
	log.Info("store server created its PostgreSQL database", "database", name)
	return nil
}

// writeReady writes the URI to file through a temporary file and a
// rename, so that a reader never sees it half written.
func writeReady(file, uri string) error {
	tmp := file + ".tmp"
	if err := os.WriteFile(tmp, []byte(uri+"\n"), 0o600); err != nil {
		return fmt.Errorf("readiness file: %w", err)
	}
	if err := os.Rename(tmp, file); err != nil {
		return fmt.Errorf("readiness file: %w", err)
	}
	return nil
}
