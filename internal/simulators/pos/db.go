package pos

import (
	"maps"
	"sync"
	"time"
)

// Backends.
const (
	BackendSQLite   = "sqlite"
	BackendPostgres = "postgres"
)

// RouteQuery is the route statements are counted under.
const RouteQuery = "query"

// DB is a running POS database.
type DB struct {
	backend string
	dsn     string
	path    string // SQLite file
	schema  string // PostgreSQL schema
	admin   string // PostgreSQL admin DSN, to drop the schema
	proxy   *Proxy // PostgreSQL only

	closeOnce sync.Once
	closeErr  error
}

// Name returns "pos".
func (d *DB) Name() string { return "pos" }

// Backend returns BackendSQLite or BackendPostgres.
func (d *DB) Backend() string { return d.backend }

// DSN returns what a SQL client opens: a modernc.org/sqlite DSN for SQLite,
// a postgres:// URL through the counting proxy for PostgreSQL.
func (d *DB) DSN() string { return d.dsn }

// URL is DSN, for the simulators' common interface.
func (d *DB) URL() string { return d.dsn }

// Path returns the SQLite file ("" for PostgreSQL).
func (d *DB) Path() string { return d.path }

// Schema returns the PostgreSQL schema ("" for SQLite).
func (d *DB) Schema() string { return d.schema }

// Count returns the statements counted under route ("query"); zero for
// SQLite.
func (d *DB) Count(route string) int64 {
	if d.proxy == nil || route != RouteQuery {
		return 0
	}
	return d.proxy.Total()
}

// Counts returns {"query": n} once statements were counted; empty for
// SQLite.
func (d *DB) Counts() map[string]int64 {
	if d.proxy == nil {
		return map[string]int64{}
	}
	return maps.Clone(d.proxy.Counts())
}

// Total returns the statements counted; zero for SQLite.
func (d *DB) Total() int64 {
	if d.proxy == nil {
		return 0
	}
	return d.proxy.Total()
}

// Reset zeroes the counts.
func (d *DB) Reset() {
	if d.proxy != nil {
		d.proxy.Reset()
	}
}

// SetLatency delays each statement by l (PostgreSQL only).
func (d *DB) SetLatency(l time.Duration) {
	if d.proxy != nil {
		d.proxy.SetLatency(l)
	}
}

// SetDown drops client connections and refuses new ones while down
// (PostgreSQL only).
func (d *DB) SetDown(down bool) {
	if d.proxy != nil {
		d.proxy.SetDown(down)
	}
}

// Stop is Close, ignoring its error.
func (d *DB) Stop() { _ = d.Close() }

// Close stops the proxy and drops the PostgreSQL schema; the SQLite file is
// left in place for inspection. It is safe to call more than once.
func (d *DB) Close() error {
	d.closeOnce.Do(func() {
		if d.backend == BackendPostgres {
			d.closeErr = d.closePostgres()
		}
	})
	return d.closeErr
}
