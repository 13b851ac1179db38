// Package sql is the `sql` connector kind: a PostgreSQL or SQLite database
// read with one configured query per capability.
//
// Queries use named placeholders (:keys, :since, :until, :limit, :cursor)
// that Provision rewrites to the driver's parameters, and return columns
// named by a convention (key, given_name, ..., customer_key, placed_at, ...)
// documented in docs/connectors.md. Every read runs exactly one query for
// the whole batch (export one per section); erase and send run their
// statements in one transaction (privacy.go, actions.go).
package sql

import (
	"context"
	stdsql "database/sql"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	_ "modernc.org/sqlite" // registers the "sqlite" database/sql driver

	"github.com/harmonyhq/harmony/connectors"
	"github.com/harmonyhq/harmony/connectors/jsonmap"
)

// KindID is the kind's name in configuration.
const KindID = "sql"

func init() {
	connectors.MustRegister(connectors.Kind{
		ID:  KindID,
		Doc: "PostgreSQL or SQLite database read with configured queries",
		New: func() connectors.Connector { return new(Connector) },
	})
}

// Query is one capability's SQL.
type Query struct {
	// Query is the SQL text with named placeholders.
	Query string `yaml:"query"`
}

// ListQuery is the list_profiles query: rows with key > :cursor, ordered
// by key, at most :limit of them. The listing ends on an empty page, not on
// a short one: the connector cannot tell that a query is exact (a LIMIT of
// its own, rows filtered after the limit), and the last, empty page costs
// one indexed read.
type ListQuery struct {
	// Query is the SQL text with named placeholders (:cursor, :limit).
	Query string `yaml:"query"`
	// PageSize is the :limit of each page, 1 to 1000; default 100.
	PageSize int `yaml:"page_size" jsonschema:"minimum=1,maximum=1000"`
}

// Config is the configuration of a sql instance.
type Config struct {
	// Driver is postgres or sqlite.
	Driver string `yaml:"driver" jsonschema:"enum=postgres,enum=sqlite"`
	// DSN is the connection string: a PostgreSQL URL or key=value string,
	// or an SQLite file path / file: URI (relative paths are resolved
	// against the configuration file's directory). It may hold a password,
	// so it is a secret.
	DSN connectors.Secret `yaml:"dsn"`
	// MaxOpenConns bounds the open connections (default 10).
	MaxOpenConns int `yaml:"max_open_conns"`
	// MaxIdleConns bounds the idle connections kept (default 2).
	MaxIdleConns int `yaml:"max_idle_conns"`
	// ConnMaxLifetime closes connections older than this ("30m"; default
	// unlimited).
	ConnMaxLifetime time.Duration `yaml:"conn_max_lifetime"`

	// Profiles reads profile records by native key (:keys).
	Profiles *Query `yaml:"profiles"`
	// ListProfiles pages through every profile record (:cursor, :limit).
	ListProfiles *ListQuery `yaml:"list_profiles"`
	// Orders reads orders by the customer's native key (:keys, :since,
	// :until, :limit).
	Orders *Query `yaml:"orders"`
	// Interactions reads interactions by the customer's native key (:keys,
	// :since, :until, :limit).
	Interactions *Query `yaml:"interactions"`
	// Lookup finds profile records by identifier (:emails, :phones,
	// :whatsapps, :loyalty_cards, :social_handles; see LookupQuery).
	Lookup *LookupQuery `yaml:"lookup"`
	// Erase deletes or anonymises customers' records for privacy (erasure)
	// requests (see EraseStatements).
	Erase *EraseStatements `yaml:"erase"`
	// Export reads everything held about customers for privacy (export)
	// requests (see ExportQueries).
	Export *ExportQueries `yaml:"export"`
	// Send sends messages to customers by inserting them into an outbox
	// table (see SendStatement).
	Send *SendStatement `yaml:"send"`
}

// Connector is a sql instance.
type Connector struct {
	Config `yaml:",inline"`

	db           *stdsql.DB
	profiles     *statement
	listProfiles *statement
	orders       *statement
	interactions *statement
	lookup       *lookupStatement
	erase        []*statement
	export       []exportSection
	send         *sendStatement
}

var (
	_ connectors.ProfileSource      = (*Connector)(nil)
	_ connectors.ProfileLister      = (*Connector)(nil)
	_ connectors.ListPageSizer      = (*Connector)(nil)
	_ connectors.OrderSource        = (*Connector)(nil)
	_ connectors.InteractionSource  = (*Connector)(nil)
	_ connectors.ProfileFinder      = (*Connector)(nil)
	_ connectors.Eraser             = (*Connector)(nil)
	_ connectors.Exporter           = (*Connector)(nil)
	_ connectors.MessageSender      = (*Connector)(nil)
	_ connectors.ChannelSender      = (*Connector)(nil)
	_ connectors.CapabilityReporter = (*Connector)(nil)
	_ connectors.Provisioner        = (*Connector)(nil)
	_ connectors.Validator          = (*Connector)(nil)
)

