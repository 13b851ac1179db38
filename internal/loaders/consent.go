package loaders

import (
	"context"

	"github.com/graph-gophers/dataloader/v7"

	"github.com/harmonyhq/harmony/internal/store"
)

// Consents loads the consent records that speak for a customer (its own
// and those of customers merged into it), newest first. Every customer of
// an operation's level is read in one batch: two store queries for a list
// of 50 customers.
func (l *Loaders) Consents(ctx context.Context, customerID string) dataloader.Thunk[[]store.Consent] {
	return l.consentLoader().Load(ctx, customerID)
}

// ForgetConsents drops the consents the operation read, after a mutation
// recorded one.
func (l *Loaders) ForgetConsents() {
	l.consentLoader().forget()
}

func (l *Loaders) consentLoader() *batcher[string, []store.Consent] {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.consents == nil {
		l.consents = newBatcher(l, func(ctx context.Context, ids []string) []*dataloader.Result[[]store.Consent] {
			found, err := l.store.ConsentsFor(ctx, ids)
			return aligned(len(ids), err, func(i int) []store.Consent { return found[i] })
		})
	}
	return l.consents
}
