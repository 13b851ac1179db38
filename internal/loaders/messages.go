package loaders

import (
	"context"

	"github.com/graph-gophers/dataloader/v7"

	"github.com/harmonyhq/harmony/connectors"
	"github.com/harmonyhq/harmony/internal/sources"
)

// Messages loads the messages of one thread (an interaction's native ID)
// from src: every thread of an operation's batch in one call per source.
func (l *Loaders) Messages(ctx context.Context, src *sources.Source, thread string) dataloader.Thunk[[]connectors.Message] {
	l.mu.Lock()
	if l.messages == nil {
		l.messages = map[string]*batcher[string, []connectors.Message]{}
	}
	byName := l.messages
	l.mu.Unlock()
	return loaderOf(l, byName, src, connectors.CapMessages, func() dataloader.BatchFunc[string, []connectors.Message] {
		return func(ctx context.Context, threads []string) []*dataloader.Result[[]connectors.Message] {
			out, err := src.Messages(ctx, threads)
			return aligned(len(threads), err, func(i int) []connectors.Message { return out[i] })
		}
	}).Load(ctx, thread)
}
