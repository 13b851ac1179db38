package store

import "context"

// Reader is what an operation's read path asks of the profile store: the
// loaders (customers, identities, owners, merges, consents, stored
// activity, identity history) and the customer list. The gateway runs
// *Cached, the cached and gated reader of a *Store (which implements it
// too, uncached); the benchmark (bench/) plugs in an in-memory one with a
// fixed latency.
type Reader interface {
	Resolve(ctx context.Context, ids []string) ([]*Customer, error)
	MergedIDs(ctx context.Context, ids []string) ([][]string, error)
	IdentitiesOf(ctx context.Context, customerIDs []string) ([][]Identity, error)
	Owners(ctx context.Context, identityIDs []string) ([]*Identity, error)
	ConsentsFor(ctx context.Context, customerIDs []string) ([][]Consent, error)
	ActivityPage(ctx context.Context, customerIDs []string, q ActivityQuery) ([][]Activity, error)
	SearchCustomers(ctx context.Context, f Filter, after string, limit int) ([]Customer, error)
	Histories(ctx context.Context, qs []HistoryQuery) ([][]Event, error)
}

var _ Reader = (*Store)(nil)
