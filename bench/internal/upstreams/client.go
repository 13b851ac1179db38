package upstreams

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"
)

// Client drives the control API of an upstreams process.
type Client struct {
	Base string // http://host:port
	HTTP *http.Client
}

// Vars returns the gateways' configuration variables.
func (c *Client) Vars(ctx context.Context) (map[string]string, error) {
	var v map[string]string
	return v, c.do(ctx, http.MethodGet, "/vars", nil, &v)
}

// SetLatencies gives each named system its latency and the others none.
func (c *Client) SetLatencies(ctx context.Context, lat map[string]time.Duration) error {
	body := map[string]string{}
	for k, d := range lat {
		body[k] = d.String()
	}
	return c.do(ctx, http.MethodPost, "/latency", body, nil)
}

// Counts reads every system's counts.
func (c *Client) Counts(ctx context.Context) (Counts, error) {
	var v Counts
	return v, c.do(ctx, http.MethodGet, "/counts", nil, &v)
}

// Reset zeroes every count.
func (c *Client) Reset(ctx context.Context) error {
	return c.do(ctx, http.MethodPost, "/reset", nil, nil)
}

func (c *Client) do(ctx context.Context, method, path string, in, out any) error {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return fmt.Errorf("upstreams %s: %w", path, err)
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.Base+path, body)
	if err != nil {
		return fmt.Errorf("upstreams %s: %w", path, err)
	}
	hc := c.HTTP
	if hc == nil {
		hc = http.DefaultClient
	}
	resp, err := hc.Do(req)
	if err != nil {
		return fmt.Errorf("upstreams %s: %w", path, err)
	}
	defer func() { _ = resp.Body.Close() }()
	if resp.StatusCode/100 != 2 {
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		return fmt.Errorf("upstreams %s: status %d: %s", path, resp.StatusCode, bytes.TrimSpace(msg))
	}
	if out == nil {
		_, err = io.Copy(io.Discard, resp.Body)
		return err
	}
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		return fmt.Errorf("upstreams %s: %w", path, err)
	}
	return nil
}