// statement is a rewritten query and the order of its parameters.
type statement struct {
	cp     connectors.Capability
	sql    string
	params []string
}

// Capabilities reports the capabilities whose query is configured.
func (c *Connector) Capabilities() []connectors.Capability {
	var caps []connectors.Capability
	if c.Config.Profiles != nil {
		caps = append(caps, connectors.CapProfiles)
	}
	if c.Config.ListProfiles != nil {
		caps = append(caps, connectors.CapListProfiles)
	}
	if c.Config.Orders != nil {
		caps = append(caps, connectors.CapOrders)
	}
	if c.Config.Interactions != nil {
		caps = append(caps, connectors.CapInteractions)
	}
	if c.Config.Lookup != nil {
		caps = append(caps, connectors.CapLookup)
	}
	if c.Config.Erase != nil {
		caps = append(caps, connectors.CapErase)
	}
	if c.Config.Export != nil {
		caps = append(caps, connectors.CapExport)
	}
	if c.Config.Send != nil {
		caps = append(caps, connectors.CapSend)
	}
	return caps
}

// Validate checks the configuration.
func (c *Connector) Validate() error {
	switch c.Driver {
	case Postgres, SQLite:
	case "":
		return connectors.Invalid("driver", "required: postgres or sqlite")
	default:
		return connectors.Invalid("driver", "must be postgres or sqlite")
	}
	if c.DSN == "" {
		return connectors.Invalid("dsn", "required")
	}
	if c.MaxOpenConns < 0 {
		return connectors.Invalid("max_open_conns", "must not be negative")
	}
	if c.MaxIdleConns < 0 {
		return connectors.Invalid("max_idle_conns", "must not be negative")
	}
	if c.ConnMaxLifetime < 0 {
		return connectors.Invalid("conn_max_lifetime", "must not be negative")
	}
	if len(c.Capabilities()) == 0 {
		return connectors.Invalid("", "configure at least one query (profiles, list_profiles, orders, interactions, lookup, erase, export, send)")
	}
	if q := c.Config.ListProfiles; q != nil {
		if err := connectors.CheckPageSize("list_profiles.page_size", q.PageSize); err != nil {
			return err
		}
	}
	return nil
}

