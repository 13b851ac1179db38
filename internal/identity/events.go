package identity

import (
	"context"

	"github.com/harmonyhq/harmony/connectors"
	"github.com/harmonyhq/harmony/internal/store"
)

// Ref names a customer the way an event does: by the customer's native key
// in a system, or, failing that, by an identifier as the system wrote it.
type Ref struct {
	System     string
	Key        string
	Identifier connectors.Identifier
}

// Resolved is what a Ref resolves to.
type Resolved struct {
	// CustomerID is the active customer (the survivor of any merge), "" when
	// the identity graph knows nobody by the ref.
	CustomerID string
	// IdentifierKind and Identifier are the ref's identifier normalised, ""
	// when it had none or it is not valid.
	IdentifierKind, Identifier string
}

// Owners resolves refs in a few queries whatever their number: one for
// the identities, one per merge hop for the customers. A native key wins
// over an identifier; an identifier resolves only when it matches
// (a blocked or shared value names nobody); an identifier that does
// not normalise, or of a kind the gateway does not know, is ignored. Nothing is linked: an event
// never changes the identity graph.
func (l *Linker) Owners(ctx context.Context, refs []Ref) ([]Resolved, error) {
	pol := l.policy()
	out := make([]Resolved, len(refs))
	lookups := make([][]string, len(refs))
	var ids []string
	for i, r := range refs {
		if r.Key != "" && r.System != "" {
			lookups[i] = append(lookups[i], store.IdentityID(store.KindExternalID, r.System, r.Key))
		}
		if r.Identifier.Value != "" {
			v, err := pol.NormalizeFor(r.System, r.Identifier.Kind, r.Identifier.Value)
			if err == nil {
				out[i].IdentifierKind, out[i].Identifier = r.Identifier.Kind, v
				if !pol.Blocked(r.Identifier.Kind, v) {
					system, sv := stored(r.Identifier.Kind, v)
					lookups[i] = append(lookups[i], store.IdentityID(r.Identifier.Kind, system, sv))
					switch r.Identifier.Kind {
					case store.KindPhone:
						lookups[i] = append(lookups[i], store.IdentityID(store.KindWhatsApp, "", v))
					case store.KindWhatsApp:
						lookups[i] = append(lookups[i], store.IdentityID(store.KindPhone, "", v))
					}
				}
			}
		}
		ids = append(ids, lookups[i]...)
	}
	if len(ids) == 0 {
		return out, nil
	}
	owners, err := l.identities(ctx, ids)
	if err != nil {
		return nil, err
	}
	var customers []string
	for i := range refs {
		for _, id := range lookups[i] {
			if o := owners[id]; o != nil && o.Status == store.StatusMatch && o.CustomerID != "" {
				out[i].CustomerID = o.CustomerID
				customers = append(customers, o.CustomerID)
				break
			}
		}
	}
	if len(customers) == 0 {
		return out, nil
	}
	active, err := l.Store.Resolve(ctx, customers)
	if err != nil {
		return nil, err
	}
	survivor := make(map[string]string, len(customers))
	for i, c := range active {
		if c != nil {
			survivor[customers[i]] = c.ID
		}
	}
	for i := range out {
		if out[i].CustomerID != "" {
			out[i].CustomerID = survivor[out[i].CustomerID]
		}
	}
	return out, nil
}
