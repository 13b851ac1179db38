package run

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/harmonyhq/harmony/bench/internal/gateway"
)

// client talks to the child gateway.
type client struct {
	http *http.Client
	base string // http://addr
}

func newClient(addr string) *client {
	return &client{base: "http://" + addr, http: &http.Client{
		Timeout:   30 * time.Second,
		Transport: &http.Transport{MaxIdleConnsPerHost: 256, MaxIdleConns: 256, IdleConnTimeout: 90 * time.Second},
	}}
}

type gqlAnswer struct {
	Errors []struct {
		Message string `json:"message"`
		Path    []any  `json:"path"`
	} `json:"errors"`
}

// do runs one operation and fails on a non-200 answer or any GraphQL
// error. The error says where, never what the answer held.
func (c *client) do(ctx context.Context, query string, vars map[string]any) error {
	body, err := json.Marshal(map[string]any{"query": query, "variables": vars})
	if err != nil {
		return fmt.Errorf("encode operation: %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.base+"/graphql", bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("operation request: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.http.Do(req)
	if err != nil {
		return fmt.Errorf("operation: %w", err)
	}
	defer func() { _ = resp.Body.Close() }()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return fmt.Errorf("read answer: %w", err)
	}
	var a gqlAnswer
	if err := json.Unmarshal(b, &a); err != nil || resp.StatusCode != http.StatusOK {
		msg := ""
		if len(a.Errors) > 0 {
			msg = ": " + a.Errors[0].Message
		}
		return fmt.Errorf("operation: status %d%s", resp.StatusCode, msg)
	}
	if len(a.Errors) > 0 {
		// The gateway's messages never echo input or data.
		return fmt.Errorf("graphql error at %v: %s", a.Errors[0].Path, a.Errors[0].Message)
	}
	return nil
}

// opFunc returns the load.Op of op, cycling through ids for customer
// operations.
func (c *client) opFunc(op Operation, ids []string) func(ctx context.Context) error {
	var next atomic.Int64
	return func(ctx context.Context) error {
		if op.List {
			return c.do(ctx, op.Query, nil)
		}
		id := ids[int(next.Add(1)-1)%len(ids)]
		return c.do(ctx, op.Query, map[string]any{"id": id})
	}
}

// record runs fn while the gateway records its upstream calls and returns
// them.
func (c *client) record(ctx context.Context, fn func() error) ([]gateway.Call, error) {
	if err := c.simple(ctx, http.MethodPost, "/_bench/record", nil); err != nil {
		return nil, err
	}
	ferr := fn()
	var calls []gateway.Call
	if err := c.simple(ctx, http.MethodGet, "/_bench/record", &calls); err != nil {
		return nil, err
	}
	if ferr != nil {
		return nil, ferr
	}
	if len(calls) == 0 {
		return nil, errors.New("the operation made no upstream call")
	}
	return calls, nil
}

// stats returns the gateway's store figures.
func (c *client) stats(ctx context.Context) (gateway.Stats, error) {
	var s gateway.Stats
	err := c.simple(ctx, http.MethodGet, "/_bench/stats", &s)
	return s, err
}

func (c *client) simple(ctx context.Context, method, path string, into any) error {
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, nil)
	if err != nil {
		return fmt.Errorf("bench request: %w", err)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return fmt.Errorf("bench request %s: %w", path, err)
	}
	defer func() { _ = resp.Body.Close() }()
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("bench request %s: status %d", path, resp.StatusCode)
	}
	if into == nil {
		_, err = io.Copy(io.Discard, resp.Body)
		return err
	}
	if err := json.NewDecoder(resp.Body).Decode(into); err != nil {
		return fmt.Errorf("bench request %s: %w", path, err)
	}
	return nil
}
