// Package pos simulates a physical store chain's point-of-sale database:
// the gateway reads it with SQL, as it would a real one. The same logical
// schema is served by two backends:
//
//   - SQLite (NewSQLite, for the demo): a file created or replaced at a
//     path; DSN() is a modernc.org/sqlite DSN ("file:///path?..."). Times are
//     TEXT in RFC 3339 UTC ("2026-01-02T15:04:05Z"), so they sort and
//     compare as strings. Statement counting and latency or outage
//     injection are not supported for SQLite (the client opens the file
//     itself): Count, Counts and Total return zero and SetLatency and
//     SetDown do nothing.
//   - PostgreSQL (NewPostgres, for tests and benchmarks): a fresh, uniquely
//     named schema ("pos_<hex>") in the given database, dropped by Close.
//     Times are timestamptz. DSN() is a postgres:// URL with
//     sslmode=disable and search_path=<schema> that points at a counting
//     TCP proxy on 127.0.0.1:0 in front of the real server. The proxy reads
//     the PostgreSQL frontend protocol and counts every statement (each
//     simple Query and each Execute message) under route "query", except
//     the "-- ping" keepalives drivers send; it can delay each statement
//     (SetLatency) and drop and refuse connections (SetDown).
//
// Schema:
//
//	customers(id TEXT PRIMARY KEY, loyalty_card TEXT, first_name TEXT, last_name TEXT,
//	          phone TEXT, email TEXT, home_store TEXT, updated_at)
//	sales(id TEXT PRIMARY KEY, customer_id TEXT NOT NULL, store TEXT, sold_at,
//	      total_cents BIGINT, currency TEXT, status TEXT, items TEXT)
//	index sales(customer_id, sold_at DESC); indexes on customers(loyalty_card),
//	customers(email), customers(phone)
//
// Customer ids look like "P-000123", sale ids "S-00000123". items is a JSON
// array [{"sku","name","quantity","unit_cents"}]. Missing phone or e-mail
// is NULL. Phones are as the tills typed them: French numbers in national
// digits ("0612345678"), foreign ones in E.164; e-mail sometimes
// upper-case; last names sometimes upper-case.
package pos
