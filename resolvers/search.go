package resolvers

import (
	"context"
	"errors"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/99designs/gqlgen/graphql"

	"github.com/harmonyhq/harmony/connectors"
	"github.com/harmonyhq/harmony/graph/model"
	"github.com/harmonyhq/harmony/internal/apperr"
	"github.com/harmonyhq/harmony/internal/search"
	"github.com/harmonyhq/harmony/internal/store"
)

// Bounds of search arguments; the schema's descriptions state them.
const (
	minNamePrefix  = 2
	maxNamePrefix  = 40
	maxSegmentName = 80
)

// listFilter turns the `filter` or `segment` argument of Query.customers
// into a store filter; neither gives the zero filter (every active
// customer).
func (r *Resolver) listFilter(ctx context.Context, filter *model.CustomerFilter, segment *string) (store.Filter, error) {
	switch {
	case filter != nil && segment != nil:
		return store.Filter{}, apperr.Input("give filter or segment, not both")
	case segment != nil:
		seg, err := r.Store.Segment(ctx, *segment)
		if err != nil {
			return store.Filter{}, apperr.Store(err)
		}
		if seg == nil {
			return store.Filter{}, apperr.Input("segment does not name a saved segment")
		}
		return seg.Filter, nil
	case filter != nil:
		return r.storeFilter(*filter)
	}
	return store.Filter{}, nil
}

// listArgs finds, from CustomerConnection.totalCount, the arguments of the
// Query.customers field that made the connection.
func listArgs(ctx context.Context) (*model.CustomerFilter, *string, error) {
	fc := graphql.GetFieldContext(ctx)
	if fc == nil || fc.Parent == nil || fc.Parent.Field.Field == nil || fc.Parent.Field.Name != "customers" {
		return nil, nil, errors.New("totalCount outside Query.customers")
	}
	filter, _ := fc.Parent.Args["filter"].(*model.CustomerFilter)
	segment, _ := fc.Parent.Args["segment"].(*string)
	return filter, segment, nil
}

// storeFilter checks and normalises a CustomerFilter: identifiers as
// customerByIdentifier normalises them, the name prefix folded like the
// index, systems checked against the configuration, money parsed.
func (r *Resolver) storeFilter(in model.CustomerFilter) (store.Filter, error) {
	var f store.Filter
	if in.Identifier != nil {
		id, err := r.identifier(*in.Identifier, "filter.identifier")
		if err != nil {
			return f, err
		}
		f.Identifier = &store.FilterIdentifier{Kind: id.kind, System: id.system, Value: id.value}
	}
	if in.NamePrefix != nil {
		p := search.Fold(*in.NamePrefix)
		if n := utf8.RuneCountInString(p); n < minNamePrefix || n > maxNamePrefix {
			return f, apperr.Input("filter.namePrefix must be %d to %d characters", minNamePrefix, maxNamePrefix)
		}
		f.NamePrefix = p
	}
	if in.InSystems != nil {
		if len(in.InSystems) == 0 {
			return f, apperr.Input("filter.inSystems must name at least one system")
		}
		for _, name := range in.InSystems {
			if _, ok := r.Sources.Get(name); !ok {
				return f, apperr.Input("filter.inSystems names a system that is not configured (configured: %s)", strings.Join(r.sourceNames(), ", "))
			}
		}
		f.InSystems = slices.Compact(slices.Sorted(slices.Values(in.InSystems)))
	}
	if in.OrderedSince != nil {
		t := in.OrderedSince.UTC()
		f.OrderedSince = &t
	}
	if in.MinOrders != nil {
		if *in.MinOrders < 0 {
			return f, apperr.Input("filter.minOrders must not be negative")
		}
		n := *in.MinOrders
		f.MinOrders = &n
	}
	if in.MinSpend != nil {
		a, err := amount(in.MinSpend.Amount, in.MinSpend.Currency)
		if err != nil {
			return f, apperr.Input("filter.minSpend must be a non-negative decimal amount in an ISO 4217 currency")
		}
		f.MinSpend = a
	}
	return f, nil
}

// amount parses a non-negative decimal amount of a currency.
func amount(value, currency string) (*store.Amount, error) {
	m, err := connectors.ParseMoney(value, currency)
	if err != nil {
		return nil, err
	}
	if m.Minor < 0 || !store.ValidCurrency(m.Currency) {
		return nil, errors.New("not a non-negative amount of an ISO 4217 currency")
	}
	return &store.Amount{Currency: m.Currency, Value: float64(m.Minor) / math.Pow10(connectors.CurrencyExponent(m.Currency))}, nil
}

func (r *Resolver) sourceNames() []string {
	var out []string
	for _, s := range r.Sources.All() {
		out = append(out, s.Name())
	}
	return out
}

// segmentName checks a segment's name: 1 to 80 characters, no control
// characters, no white space around.
func segmentName(name string) (string, error) {
	name = strings.TrimSpace(name)
	if n := utf8.RuneCountInString(name); n < 1 || n > maxSegmentName {
		return "", apperr.Input("name must be 1 to %d characters", maxSegmentName)
	}
	if strings.ContainsFunc(name, unicode.IsControl) {
		return "", apperr.Input("name must not contain control characters")
	}
	return name, nil
}

func toSegment(s *store.Segment) *model.Segment {
	return &model.Segment{ID: s.ID, Name: s.Name, Filter: toSegmentFilter(s.Filter), UpdatedAt: s.UpdatedAt.UTC()}
}

func toSegmentFilter(f store.Filter) model.SegmentFilter {
	out := model.SegmentFilter{InSystems: f.InSystems, OrderedSince: f.OrderedSince, MinOrders: f.MinOrders}
	if id := f.Identifier; id != nil {
		kind, ok := identifierKinds[id.Kind]
		if !ok {
			kind = model.IdentifierKindExternalID
		}
		out.Identifier = &model.IdentityRef{Kind: kind, System: strPtr(id.System), Value: id.Value}
	}
	if f.NamePrefix != "" {
		out.NamePrefix = &f.NamePrefix
	}
	if m := f.MinSpend; m != nil {
		out.MinSpend = &model.Money{
			Amount:   strconv.FormatFloat(m.Value, 'f', connectors.CurrencyExponent(m.Currency), 64),
			Currency: m.Currency,
		}
	}
	return out
}

// fromSegmentFilter is the inverse of toSegmentFilter, for Segment.count.
func fromSegmentFilter(in model.SegmentFilter) (store.Filter, error) {
	f := store.Filter{NamePrefix: deref(in.NamePrefix), InSystems: in.InSystems, OrderedSince: in.OrderedSince, MinOrders: in.MinOrders}
	if id := in.Identifier; id != nil {
		f.Identifier = &store.FilterIdentifier{Kind: storeKind(id.Kind), System: deref(id.System), Value: id.Value}
	}
	if in.MinSpend != nil {
		a, err := amount(in.MinSpend.Amount, in.MinSpend.Currency)
		if err != nil {
			return f, err
		}
		f.MinSpend = a
	}
	return f, nil
}

// count counts the active customers matching f.
func (r *Resolver) count(ctx context.Context, f store.Filter) (int, error) {
	n, err := r.Store.CountCustomersMatching(ctx, f)
	if err != nil {
		return 0, apperr.Store(err)
	}
	return int(n), nil
}
