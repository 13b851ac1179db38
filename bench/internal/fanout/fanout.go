// Package fanout is the benchmark's baseline: the upstream HTTP calls one
// gateway operation made, replayed all at once from plain Go with no
// GraphQL, no loaders and no profile store. Its latency is the physical
// limit the gateway is compared with.
package fanout

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"

	"github.com/harmonyhq/harmony/bench/internal/gateway"
)

// Fanout replays a recorded set of calls.
type Fanout struct {
	Client *http.Client
	Calls  []gateway.Call
}

// Do sends every call concurrently, reads every answer to the end and
// fails if any call fails or answers other than 2xx.
func (f *Fanout) Do(ctx context.Context) error {
	errs := make([]error, len(f.Calls))
	var wg sync.WaitGroup
	for i, c := range f.Calls {
		wg.Go(func() { errs[i] = f.one(ctx, c) })
	}
	wg.Wait()
	return errors.Join(errs...)
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
