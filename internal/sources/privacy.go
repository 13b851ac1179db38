package sources

import (
	"context"
	"encoding/json"
	"slices"

	"github.com/harmonyhq/harmony/connectors"
)

// Privacy calls (erase, export) go through the same guard as reads (timeout,
// chunking to MaxBatch, panic recovery, classification, metrics) but are
// never retried here: an erasure is a mutation, and a privacy request
// retries a failed system itself, later, with its own backoff. Chunks run
// one after another; the first failing chunk fails the call.

// Erase erases the records of keys; out[i] answers keys[i].
func (s *Source) Erase(ctx context.Context, keys []string) ([]connectors.EraseResult, error) {
	er, ok := s.conn.(connectors.Eraser)
	if !ok || !s.Has(connectors.CapErase) {
		return nil, s.unsupported(connectors.CapErase)
	}
	return once(ctx, s, connectors.CapErase, keys, er.Erase)
}

// Export exports the records of keys; out[i] answers keys[i], nil when the
// system holds nothing. Each document must be valid JSON.
func (s *Source) Export(ctx context.Context, keys []string) ([]json.RawMessage, error) {
	ex, ok := s.conn.(connectors.Exporter)
	if !ok || !s.Has(connectors.CapExport) {
		return nil, s.unsupported(connectors.CapExport)
	}
	out, err := once(ctx, s, connectors.CapExport, keys, ex.Export)
	if err != nil {
		return nil, err
	}
	for i, doc := range out {
		if doc != nil && !json.Valid(doc) {
			return nil, s.classify(connectors.CapExport, connectors.Errorf(connectors.CodeBadResponse, "result %d is not JSON", i))
		}
	}
	return out, nil
}

// once calls fn for keys, deduplicated and in chunks of at most MaxBatch,
// each chunk guarded by call (timeout, in-flight cap, circuit breaker) and
// checked for alignment. Erase and export are not in the retryable list:
// the guard never repeats them (the privacy service retries a failed
// system itself, later, and records each attempt).
func once[T any](ctx context.Context, s *Source, c connectors.Capability, keys []string,
	fn func(context.Context, []string) ([]T, error),
) ([]T, error) {
	if len(keys) == 0 {
		return nil, nil
	}
	unique, index := dedupe(keys)
	results := make([]T, len(unique))
	for _, ch := range chunk(unique, s.opts.MaxBatch) {
		err := s.call(ctx, c, len(ch.keys), func(ctx context.Context) error {
			out, err := fn(ctx, slices.Clone(ch.keys))
			if err != nil {
				return err
			}
			if len(out) != len(ch.keys) {
				return connectors.Errorf(connectors.CodeBadResponse, "%d results for %d keys", len(out), len(ch.keys))
			}
			copy(results[ch.start:], out)
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	out := make([]T, len(keys))
	for i, k := range keys {
		out[i] = results[index[k]]
	}
	return out, nil
}
