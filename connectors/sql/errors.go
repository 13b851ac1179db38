package sql

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
	"modernc.org/sqlite"

	"github.com/harmonyhq/harmony/connectors"
)

// classify turns a database error into a *connectors.Error. Database
// messages can quote values (keys, row data), so the text keeps only the
// SQLSTATE or SQLite result code.
func classify(ctx context.Context, drv string, cp connectors.Capability, err error) *connectors.Error {
	what := string(cp) + " query"
	if cerr := ctx.Err(); cerr != nil {
		if errors.Is(cerr, context.DeadlineExceeded) {
			return connectors.NewError(connectors.CodeTimeout, fmt.Errorf("%s: %w", what, cerr))
		}
		return connectors.NewError(connectors.CodeUnavailable, fmt.Errorf("%s: %w", what, cerr))
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return connectors.NewError(connectors.CodeTimeout, fmt.Errorf("%s: %w", what, context.DeadlineExceeded))
	}

	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		if strings.HasPrefix(pgErr.Code, "42") {
			// Class 42 (syntax error, undefined table or column) is about
			// the configured query, never about row data: its message is
			// what the integrator needs.
			return connectors.Errorf(pgCode(pgErr.Code), "%s: SQLSTATE %s: %s", what, pgErr.Code, pgErr.Message)
		}
		return connectors.Errorf(pgCode(pgErr.Code), "%s: SQLSTATE %s", what, pgErr.Code)
	}
	var connectErr *pgconn.ConnectError
	if errors.As(err, &connectErr) {
		// A server refusing the login answers with a PgError inside.
		if errors.As(connectErr.Unwrap(), &pgErr) {
			return connectors.Errorf(pgCode(pgErr.Code), "%s: cannot connect: SQLSTATE %s", what, pgErr.Code)
		}
		return connectors.Errorf(connectors.CodeUnavailable, "%s: cannot connect to the database", what)
	}
	var sqliteErr *sqlite.Error
	if errors.As(err, &sqliteErr) {
		code := sqliteErr.Code()
		if code&0xff == sqliteError {
			// SQLITE_ERROR is a problem of the query (no such table, syntax
			// error): its message names schema objects, not data.
			return connectors.Errorf(sqliteCode(code), "%s: %s: %s", what, sqliteName(code), sqliteErr.Error())
		}
		return connectors.Errorf(sqliteCode(code), "%s: SQLite error %s", what, sqliteName(code))
	}
	var netErr net.Error
	switch {
	case errors.As(err, &netErr), errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF),
		errors.Is(err, driver.ErrBadConn), errors.Is(err, net.ErrClosed):
		return connectors.Errorf(connectors.CodeUnavailable, "%s: connection lost", what)
	}
	if pgconn.Timeout(err) {
		return connectors.Errorf(connectors.CodeTimeout, "%s: timed out", what)
	}
	return connectors.Errorf(connectors.CodeUnavailable, "%s: %s failed", what, drv)
}

// pgCode maps a SQLSTATE to a code by its class.
func pgCode(state string) connectors.Code {
	switch {
	case state == "42501": // insufficient_privilege
		return connectors.CodeUnauthorized
	case state == "57014": // query_canceled (statement_timeout)
		return connectors.CodeTimeout
	case strings.HasPrefix(state, "28"): // invalid authorization
		return connectors.CodeUnauthorized
	case strings.HasPrefix(state, "08"), // connection exception
		strings.HasPrefix(state, "53"), // insufficient resources
		strings.HasPrefix(state, "57"), // operator intervention (shutdown)
		strings.HasPrefix(state, "58"), // system error
		strings.HasPrefix(state, "40"): // transaction rollback (serialization, deadlock)
		return connectors.CodeUnavailable
	case strings.HasPrefix(state, "42"), // syntax error or access rule violation
		strings.HasPrefix(state, "22"), // data exception (a key the column type refuses)
		strings.HasPrefix(state, "3D"), // invalid catalog name
		strings.HasPrefix(state, "3F"): // invalid schema name
		return connectors.CodeRejected
	}
	return connectors.CodeUnavailable
}

// SQLite primary result codes.
const (
	sqliteError     = 1
	sqlitePerm      = 3
	sqliteBusy      = 5
	sqliteLocked    = 6
	sqliteInterrupt = 9
	sqliteIOErr     = 10
	sqliteCorrupt   = 11
	sqliteCantOpen  = 14
	sqliteAuth      = 23
	sqliteNotADB    = 26
)

func sqliteCode(code int) connectors.Code {
	switch code & 0xff {
	case sqlitePerm, sqliteAuth:
		return connectors.CodeUnauthorized
	case sqliteError:
		return connectors.CodeRejected
	case sqliteInterrupt:
		return connectors.CodeTimeout
	}
	return connectors.CodeUnavailable
}

func sqliteName(code int) string {
	names := map[int]string{
		sqliteError: "SQLITE_ERROR", sqlitePerm: "SQLITE_PERM", sqliteBusy: "SQLITE_BUSY", sqliteLocked: "SQLITE_LOCKED",
		sqliteInterrupt: "SQLITE_INTERRUPT", sqliteIOErr: "SQLITE_IOERR", sqliteCorrupt: "SQLITE_CORRUPT",
		sqliteCantOpen: "SQLITE_CANTOPEN", sqliteAuth: "SQLITE_AUTH", sqliteNotADB: "SQLITE_NOTADB",
	}
	if n, ok := names[code&0xff]; ok {
		return n
	}
	return fmt.Sprintf("code %d", code)
}
