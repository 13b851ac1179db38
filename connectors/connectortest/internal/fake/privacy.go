package fake

import (
	"context"
	"encoding/json"
	"slices"
	"strconv"

	"github.com/harmonyhq/harmony/connectors"
)

// emails are the identifiers the fake's lookup searches.
var emails = map[string]string{"ana@example.com": "k1", "bea@example.com": "k2", "cid@example.com": "k3"}

func (u *Upstream) isErased(key string) bool {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.erased[key]
}

// SentTo reports a sent message's recipient.
func (u *Upstream) SentTo(id string) (string, bool) {
	u.mu.Lock()
	defer u.mu.Unlock()
	to, ok := u.sent[id]
	return to, ok
}

// FindProfiles implements connectors.ProfileFinder.
func (c *Conn) FindProfiles(ctx context.Context, ids []connectors.Identifier) ([]connectors.Profile, error) {
	if err := c.wait(ctx); err != nil {
		return nil, err
	}
	out := []connectors.Profile{}
	for _, id := range ids {
		k, ok := emails[id.Value]
		if !ok || id.Kind != connectors.IdentifierEmail || c.Up.isErased(k) {
			continue
		}
		if c.Bug != "lookup_duplicates" && slices.ContainsFunc(out, func(p connectors.Profile) bool { return p.Key == k }) {
			continue
		}
		out = append(out, connectors.Profile{Key: k, Fields: map[string]string{"email": id.Value}})
	}
	return out, nil
}

// Erase implements connectors.Eraser.
func (c *Conn) Erase(ctx context.Context, keys []string) ([]connectors.EraseResult, error) {
	if err := c.wait(ctx); err != nil {
		return nil, err
	}
	c.Up.mu.Lock()
	defer c.Up.mu.Unlock()
	if c.Up.erased == nil {
		c.Up.erased = map[string]bool{}
	}
	out := make([]connectors.EraseResult, len(keys))
	for i, k := range keys {
		_, held := profiles[k]
		out[i].Found = held && !c.Up.erased[k]
		if held {
			c.Up.erased[k] = true
		}
	}
	if c.Bug == "erases_all" {
		for k := range profiles {
			c.Up.erased[k] = true
		}
	}
	return out, nil
}

// Export implements connectors.Exporter.
func (c *Conn) Export(ctx context.Context, keys []string) ([]json.RawMessage, error) {
	if err := c.wait(ctx); err != nil {
		return nil, err
	}
	out := make([]json.RawMessage, len(keys))
	n := 0
	for i, k := range keys {
		name, ok := profiles[k]
		if !ok || c.Up.isErased(k) {
			continue
		}
		doc, _ := json.Marshal(map[string]string{"key": k, "name": name})
		if c.Bug == "export_positional" {
			out[n] = doc // packed at the front, as a list would come back
			n++
			continue
		}
		out[i] = doc
	}
	return out, nil
}

// SendChannels implements connectors.ChannelSender.
func (c *Conn) SendChannels() []string { return []string{connectors.ChannelEmail} }

// SendMessages implements connectors.MessageSender.
func (c *Conn) SendMessages(ctx context.Context, msgs []connectors.OutboundMessage) ([]connectors.SendResult, error) {
	if err := c.wait(ctx); err != nil {
		return nil, err
	}
	c.Up.mu.Lock()
	defer c.Up.mu.Unlock()
	if c.Up.sent == nil {
		c.Up.sent = map[string]string{}
	}
	out := make([]connectors.SendResult, len(msgs))
	for i, m := range msgs {
		if m.Channel != connectors.ChannelEmail && c.Bug != "sends_anywhere" {
			out[i].Err = connectors.Errorf(connectors.CodeRejected, "message %d: channel not served", i)
			continue
		}
		id := "m" + strconv.Itoa(len(c.Up.sent)+1)
		c.Up.sent[id] = m.CustomerKey
		out[i] = connectors.SendResult{MessageID: id, Status: "sent"}
	}
	if c.Bug == "send_misaligned" {
		slices.Reverse(out)
	}
	return out, nil
}
