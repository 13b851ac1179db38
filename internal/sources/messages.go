package sources

import (
	"context"
	"fmt"

	"github.com/harmonyhq/harmony/connectors"
)

// Messages reads the messages of threads (interactions' native IDs);
// out[i] answers threads[i], oldest first. Deduplicated and chunked like
// every batch read.
func (s *Source) Messages(ctx context.Context, threads []string) ([][]connectors.Message, error) {
	ms, ok := s.conn.(connectors.ThreadMessageSource)
	if !ok || !s.Has(connectors.CapMessages) {
		return nil, s.unsupported(connectors.CapMessages)
	}
	return batch(ctx, s, connectors.CapMessages, threads, ms.Messages, shape[[]connectors.Message]{
		check: func(thread string, v []connectors.Message) error {
			for _, m := range v {
				if m.Thread != thread {
					return fmt.Errorf("message of another thread answered")
				}
			}
			return nil
		},
		size: func(v []connectors.Message) int { return len(v) },
	})
}

// Reading messages is idempotent: retried like the other reads.
func init() { retryable[connectors.CapMessages] = true }
