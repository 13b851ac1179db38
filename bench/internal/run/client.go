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

// client talks to one gateway: Harmony (the bench's child or `harmony
// serve`) or bramble.
type client struct {
	http     *http.Client
	base     string // http://addr
	endpoint string // the GraphQL path: /graphql, or /query for bramble
}

func newClient(addr, endpoint string) *client {
	return &client{base: "http://" + addr, endpoint: endpoint, http: &http.Client{
		Timeout:   60 * time.Second,
		Transport: &http.Transport{MaxIdleConnsPerHost: 256, MaxIdleConns: 256, IdleConnTimeout: 90 * time.Second},
	}}
}

type gqlAnswer struct {
	Errors []struct {
		Message string `json:"message"`
		Path    []any  `json:"path"`
	} `json:"errors"`
	Data map[string]json.RawMessage `json:"data"`
}

// check fails an answer with a GraphQL error or a null root field: the
// gateway did not find what it was asked for. The error says where, never
// what the answer held.
func (a *gqlAnswer) check() error {
	if len(a.Errors) > 0 {
		// The gateways' messages never echo input or data.
		return fmt.Errorf("graphql error at %v: %s", a.Errors[0].Path, a.Errors[0].Message)
	}
	if len(a.Data) == 0 {
		return errors.New("graphql answer without data")
	}
	for field, v := range a.Data {
		if string(v) == "null" {
			return fmt.Errorf("graphql answer: %s is null", field)
		}
	}
	return nil
}

// do runs one operation and fails on a non-200 answer, a GraphQL error or
// a null root field.
func (c *client) do(ctx context.Context, query string, vars map[string]any) error {
	body, err := json.Marshal(map[string]any{"query": query, "variables": vars})
	if err != nil {
		return fmt.Errorf("encode operation: %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.base+c.endpoint, bytes.NewReader(body))
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
	return a.check()
}

// opFunc returns the load.Op of op, cycling through targets for customer
// operations.
func (c *client) opFunc(op Operation, targets []target) func(ctx context.Context) error {
	var next atomic.Int64
	return func(ctx context.Context) error {
		if op.Vars == nil {
			return c.do(ctx, op.Query, nil)
		}
		t := targets[int(next.Add(1)-1)%len(targets)]
		return c.do(ctx, op.Query, op.Vars(t))
	}
}

// record runs fn while the bench's gateway child records its upstream
// calls and returns them.
func (c *client) record(ctx context.Context, fn func() error) (gateway.Recording, error) {
	if err := c.simple(ctx, http.MethodPost, "/_bench/record", nil); err != nil {
		return gateway.Recording{}, err
	}
	ferr := fn()
	var rec gateway.Recording
	if err := c.simple(ctx, http.MethodGet, "/_bench/record", &rec); err != nil {
		return rec, err
	}
	if ferr != nil {
		return rec, ferr
	}
	if len(rec.HTTP)+len(rec.SQL) == 0 {
		return rec, errors.New("the operation made no upstream call")
	}
	return rec, nil
}

// stats returns the bench gateway's store and loader figures.
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
