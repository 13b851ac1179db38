package resolvers

import (
	"context"
	"slices"
	"time"

	"github.com/99designs/gqlgen/graphql"

	"github.com/harmonyhq/harmony/connectors"
	"github.com/harmonyhq/harmony/internal/analytics"
	"github.com/harmonyhq/harmony/internal/apperr"
	"github.com/harmonyhq/harmony/internal/audit"
	"github.com/harmonyhq/harmony/internal/automation"
	"github.com/harmonyhq/harmony/internal/bus"
	"github.com/harmonyhq/harmony/internal/identity"
	"github.com/harmonyhq/harmony/internal/loaders"
	"github.com/harmonyhq/harmony/internal/privacy"
	"github.com/harmonyhq/harmony/internal/recommend"
	"github.com/harmonyhq/harmony/internal/sources"
	"github.com/harmonyhq/harmony/internal/store"
	"github.com/harmonyhq/harmony/internal/suppress"
)

// Resolver is the root resolver. It holds the gateway's long-lived parts;
// everything per operation (the loaders) comes from the context.
type Resolver struct {
	Store *store.Store
	// Reader, when set, serves the read path (loaders aside: see
	// loaders.Factory) instead of Store: the benchmark's in-memory store.
	Reader  store.Reader
	Sources *sources.Set
	// Policy holds the match rules and guardrails; identity.DefaultPolicy()
	// when nil.
	Policy *identity.Policy
	// Reindex refreshes the search projection of customers a mutation
	// changed; nil skips it.
	Reindex func(ctx context.Context, customerIDs []string) error
	// SearchComplete reports whether the search index covers every
	// customer (the first identity sync and index pass are done); nil
	// means it does.
	SearchComplete func() bool
	// Lookup asks the systems that can search by identifier about
	// identifiers nobody owns in the store, and links what they find; nil
	// skips it. It is called at most once per field.
	Lookup func(ctx context.Context, ids []connectors.Identifier) error
	// Priority orders sources for the golden profile: the source_priority
	// rule takes the first that has a value, and the other rules break ties
	// by it. Sources not listed follow in configuration order.
	Priority []string
	// Survivorship names each profile field's rule (config.Survivorship*),
	// "default" for fields not listed; source priority when empty.
	Survivorship map[string]string
	// StaleAfter marks profile values fetched longer ago than this stale.
	StaleAfter time.Duration
	// Now is the clock, time.Now when nil.
	Now func() time.Time
	// Privacy runs erasure and export requests; nil refuses them.
	Privacy *privacy.Service
	// Audit is where the server's audit extension writes; nil writes none.
	Audit *audit.Log
	// ConversationWindow is how long after a conversation's last activity
	// a contact without a shared thread reference still joins it
	// (journey.conversation_window); journey.DefaultWindow when zero.
	ConversationWindow time.Duration
	// Bus carries stored webhook events to subscriptions; nil refuses
	// them.
	Bus bus.Bus
	// Suppression is the suppression list of erased people: their
	// identifiers are never linked, nor looked up in the systems. None
	// when nil.
	Suppression *suppress.List
	// Automation is the journey engine (journeys, simulateJourney); nil
	// lists none.
	Automation *automation.Engine
	// Recommender holds the recommendation model built after each
	// identity sync; nil answers NOT_READY.
	Recommender *recommend.Builder
	// Analytics is the projection the population figures read
	// (Query.analytics, Segment.analytics); nil answers them empty.
	Analytics *analytics.Projection
}

// Limits of list arguments and of the data metrics rest on.
const (
	maxFirst = 100
	// metricsOrders and metricsInteractions bound what metrics read per
	// source and key; the schema's descriptions state them.
	metricsOrders       = 500
	metricsInteractions = 200
)

func (r *Resolver) policy() *identity.Policy {
	if r.Policy != nil {
		return r.Policy
	}
	return identity.DefaultPolicy()
}

// reader is the profile store's read path: Reader, else Store; nil when
// neither is set.
func (r *Resolver) reader() store.Reader {
	if r.Reader != nil {
		return r.Reader
	}
	if r.Store != nil {
		return r.Store
	}
	return nil
}

func (r *Resolver) now() time.Time {
	if r.Now != nil {
		return r.Now().UTC()
	}
	return time.Now().UTC()
}

// ordered returns the sources serving c, in profile priority order.
func (r *Resolver) ordered(c connectors.Capability) []*sources.Source {
	srcs := r.Sources.With(c)
	rank := func(s *sources.Source) int {
		if i := slices.Index(r.Priority, s.Name()); i >= 0 {
			return i
		}
		return len(r.Priority)
	}
	slices.SortStableFunc(srcs, func(a, b *sources.Source) int { return rank(a) - rank(b) })
	return srcs
}

// nativeKeys returns the customer's keys in each system, by source name.
func nativeKeys(ctx context.Context, customerID string) (map[string][]string, error) {
	ids, err := loaders.From(ctx).Identities(ctx, customerID)()
	if err != nil {
		return nil, apperr.Store(err)
	}
	return keysOf(ids), nil
}

// keysOf groups a customer's native keys by source name.
func keysOf(ids []store.Identity) map[string][]string {
	keys := map[string][]string{}
	for _, id := range ids {
		if id.Kind == store.KindExternalID {
			keys[id.System] = append(keys[id.System], id.Value)
		}
	}
	return keys
}

// pageSize checks a `first` argument.
func pageSize(first *int, def int) (int, error) {
	if first == nil {
		return def, nil
	}
	if *first < 1 || *first > maxFirst {
		return 0, apperr.Input("first must be between 1 and %d", maxFirst)
	}
	return *first, nil
}

// failures reports each failing source once as a partial error on the
// current field, so the rest of the answer still arrives.
type failures struct {
	seen map[string]bool
}

func (f *failures) add(ctx context.Context, source string, err error) {
	if f.seen == nil {
		f.seen = map[string]bool{}
	}
	if f.seen[source] {
		return
	}
	f.seen[source] = true
	graphql.AddError(ctx, err)
}
