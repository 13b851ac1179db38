package identity

import (
	"cmp"
	"context"
	"errors"
	"slices"
	"time"

	"github.com/harmonyhq/harmony/internal/store"
)

// SyncActor is the actor of the changes the identity sync makes, in the
// identity history.
const SyncActor = "identity-sync"

// canonical sorts records by system (in the configuration's order, then
// by name) and key, and keeps one record per native key (the last
// listed): the partition then depends on the set of records only, not on
// the order systems list them in, and a customer is named after a record
// of the first configured system holding one (a lookup, which sees a few
// systems, names it as a full sync would).
func canonical(records []record, rank map[string]int) []record {
	out := slices.Clone(records)
	order := func(system string) int {
		if r, ok := rank[system]; ok {
			return r
		}
		return len(rank)
	}
	slices.SortStableFunc(out, func(a, b record) int {
		return cmp.Or(cmp.Compare(order(a.system), order(b.system)), cmp.Compare(a.system, b.system), cmp.Compare(a.key, b.key))
	})
	kept := out[:0]
	for i, r := range out {
		if i+1 < len(out) && out[i+1].system == r.system && out[i+1].key == r.key {
			continue
		}
		kept = append(kept, r)
	}
	return kept
}

// pinning is what people decided about the records, which the sync never
// undoes.
type pinning struct {
	// customers holds the customers a person shaped: holding a system
	// key a person linked or detached, or one a person's merge brought.
	customers map[string]bool
	// records holds the native-key identities of their records: the sync
	// never moves them, and they stay one group.
	records map[string]bool
}

// pins finds the records people placed.
func (l *Linker) pins(ctx context.Context, records []record, existing map[string]*store.Identity) (pinning, error) {
	p := pinning{records: map[string]bool{}, customers: map[string]bool{}}
	var mergeIDs []string
	for _, r := range records {
		doc := existing[store.IdentityID(store.KindExternalID, r.system, r.key)]
		if doc != nil {
			mergeIDs = append(mergeIDs, doc.MergeIDs...)
		}
	}
	events := map[string]*store.Event{}
	if len(mergeIDs) > 0 {
		var err error
		if events, err = l.Store.EventsByID(ctx, mergeIDs); err != nil {
			return p, err
		}
	}
	for _, r := range records {
		id := store.IdentityID(store.KindExternalID, r.system, r.key)
		doc := existing[id]
		if doc == nil || doc.CustomerID == "" {
			continue
		}
		byPerson := doc.Rule == store.RuleManual || doc.Rule == store.RuleDetached
		for _, e := range doc.MergeIDs {
			if ev := events[e]; ev == nil || ev.Actor != SyncActor {
				byPerson = true
			}
		}
		if byPerson {
			p.customers[doc.CustomerID] = true
		}
	}
	// Every record of a customer a person shaped stays with it.
	for _, r := range records {
		id := store.IdentityID(store.KindExternalID, r.system, r.key)
		if doc := existing[id]; doc != nil && p.customers[doc.CustomerID] {
			p.records[id] = true
		}
	}
	return p, nil
}

// forced lists, for each customer a person shaped, the indexes of its
// records: they are one group whatever the evidence.
func (p pinning) forced(records []record, existing map[string]*store.Identity) [][]int {
	byCustomer := map[string][]int{}
	var order []string
	for i, r := range records {
		id := store.IdentityID(store.KindExternalID, r.system, r.key)
		if !p.records[id] {
			continue
		}
		c := existing[id].CustomerID
		if _, ok := byCustomer[c]; !ok {
			order = append(order, c)
		}
		byCustomer[c] = append(byCustomer[c], i)
	}
	out := make([][]int, 0, len(order))
	for _, c := range order {
		out = append(out, byCustomer[c])
	}
	return out
}

