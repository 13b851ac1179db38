package pos

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/harmonyhq/harmony/internal/simulators/population"
)

// DefaultPostgresDSN is the local test server.
const DefaultPostgresDSN = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"

// NewPostgres creates a fresh schema "pos_<random>" in the database of
// adminDSN, fills it from pop with COPY, and starts the counting proxy in
// front of the server. Close drops the schema.
func NewPostgres(ctx context.Context, adminDSN string, pop *population.Population) (*DB, error) {
	if pop == nil {
		return nil, errors.New("pos postgres: nil population")
	}
	cfg, err := pgx.ParseConfig(adminDSN)
	if err != nil {
		return nil, fmt.Errorf("pos postgres: parse dsn: %w", err)
	}
	suffix := make([]byte, 6)
	if _, err := rand.Read(suffix); err != nil {
		return nil, fmt.Errorf("pos postgres: schema name: %w", err)
	}
	schema := "pos_" + hex.EncodeToString(suffix)

	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("pos postgres: connect: %w", err)
	}
	defer func() { _ = conn.Close(context.WithoutCancel(ctx)) }()
	d := &DB{backend: BackendPostgres, schema: schema, admin: adminDSN}
	if err := fillPostgres(ctx, conn, schema, pop); err != nil {
		_ = d.dropSchema(context.WithoutCancel(ctx))
		return nil, fmt.Errorf("pos postgres: %w", err)
	}

	network, addr := "tcp", net.JoinHostPort(cfg.Host, strconv.Itoa(int(cfg.Port)))
	if strings.HasPrefix(cfg.Host, "/") {
		network, addr = "unix", fmt.Sprintf("%s/.s.PGSQL.%d", cfg.Host, cfg.Port)
	}
	if d.proxy, err = NewProxy(ctx, network, addr); err != nil {
		_ = d.dropSchema(context.WithoutCancel(ctx))
		return nil, err
	}
	u := url.URL{
		Scheme:   "postgres",
		User:     url.User(cfg.User),
		Host:     d.proxy.Addr(),
		Path:     "/" + cfg.Database,
		RawQuery: url.Values{"sslmode": {"disable"}, "search_path": {schema}}.Encode(),
	}
	if cfg.Password != "" {
		u.User = url.UserPassword(cfg.User, cfg.Password)
	}
	d.dsn = u.String()
	return d, nil
}

func fillPostgres(ctx context.Context, conn *pgx.Conn, schema string, pop *population.Population) error {
	customers, sales, err := rows(pop)
	if err != nil {
		return err
	}
	prefix := pgx.Identifier{schema}.Sanitize() + "."
	tx, err := conn.Begin(ctx)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer func() { _ = tx.Rollback(context.WithoutCancel(ctx)) }()
	if _, err := tx.Exec(ctx, "CREATE SCHEMA "+pgx.Identifier{schema}.Sanitize()); err != nil {
		return fmt.Errorf("create schema: %w", err)
	}
	for _, stmt := range schemaSQL {
		if _, err := tx.Exec(ctx, expand(stmt, prefix, "timestamptz")); err != nil {
			return fmt.Errorf("create table: %w", err)
		}
	}
	_, err = tx.CopyFrom(ctx, pgx.Identifier{schema, "customers"}, customerColumns,
		pgx.CopyFromSlice(len(customers), func(i int) ([]any, error) {
			c := customers[i]
			return []any{c.id, c.loyaltyCard, c.firstName, c.lastName, c.phone, c.email, c.homeStore, c.updatedAt}, nil
		}))
	if err != nil {
		return fmt.Errorf("copy customers: %w", err)
	}
	_, err = tx.CopyFrom(ctx, pgx.Identifier{schema, "sales"}, saleColumns,
		pgx.CopyFromSlice(len(sales), func(i int) ([]any, error) {
			s := sales[i]
			return []any{s.id, s.customerID, s.store, s.soldAt, s.totalCents, s.currency, s.status, s.items}, nil
		}))
	if err != nil {
		return fmt.Errorf("copy sales: %w", err)
	}
	for _, stmt := range indexSQL {
		if _, err := tx.Exec(ctx, expand(stmt, prefix, "timestamptz")); err != nil {
			return fmt.Errorf("create index: %w", err)
		}
	}
	for _, table := range []string{"customers", "sales"} {
		if _, err := tx.Exec(ctx, "ANALYZE "+prefix+table); err != nil {
			return fmt.Errorf("analyze: %w", err)
		}
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

func (d *DB) closePostgres() error {
	var errs []error
	if d.proxy != nil {
		errs = append(errs, d.proxy.Close())
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	errs = append(errs, d.dropSchema(ctx))
	return errors.Join(errs...)
}

// dropSchema drops the schema.
func (d *DB) dropSchema(ctx context.Context) error {
	conn, err := pgx.Connect(ctx, d.admin)
	if err != nil {
		return fmt.Errorf("pos postgres: drop schema: %w", err)
	}
	defer func() { _ = conn.Close(ctx) }()
	if _, err := conn.Exec(ctx, "DROP SCHEMA IF EXISTS "+pgx.Identifier{d.schema}.Sanitize()+" CASCADE"); err != nil {
		return fmt.Errorf("pos postgres: drop schema: %w", err)
	}
	return nil
}