// Provision rewrites the queries and opens the connection pool. It does not
// connect: the first call does, so the gateway starts while the database is
// down.
func (c *Connector) Provision(_ context.Context, env connectors.Env) error {
	if err := c.Validate(); err != nil {
		return err
	}
	var err error
	window := []string{PKeys, PSince, PUntil, PLimit}
	var list *Query
	if q := c.Config.ListProfiles; q != nil {
		list = &Query{Query: q.Query}
	}
	for _, q := range []struct {
		cp       connectors.Capability
		cfg      *Query
		dst      **statement
		allowed  []string
		required []string
	}{
		{connectors.CapProfiles, c.Config.Profiles, &c.profiles, []string{PKeys}, []string{PKeys}},
		{connectors.CapListProfiles, list, &c.listProfiles, []string{PCursor, PLimit}, []string{PCursor, PLimit}},
		{connectors.CapOrders, c.Config.Orders, &c.orders, window, []string{PKeys}},
		{connectors.CapInteractions, c.Config.Interactions, &c.interactions, window, []string{PKeys}},
	} {
		if q.cfg == nil {
			continue
		}
		key := string(q.cp) + ".query"
		if strings.TrimSpace(q.cfg.Query) == "" {
			return connectors.Invalid(key, "required")
		}
		text, params, err := Rewrite(c.Driver, q.cfg.Query, q.allowed)
		if err != nil {
			return connectors.Invalid(key, "%v", err)
		}
		for _, r := range q.required {
			if !contains(params, r) {
				return connectors.Invalid(key, "must use :%s", r)
			}
		}
		*q.dst = &statement{cp: q.cp, sql: text, params: params}
	}
	if err := c.provisionMore(); err != nil {
		return err
	}

	switch c.Driver {
	case Postgres:
		cfg, perr := pgx.ParseConfig(c.DSN.Reveal())
		if perr != nil {
			// pgx's message may quote the DSN: say only what is wrong.
			return connectors.Invalid("dsn", "not a valid PostgreSQL connection string")
		}
		c.db = stdlib.OpenDB(*cfg)
	case SQLite:
		dsn := c.DSN.Reveal()
		if !strings.HasPrefix(dsn, "file:") && dsn != ":memory:" && !filepath.IsAbs(dsn) && env.BaseDir != "" {
			dsn = filepath.Join(env.BaseDir, dsn)
		}
		c.db, err = stdsql.Open("sqlite", dsn)
		if err != nil {
			return connectors.Invalid("dsn", "cannot open the SQLite database")
		}
	}
	maxOpen := c.MaxOpenConns
	if maxOpen == 0 {
		maxOpen = 10
	}
	c.db.SetMaxOpenConns(maxOpen)
	if c.MaxIdleConns > 0 {
		c.db.SetMaxIdleConns(c.MaxIdleConns)
	}
	c.db.SetConnMaxLifetime(c.ConnMaxLifetime)
	return nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// Close closes the connection pool.
func (c *Connector) Close() error {
	if c.db == nil {
		return nil
	}
	return c.db.Close()
}

// values are what a call binds to the placeholders.
type values struct {
	keys         []string
	since, until time.Time
	limit        int
	cursor       string
	ids          map[string][]string         // lookup: values by placeholder (:emails...)
	msg          *connectors.OutboundMessage // send: the message
}

// sqliteTime is the text form of times bound for SQLite: RFC 3339 in UTC,
// whole seconds, so that it compares as text with stored values of the same
// form.
const sqliteTime = "2006-01-02T15:04:05Z"

func (c *Connector) args(st *statement, v values) ([]any, error) {
	args := make([]any, len(st.params))
	for i, p := range st.params {
		switch p {
		case PKeys:
			a, err := c.list(v.keys)
			if err != nil {
				return nil, err
			}
			args[i] = a
		case PSince, PUntil:
			t := v.since
			if p == PUntil {
				t = v.until
			}
			switch {
			case t.IsZero():
				args[i] = nil
			case c.Driver == Postgres:
				args[i] = t
			case p == PSince: // round the inclusive bounds outwards
				args[i] = t.UTC().Truncate(time.Second).Format(sqliteTime)
			default:
				u := t.UTC()
				if u.Truncate(time.Second) != u {
					u = u.Truncate(time.Second).Add(time.Second)
				}
				args[i] = u.Format(sqliteTime)
			}
		case PLimit:
			args[i] = int64(v.limit)
		case PCursor:
			args[i] = v.cursor
		default:
			a, err := c.moreArg(p, v)
			if err != nil {
				return nil, err
			}
			args[i] = a
		}
	}
	return args, nil
}

// list binds a list of strings: a text array for postgres (= ANY(:keys)),
// a JSON array for sqlite (IN (SELECT value FROM json_each(:keys))).
func (c *Connector) list(vals []string) (any, error) {
	if c.Driver == Postgres {
		if vals == nil {
			vals = []string{}
		}
		return vals, nil
	}
	if vals == nil {
		return "[]", nil
	}
	b, err := json.Marshal(vals)
	if err != nil {
		return nil, err
	}
	return string(b), nil
}

// querier is a pool or a transaction.
type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*stdsql.Rows, error)
}

// query runs st and hands every row, as column name → value, to row.
func (c *Connector) query(ctx context.Context, st *statement, v values, check func(cols []string) error, row func(vals map[string]any) error) error {
	// The driver's goroutines see only this derived context, ended before
	// the call returns, never the caller's.
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	return c.queryOn(ctx, c.db, st, v, check, row)
}

// queryOn is query on a pool or transaction whose context the caller
// derived and ends.
func (c *Connector) queryOn(ctx context.Context, q querier, st *statement, v values, check func(cols []string) error, row func(vals map[string]any) error) error {
	args, err := c.args(st, v)
	if err != nil {
		return connectors.Errorf(connectors.CodeInternal, "%s query: cannot bind the parameters", st.cp)
	}
	rows, err := q.QueryContext(ctx, st.sql, args...)
	if err != nil {
		return classify(ctx, c.Driver, st.cp, err)
	}
	defer func() { _ = rows.Close() }() // a failed read is reported by rows.Err below
	cols, err := rows.Columns()
	if err != nil {
		return classify(ctx, c.Driver, st.cp, err)
	}
	for i := range cols {
		cols[i] = strings.ToLower(cols[i])
	}
	if err := check(cols); err != nil {
		return connectors.Errorf(connectors.CodeBadResponse, "%s query: %v", st.cp, err)
	}
	raw := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range raw {
		ptrs[i] = &raw[i]
	}
	n := 0
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return connectors.Errorf(connectors.CodeBadResponse, "%s query: row %d: cannot read the columns", st.cp, n)
		}
		vals := make(map[string]any, len(cols))
		for i, col := range cols {
			vals[col] = raw[i]
		}
		if err := row(vals); err != nil {
			return connectors.Errorf(connectors.CodeBadResponse, "%s query: row %d: %v", st.cp, n, err)
		}
		n++
	}
	if err := rows.Err(); err != nil {
		return classify(ctx, c.Driver, st.cp, err)
	}
	return nil
}

