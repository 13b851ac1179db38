// Package fanout is the benchmark's baseline: the upstream HTTP calls and
// SQL reads one gateway operation made, replayed all at once from plain Go
// with no GraphQL, no loaders and no profile store. Its latency is the
// physical limit the gateway is compared with.
package fanout

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/harmonyhq/harmony/bench/internal/gateway"
)

// Fanout replays a recorded set of calls.
type Fanout struct {
	Client *http.Client
	Calls  []gateway.Call
	// DB runs SQL, the reads of the operation's sql connectors.
	DB  *pgxpool.Pool
	SQL []Statement
}

// Statement is one SQL read: a query in the driver's placeholders and its
// arguments.
type Statement struct {
	Query string
	Args  []any
}

// Do sends every call and runs every statement concurrently, reads every
// answer to the end and fails if any fails or answers other than 2xx.
func (f *Fanout) Do(ctx context.Context) error {
	errs := make([]error, len(f.Calls)+len(f.SQL))
	var wg sync.WaitGroup
	for i, c := range f.Calls {
		wg.Go(func() { errs[i] = f.one(ctx, c) })
	}
	for i, st := range f.SQL {
		wg.Go(func() { errs[len(f.Calls)+i] = f.query(ctx, st) })
	}
	wg.Wait()
	return errors.Join(errs...)
}

// query runs st and reads every row's values.
func (f *Fanout) query(ctx context.Context, st Statement) error {
	rows, err := f.DB.Query(ctx, st.Query, st.Args...)
	if err != nil {
		return fmt.Errorf("fan-out query: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		if _, err := rows.Values(); err != nil {
			return fmt.Errorf("fan-out row: %w", err)
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("fan-out rows: %w", err)
	}
	return nil
}

func (f *Fanout) one(ctx context.Context, c gateway.Call) error {
	var body io.Reader
	if c.Body != nil {
		body = bytes.NewReader(c.Body)
	}
	req, err := http.NewRequestWithContext(ctx, c.Method, c.URL, body)
	if err != nil {
		return fmt.Errorf("fan-out request: %w", err)
	}
	req.Header = c.Header.Clone()
	resp, err := f.Client.Do(req)
	if err != nil {
		return fmt.Errorf("fan-out call: %w", err)
	}
	defer func() { _ = resp.Body.Close() }()
	if _, err := io.Copy(io.Discard, resp.Body); err != nil {
		return fmt.Errorf("fan-out read: %w", err)
	}
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("fan-out call: status %d", resp.StatusCode)
	}
	return nil
}
