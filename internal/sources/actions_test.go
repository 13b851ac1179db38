package sources_test

import (
	"context"
	"errors"
	"slices"
	"sync/atomic"
	"testing"

	"github.com/harmonyhq/harmony/connectors"
	"github.com/harmonyhq/harmony/internal/sources"
)

// sender is a connectors.MessageSender that answers each message by its
// key: "bad" is refused on its own, "panic" panics, and fail (when set)
// fails every call.
type sender struct {
	calls    atomic.Int64
	batches  [][]string
	fail     error
	channels []string
	short    bool // answer one result too few
}

func (s *sender) Close() error { return nil }

func (s *sender) SendChannels() []string { return s.channels }

func (s *sender) SendMessages(_ context.Context, msgs []connectors.OutboundMessage) ([]connectors.SendResult, error) {
	s.calls.Add(1)
	var keys []string
	for _, m := range msgs {
		keys = append(keys, m.CustomerKey)
	}
	s.batches = append(s.batches, keys)
	if s.fail != nil {
		return nil, s.fail
	}
	out := make([]connectors.SendResult, len(msgs))
	for i, m := range msgs {
		switch m.CustomerKey {
		case "bad":
			out[i].Err = connectors.Errorf(connectors.CodeRejected, "message %d refused", i)
		case "panic":
			panic("boom")
		default:
			out[i] = connectors.SendResult{MessageID: "id-" + m.CustomerKey, Status: "queued"}
		}
	}
	if s.short {
		out = out[1:]
	}
	return out, nil
}

func outbound(keys ...string) []connectors.OutboundMessage {
	var out []connectors.OutboundMessage
	for _, k := range keys {
		out = append(out, connectors.OutboundMessage{CustomerKey: k, Channel: connectors.ChannelChat, Body: "hi"})
	}
	return out
}

func TestSendMessagesGuard(t *testing.T) {
	tests := []struct {
		name     string
		conn     *sender
		maxBatch int
		keys     []string
		calls    int64
		code     connectors.Code // of the call, "" for success
		ids      []string        // message IDs, "" for a refused message
	}{
		{"chunks go out one after another, aligned", &sender{}, 2, []string{"a", "b", "c"}, 2, "", []string{"id-a", "id-b", "id-c"}},
		{"a refused message does not fail the others", &sender{}, 10, []string{"a", "bad", "c"}, 1, "", []string{"id-a", "", "id-c"}},
		{"an unavailable system is never retried", &sender{fail: connectors.Errorf(connectors.CodeUnavailable, "down")}, 10, []string{"a"}, 1, connectors.CodeUnavailable, nil},
		{"a timeout is never retried", &sender{fail: connectors.Errorf(connectors.CodeTimeout, "slow")}, 10, []string{"a"}, 1, connectors.CodeTimeout, nil},
		{"misaligned results are a bad response", &sender{short: true}, 10, []string{"a", "b"}, 1, connectors.CodeBadResponse, nil},
		{"a panic is a connector failure", &sender{}, 10, []string{"panic"}, 1, connectors.CodeInternal, nil},
		{"the first failing chunk stops the rest", &sender{fail: connectors.Errorf(connectors.CodeRejected, "no")}, 1, []string{"a", "b"}, 1, connectors.CodeRejected, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := sources.New("helpdesk", "test", tt.conn, fast(sources.Options{Retries: 3, MaxBatch: tt.maxBatch}), nil, nil)
			if !src.Has(connectors.CapSend) {
				t.Fatalf("capabilities = %v", src.Capabilities())
			}
			out, err := src.SendMessages(t.Context(), outbound(tt.keys...))
			if got := tt.conn.calls.Load(); got != tt.calls {
				t.Errorf("%d calls, want %d", got, tt.calls)
			}
			if len(out) != len(tt.keys) {
				t.Fatalf("%d results for %d messages", len(out), len(tt.keys))
			}
			if tt.code != "" {
				var ce *connectors.Error
				ok := errors.As(err, &ce)
				if !ok || ce.Code != tt.code || ce.Connector != "helpdesk" || ce.Capability != connectors.CapSend {
					t.Fatalf("error = %#v, want %s from helpdesk send", err, tt.code)
				}
				for i, r := range out {
					if r.Err == nil {
						t.Errorf("result[%d] has no error after a failed call", i)
					}
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			for i, want := range tt.ids {
				r := out[i]
				if r.MessageID != want || (want == "") != (r.Err != nil) {
					t.Errorf("result[%d] = %+v, want id %q", i, r, want)
				}
				if r.Err != nil && (r.Err.Connector != "helpdesk" || r.Err.Capability != connectors.CapSend) {
					t.Errorf("result[%d].Err = %#v, not classified as the source's", i, r.Err)
				}
			}
		})
	}
}

func TestSendChannels(t *testing.T) {
	tests := []struct {
		name string
		conn connectors.Connector
		want []string
	}{
		{"reported channels", &sender{channels: []string{"whatsapp"}}, []string{"whatsapp"}},
		{"every channel when none reported", &allChannels{}, connectors.SendChannels},
		{"nothing when it cannot send", &fake{}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := sources.New("x", "test", tt.conn, sources.Options{}, nil, nil)
			if got := src.SendChannels(); !slices.Equal(got, tt.want) {
				t.Errorf("SendChannels() = %v, want %v", got, tt.want)
			}
		})
	}
	if _, err := sources.New("x", "test", &fake{}, sources.Options{}, nil, nil).SendMessages(t.Context(), outbound("a")); connectors.CodeOf(err) != connectors.CodeInternal {
		t.Errorf("SendMessages on a source that cannot send: %v", err)
	}
}

// allChannels sends on every channel: it reports none.
type allChannels struct{}

func (allChannels) Close() error { return nil }

func (allChannels) SendMessages(_ context.Context, msgs []connectors.OutboundMessage) ([]connectors.SendResult, error) {
	return make([]connectors.SendResult, len(msgs)), nil
}