func unconfigured(cp connectors.Capability) error {
	return connectors.Errorf(connectors.CodeInternal, "sql connector has no %s query configured", cp)
}

// Profiles implements connectors.ProfileSource.
func (c *Connector) Profiles(ctx context.Context, keys []string) ([]*connectors.Profile, error) {
	if c.profiles == nil {
		return nil, unconfigured(connectors.CapProfiles)
	}
	if len(keys) == 0 {
		return []*connectors.Profile{}, nil
	}
	var list []connectors.Profile
	err := c.query(ctx, c.profiles, values{keys: keys}, checkProfileColumns, func(vals map[string]any) error {
		p, err := profileRow(vals)
		if err != nil {
			return err
		}
		list = append(list, p)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return jsonmap.AlignProfiles(keys, list), nil
}

// ListPageSize implements connectors.ListPageSizer: list_profiles.page_size.
func (c *Connector) ListPageSize() int {
	if q := c.Config.ListProfiles; q != nil && q.PageSize > 0 {
		return q.PageSize
	}
	return connectors.DefaultListPageSize
}

// ListProfiles implements connectors.ProfileLister. Pages are keyed by the
// last row's key: the query returns rows with key > :cursor ordered by key,
// at most :limit of them. Only an empty page ends the listing (see
// ListQuery).
func (c *Connector) ListProfiles(ctx context.Context, cursor string, limit int) (connectors.ProfilePage, error) {
	if c.listProfiles == nil {
		return connectors.ProfilePage{}, unconfigured(connectors.CapListProfiles)
	}
	if limit <= 0 {
		return connectors.ProfilePage{}, connectors.Errorf(connectors.CodeInternal, "list_profiles: limit must be positive")
	}
	var list []connectors.Profile
	err := c.query(ctx, c.listProfiles, values{cursor: cursor, limit: limit}, checkProfileColumns, func(vals map[string]any) error {
		p, err := profileRow(vals)
		if err != nil {
			return err
		}
		list = append(list, p)
		return nil
	})
	if err != nil {
		return connectors.ProfilePage{}, err
	}
	if len(list) > limit {
		list = list[:limit]
	}
	page := connectors.ProfilePage{Profiles: list}
	if len(list) > 0 {
		page.Next = list[len(list)-1].Key
		if page.Next == cursor {
			return connectors.ProfilePage{}, connectors.Errorf(connectors.CodeBadResponse,
				"list_profiles query: the page does not advance (filter key > :cursor and ORDER BY key)")
		}
	}
	return page, nil
}

// Orders implements connectors.OrderSource.
func (c *Connector) Orders(ctx context.Context, keys []string, w connectors.Window) ([][]connectors.Order, error) {
	if c.orders == nil {
		return nil, unconfigured(connectors.CapOrders)
	}
	if len(keys) == 0 {
		return [][]connectors.Order{}, nil
	}
	var list []connectors.Order
	v := values{keys: keys, since: w.Since, until: w.Until, limit: w.Limit}
	err := c.query(ctx, c.orders, v, checkOrderColumns, func(vals map[string]any) error {
		o, err := orderRow(vals)
		if err != nil {
			return err
		}
		list = append(list, o)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return jsonmap.AlignOrders(keys, list, w), nil
}

// Interactions implements connectors.InteractionSource.
func (c *Connector) Interactions(ctx context.Context, keys []string, w connectors.Window) ([][]connectors.Interaction, error) {
	if c.interactions == nil {
		return nil, unconfigured(connectors.CapInteractions)
	}
	if len(keys) == 0 {
		return [][]connectors.Interaction{}, nil
	}
	var list []connectors.Interaction
	v := values{keys: keys, since: w.Since, until: w.Until, limit: w.Limit}
	err := c.query(ctx, c.interactions, v, checkInteractionColumns, func(vals map[string]any) error {
		it, err := interactionRow(vals)
		if err != nil {
			return err
		}
		list = append(list, it)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return jsonmap.AlignInteractions(keys, list, w), nil
}

// Format implements fmt.Formatter: every verb prints the same short
// description, never the DSN nor the pool's internals (which hold the
// parsed password).
func (c *Connector) Format(f fmt.State, _ rune) {
	_, _ = fmt.Fprintf(f, "sql connector{driver: %s, capabilities: %v}", c.Driver, c.Capabilities())
}
