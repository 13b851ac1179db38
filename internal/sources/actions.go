package sources

import (
	"context"
	"slices"

	"github.com/harmonyhq/harmony/connectors"
)

// Actions (sending messages) go through the same guard as reads (timeout,
// chunking to MaxBatch, in-flight cap, circuit breaker, panic recovery,
// classification, metrics) but are never retried here: a send is a
// mutation, and repeating one after a timeout could reach the customer
// twice. A caller that retries passes the same idempotency key.

// SendChannels lists the channels the source can send on: those its
// connector reports (connectors.ChannelSender), every channel when it
// reports none, nothing when it cannot send.
func (s *Source) SendChannels() []string {
	if _, ok := s.conn.(connectors.MessageSender); !ok || !s.Has(connectors.CapSend) {
		return nil
	}
	if cs, ok := s.conn.(connectors.ChannelSender); ok {
		return slices.Clone(cs.SendChannels())
	}
	return slices.Clone(connectors.SendChannels)
}

// SendMessages sends msgs; out[i] answers msgs[i]. A message the system
// refused has its own Err (classified, naming this source) and does not
// fail the others. Chunks of at most MaxBatch messages go out one after
// another; when one fails, SendMessages returns its error, and out (still
// aligned with msgs) answers the chunks sent before it while the failed
// chunk and those after it carry the error as their Err.
func (s *Source) SendMessages(ctx context.Context, msgs []connectors.OutboundMessage) ([]connectors.SendResult, error) {
	ms, ok := s.conn.(connectors.MessageSender)
	if !ok || !s.Has(connectors.CapSend) {
		return nil, s.unsupported(connectors.CapSend)
	}
	out := make([]connectors.SendResult, len(msgs))
	size := max(s.opts.MaxBatch, 1)
	for start := 0; start < len(msgs); start += size {
		end := min(start+size, len(msgs))
		err := s.call(ctx, connectors.CapSend, end-start, func(ctx context.Context) error {
			res, err := ms.SendMessages(ctx, slices.Clone(msgs[start:end]))
			if err != nil {
				return err
			}
			if len(res) != end-start {
				return connectors.Errorf(connectors.CodeBadResponse, "%d results for %d messages", len(res), end-start)
			}
			copy(out[start:], res)
			return nil
		})
		if err != nil {
			ce := s.classify(connectors.CapSend, err)
			for i := start; i < len(msgs); i++ {
				out[i] = connectors.SendResult{Err: ce}
			}
			return out, ce
		}
	}
	for i := range out {
		if out[i].Err != nil {
			out[i].Err = s.classify(connectors.CapSend, out[i].Err)
		}
	}
	return out, nil
}
