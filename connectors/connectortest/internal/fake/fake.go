// Package fake is an in-memory connector with switchable bugs, used to
// check that connectortest catches them.
package fake

import (
	"context"
	"errors"
	"slices"
	"sync"
	"time"

	"github.com/harmonyhq/harmony/connectors"
)

// Secret is the credential the fake "uses".
const Secret = "fake-s3cr3t-token"

// Upstream is the fake system: a few profiles and orders, breakable and
// blockable.
type Upstream struct {
	mu      sync.Mutex
	broken  bool
	blocked chan struct{}
	erased  map[string]bool   // profiles erased
	sent    map[string]string // message ID → recipient
}

// Break makes calls fail.
func (u *Upstream) Break() { u.mu.Lock(); u.broken = true; u.mu.Unlock() }

// Heal undoes Break.
func (u *Upstream) Heal() { u.mu.Lock(); u.broken = false; u.mu.Unlock() }

// Block makes calls hang until release.
func (u *Upstream) Block() func() {
	ch := make(chan struct{})
	u.mu.Lock()
	u.blocked = ch
	u.mu.Unlock()
	var once sync.Once
	return func() { once.Do(func() { u.mu.Lock(); u.blocked = nil; u.mu.Unlock(); close(ch) }) }
}

var profiles = map[string]string{"k1": "Ana", "k2": "Bea", "k3": "Cid"}

var orders = []connectors.Order{
	{ID: "o1", CustomerKey: "k1", PlacedAt: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)},
	{ID: "o2", CustomerKey: "k1", PlacedAt: time.Date(2024, 1, 2, 0, 0, 0, 0, time.UTC)},
	{ID: "o3", CustomerKey: "k1", PlacedAt: time.Date(2024, 1, 3, 0, 0, 0, 0, time.UTC)},
	{ID: "o4", CustomerKey: "k2", PlacedAt: time.Date(2024, 1, 4, 0, 0, 0, 0, time.UTC)},
}

// Conn is the fake connector; Bug names the misbehaviour to show ("" for
// none).
type Conn struct {
	Bug   string
	Token connectors.Secret
	Up    *Upstream
}

// Close implements connectors.Connector.
func (c *Conn) Close() error { return nil }

// wait is the upstream round trip.
func (c *Conn) wait(ctx context.Context) error {
	c.Up.mu.Lock()
	broken, blocked := c.Up.broken, c.Up.blocked
	c.Up.mu.Unlock()
	if blocked != nil {
		if c.Bug == "ignores_ctx" {
			<-blocked
		} else {
			select {
			case <-blocked:
			case <-ctx.Done():
				return connectors.NewError(connectors.CodeTimeout, ctx.Err())
			}
		}
	}
	if broken {
		switch c.Bug {
		case "plain_error":
			return errors.New("upstream down")
		case "leaks_secret":
			return connectors.Errorf(connectors.CodeUnavailable, "GET /x?token=%s: status 503", c.Token.Reveal())
		}
		return connectors.Errorf(connectors.CodeUnavailable, "GET /x: status 503")
	}
	if c.Bug == "keeps_ctx" {
		go func() {
			time.Sleep(5 * time.Millisecond)
			<-ctx.Done()
		}()
	}
	return nil
}

// Profiles implements connectors.ProfileSource.
func (c *Conn) Profiles(ctx context.Context, keys []string) ([]*connectors.Profile, error) {
	if err := c.wait(ctx); err != nil {
		return nil, err
	}
	out := make([]*connectors.Profile, len(keys))
	if c.Bug == "positional" {
		// Answers in the upstream's order, as if aligned by position.
		var found []string
		for k := range profiles {
			if slices.Contains(keys, k) {
				found = append(found, k)
			}
		}
		slices.Sort(found)
		for i, k := range found {
			out[i] = &connectors.Profile{Key: k, Fields: map[string]string{"given_name": profiles[k]}}
		}
		return out, nil
	}
	for i, k := range keys {
		name, ok := profiles[k]
		if c.Up.isErased(k) {
			ok = false
		}
		if !ok {
			if c.Bug == "fills_missing" {
				out[i] = &connectors.Profile{Key: k}
			}
			continue
		}
		out[i] = &connectors.Profile{Key: k, Fields: map[string]string{"given_name": name}}
	}
	return out, nil
}

// Orders implements connectors.OrderSource.
func (c *Conn) Orders(ctx context.Context, keys []string, w connectors.Window) ([][]connectors.Order, error) {
	if err := c.wait(ctx); err != nil {
		return nil, err
	}
	out := make([][]connectors.Order, len(keys))
	for i, k := range keys {
		for _, o := range orders {
			if o.CustomerKey == k && (c.Bug == "ignores_window" || w.Contains(o.PlacedAt)) {
				out[i] = append(out[i], o)
			}
		}
		if c.Bug != "oldest_first" {
			slices.Reverse(out[i])
		}
		if c.Bug != "ignores_window" && len(out[i]) > w.Limit {
			out[i] = out[i][:w.Limit]
		}
	}
	return out, nil
}
