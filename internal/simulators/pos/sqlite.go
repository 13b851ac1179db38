package pos

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	_ "modernc.org/sqlite" // registers the "sqlite" driver

	"github.com/harmonyhq/harmony/internal/simulators/population"
)

// NewSQLite creates (or replaces) a SQLite POS database at path, filled
// from pop.
func NewSQLite(ctx context.Context, path string, pop *population.Population) (*DB, error) {
	if pop == nil {
		return nil, errors.New("pos sqlite: nil population")
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("pos sqlite: %w", err)
	}
	for _, suffix := range []string{"", "-journal", "-wal", "-shm"} {
		if err := os.Remove(abs + suffix); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("pos sqlite: replace file: %w", err)
		}
	}
	db, err := sql.Open("sqlite", abs)
	if err != nil {
		return nil, fmt.Errorf("pos sqlite: open: %w", err)
	}
	defer func() { _ = db.Close() }() // on the error paths; the Close below reports
	if err := fillSQLite(ctx, db, pop); err != nil {
		return nil, fmt.Errorf("pos sqlite: %w", err)
	}
	if err := db.Close(); err != nil {
		return nil, fmt.Errorf("pos sqlite: close: %w", err)
	}
	u := url.URL{Scheme: "file", Path: abs, RawQuery: "_pragma=busy_timeout(5000)"}
	return &DB{backend: BackendSQLite, path: abs, dsn: u.String()}, nil
}

func fillSQLite(ctx context.Context, db *sql.DB, pop *population.Population) error {
	customers, sales, err := rows(pop)
	if err != nil {
		return err
	}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer func() { _ = tx.Rollback() }()
	for _, stmt := range schemaSQL {
		if _, err := tx.ExecContext(ctx, expand(stmt, "", "TEXT")); err != nil {
			return fmt.Errorf("create table: %w", err)
		}
	}
	insC, err := tx.PrepareContext(ctx, insertSQL("customers", customerColumns))
	if err != nil {
		return fmt.Errorf("prepare: %w", err)
	}
	for _, c := range customers {
		if _, err := insC.ExecContext(ctx, c.id, c.loyaltyCard, c.firstName, c.lastName, c.phone, c.email, c.homeStore, sqlTime(c.updatedAt)); err != nil {
			return fmt.Errorf("insert customer: %w", err)
		}
	}
	insS, err := tx.PrepareContext(ctx, insertSQL("sales", saleColumns))
	if err != nil {
		return fmt.Errorf("prepare: %w", err)
	}
	for _, s := range sales {
		if _, err := insS.ExecContext(ctx, s.id, s.customerID, s.store, sqlTime(s.soldAt), s.totalCents, s.currency, s.status, s.items); err != nil {
			return fmt.Errorf("insert sale: %w", err)
		}
	}
	for _, stmt := range indexSQL {
		if _, err := tx.ExecContext(ctx, expand(stmt, "", "TEXT")); err != nil {
			return fmt.Errorf("create index: %w", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// expand fills a schema statement's table prefix and time type.
func expand(stmt, prefix, timeType string) string {
	return strings.NewReplacer("{S}", prefix, "{T}", timeType).Replace(stmt)
}

func insertSQL(table string, cols []string) string {
	marks := strings.TrimSuffix(strings.Repeat("?, ", len(cols)), ", ")
	return "INSERT INTO " + table + " (" + strings.Join(cols, ", ") + ") VALUES (" + marks + ")"
}