// mergeBridged merges into each group's owner the other customers whose
// listed records all belong to the group: a record bridged them. It does
// not merge customers a person split, or shaped by hand; those are counted
// as kept apart. It returns how many it merged.
func (l *Linker) mergeBridged(ctx context.Context, rep *Report, c clustering, records []record, existing map[string]*store.Identity,
	owners []string, pins pinning, pol *Policy, at time.Time) (int, error) {
	groupsOf := map[string][]int{} // existing customer → groups of its records
	for gi, g := range c.groups {
		for _, m := range g.members {
			r := records[m]
			doc := existing[store.IdentityID(store.KindExternalID, r.system, r.key)]
			if !voter(doc) {
				continue
			}
			if gs := groupsOf[doc.CustomerID]; !slices.Contains(gs, gi) {
				groupsOf[doc.CustomerID] = append(gs, gi)
			}
		}
	}
	isOwner := map[string]bool{}
	for _, o := range owners {
		isOwner[o] = true
	}
	ids := make([]string, 0, len(groupsOf))
	for id := range groupsOf {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	merged := 0
	for _, id := range ids {
		gs := groupsOf[id]
		if isOwner[id] || len(gs) != 1 {
			continue // it keeps a group, or its records go their ways one by one
		}
		survivor := owners[gs[0]]
		if survivor == "" || survivor == id {
			continue
		}
		if pins.customers[id] && pins.customers[survivor] {
			rep.KeptApart++
			continue
		}
		events, err := l.Store.EventsBetween(ctx, survivor, id)
		if err != nil {
			return merged, err
		}
		if slices.ContainsFunc(events, func(e store.Event) bool { return e.Action == store.ActionSplit }) {
			rep.KeptApart++
			continue
		}
		ch, err := l.Store.Merge(ctx, survivor, id, SyncActor, "identity sync: a record holds identifiers of both", at, pol.MaxIdentities)
		switch {
		case errors.Is(err, store.ErrLimit):
			rep.Capped++
			continue
		case err != nil:
			return merged, err
		}
		if ch.Changed {
			merged++
		}
	}
	rep.Merged += merged
	return merged, nil
}

// movesOf lists the identities the records' evidence now places elsewhere
// than the store has them: native keys and values of each group that
// belong to another customer, and values found shared that a customer
// still holds as its own. Identities a person placed (linked, unlinked,
// detached, merged by hand) never move.
func movesOf(c clustering, records []record, owners []string, existing map[string]*store.Identity, pins pinning) []store.Move {
	var moves []store.Move
	seen := map[string]bool{}
	move := func(doc *store.Identity, to, status, reason, rule string, confidence float64) {
		if doc == nil || seen[doc.ID] || doc.Status == store.StatusUnlinked || doc.Rule == store.RuleManual ||
			doc.Rule == store.RuleDetached || pins.records[doc.ID] {
			return
		}
		if doc.CustomerID == to && doc.Status == status {
			return
		}
		seen[doc.ID] = true
		moves = append(moves, store.Move{ID: doc.ID, From: doc.CustomerID, To: to, Status: status, Reason: reason, Rule: rule, Confidence: confidence})
	}
	for gi, g := range c.groups {
		owner := owners[gi]
		if owner == "" {
			continue
		}
		for _, m := range g.members {
			r := records[m]
			ext := existing[store.IdentityID(store.KindExternalID, r.system, r.key)]
			if ext != nil && ext.CustomerID != "" && ext.CustomerID != owner {
				move(ext, owner, store.StatusMatch, "", g.rule[m], g.confidence[m])
			}
			for _, rf := range r.refs {
				if rf.held {
					continue
				}
				system, v := rf.stored()
				switch st := c.status(rf); st {
				case store.StatusMatch:
					if doc := existing[rf.id()]; doc != nil && doc.CustomerID != owner {
						move(doc, owner, store.StatusMatch, "", RuleRecord, 1)
					}
				default:
					if st != store.StatusUnnormalized {
						// The value's own identity, linked when it matched,
						// joins nobody now: shared, or blocked since.
						if doc := existing[rf.id()]; doc != nil && doc.Status == store.StatusMatch {
							move(doc, "", st, c.reason(rf), "", 0)
						}
					}
					scoped := existing[store.ScopedIdentityID(rf.kind, system, v, r.system, r.key)]
					if scoped != nil && scoped.CustomerID != owner {
						move(scoped, owner, st, c.reason(rf), "", 0)
					}
				}
			}
		}
	}
	return moves
}
