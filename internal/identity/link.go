package identity

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/harmonyhq/harmony/connectors"
	"github.com/harmonyhq/harmony/internal/sources"
	"github.com/harmonyhq/harmony/internal/store"
	"github.com/harmonyhq/harmony/internal/suppress"
)

// Rules recorded on links besides the match rules' names.
const (
	// RuleNew marks the record a customer was created from.
	RuleNew = "new"
	// RuleRecord marks an identifier read from a system's record.
	RuleRecord = "record"
)

// Linker links the records of every system that can list its profiles to
// customers in the profile store.
type Linker struct {
	Store   *store.Store
	Sources *sources.Set
	// Policy normalises and matches identifiers; DefaultPolicy() when nil.
	Policy *Policy
	Log    *slog.Logger
	// Now is the clock, time.Now when nil.
	Now func() time.Time
	// PageSize, when positive, overrides every listing source's own page
	// size (Source.ListPageSize), for tests.
	PageSize int
	// Suppression is the suppression list: records carrying an erased
	// person's native key or identifier are never linked. None when nil.
	Suppression *suppress.List
	// FullEvery is how often a source that can list its changes is
	// listed whole (DefaultFullEvery when 0); see snapshot.go.
	FullEvery time.Duration
	// SnapshotMaxAge is the oldest snapshot that may stand in for a
	// source whose listing failed (DefaultSnapshotMaxAge when 0; none
	// ever when negative).
	SnapshotMaxAge time.Duration

	snapMu sync.Mutex
	snaps  map[string]*snapshot // by source
}

func (l *Linker) log() *slog.Logger {
	if l.Log != nil {
		return l.Log
	}
	return slog.New(slog.DiscardHandler)
}

// Report says what one Sync did. It holds counts only, never data.
type Report struct {
	Records int // records read
	Invalid int // identifier values that did not normalise (kept as given, never matching)
	// Unmapped counts identifier fields whose value cannot be an
	// identifier at all (an object or a list, a social handle without its
	// network): a mapping to fix, never silence.
	Unmapped   int
	Blocked    int // identifier values that are blocked (kept, never matching)
	Shared     int // distinct values held by different people (kept per record, never matching)
	Customers  int // customers created
	Identities int // links added
	Refused    int // people kept apart although they share a value a rule names
	// RefusedBy counts Refused by reason (Reason* constants).
	RefusedBy  map[string]int
	Merged     int // customers the sync merged because a record bridges them
	KeptApart  int // such merges not made: a person split the customers, or shaped one by hand
	Moved      int // identities the sync moved because the records' evidence changed
	Capped     int // joins refused because a customer would hold too many identities
	Alerts     int // values held by more people than the policy's alert threshold
	Suppressed int // records skipped: they carry an erased person's native key or identifier
	// Failed are the sources whose listing (Sync) or lookup (Lookup) failed,
	// with their codes; their records were skipped, or taken from the
	// source's snapshot (FromSnapshot). When a listing failed with no
	// snapshot to stand in, Sync linked nothing (see Sync).
	Failed []FailedSource
	// FromSnapshot names the failed sources whose last complete listing
	// stood in for the failed one (see snapshot.go).
	FromSnapshot []string
	// Incremental names the sources listed for their changes only.
	Incremental []string
}

// FailedNames are the names of the sources in Failed, in order.
func (r Report) FailedNames() []string {
	out := make([]string, len(r.Failed))
	for i, f := range r.Failed {
		out[i] = f.Name
	}
	return out
}

// record is one system's record, reduced to what linking needs.
type record struct {
	system, key string
	refs        []ref
	given       string // folded given name, "" when unknown
	family      string // folded family name, "" when unknown
	birth       string // birth date, YYYY-MM-DD, "" when unknown
	updated     time.Time
}

type ref struct {
	kind, value string
	// status is store.StatusMatch, StatusBlocked or StatusUnnormalized;
	// clustering decides which matching values are shared.
	status string
	// held is set when the store already has a non-matching identity under
	// the value's ID (a person unlinked it): the value never joins again.
	held bool
}

// matches reports whether the value can join records.
func (r ref) matches() bool { return r.status == store.StatusMatch && !r.held }

// matchKey is what two records must share to be one person. WhatsApp IDs are
// phone numbers, so they match phones.
func (r ref) matchKey() string {
	kind := r.kind
	if kind == store.KindWhatsApp {
		kind = store.KindPhone
	}
	return kind + "\x00" + r.value
}

// Stored splits a normalised identifier value into the system and value
// its identity holds: a social handle's network is its system.
func Stored(kind, value string) (system, v string) { return stored(kind, value) }

// stored splits a normalised value into the identity's system and value:
// a social handle's network is its system.
func stored(kind, value string) (system, v string) {
	if kind == store.KindSocial {
		if network, handle, ok := strings.Cut(value, ":"); ok {
			return network, handle
		}
	}
	return "", value
}

// stored is the system and value the ref's identity holds; an unnormalised
// value is kept whole, as given.
func (r ref) stored() (system, v string) {
	if r.status == store.StatusUnnormalized {
		return "", r.value
	}
	return stored(r.kind, r.value)
}

// id is the identity ID of a matching value.
func (r ref) id() string {
	system, v := r.stored()
	return store.IdentityID(r.kind, system, v)
}

func (l *Linker) policy() *Policy {
	if l.Policy != nil {
		return l.Policy
	}
	return DefaultPolicy()
}

// Sync reads every record of every listing source and links them: records
// sharing a normalised identifier that a match rule names join one
// customer, new records create customers, and every identifier and native
// key becomes a link. Blocked, shared and unnormalisable values are kept on
// the customer of each record holding them but join nobody. It can run
// again at any time and brings the store to the partition the records
// give, whatever their order: customers a record bridges are merged and
// identities the evidence places elsewhere move (see reconcile.go), while
// what people decided stays (an identity a person unlinked is never
// linked again, a customer a person shaped stays whole).
//
// Sync decides on complete evidence only: when a source's listing fails
// or is incomplete (see listing.go), its last complete listing stands in
// when it is recent enough (see snapshot.go); otherwise Sync links nothing
// and returns the report naming the failed sources, with a nil error; the
// store keeps what earlier syncs linked.
func (l *Linker) Sync(ctx context.Context) (Report, error) {
	var rep Report
	log := l.log()
	pol := l.policy()
	records, complete, err := l.listAll(ctx, &rep, pol)
	if err != nil {
		return rep, err
	}
	for _, f := range rep.Failed {
		if slices.Contains(rep.FromSnapshot, f.Name) {
			log.Warn("identity sync: a listing failed or is incomplete; its last complete listing stands in", "connector", f.Name, "code", string(f.Code))
		} else {
			log.Warn("identity sync: a listing failed or is incomplete; nothing is linked", "connector", f.Name, "code", string(f.Code))
		}
	}
	if !complete {
		return rep, nil
	}
	err = l.link(ctx, &rep, records, pol, log, true)
	return rep, err
}

// Lookup finds the records matching ids in every source that can look
// identifiers up (one FindProfiles call per source for the whole batch,
// sources in parallel) and links them as Sync links the records it lists:
// customers and links are only added, links never move, an identity a
// person unlinked is never linked again, and records already linked change
// nothing. A source that fails is named in the report's Failed and its
// records are skipped; the first such failure is returned, with the report,
// after the other sources' records are linked. A store failure returns at
// once.
func (l *Linker) Lookup(ctx context.Context, ids []connectors.Identifier) (Report, error) {
	var rep Report
	srcs := l.Sources.With(connectors.CapLookup)
	if len(ids) == 0 || len(srcs) == 0 {
		return rep, nil
	}
	log := l.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	pol := l.policy()
	found := make([][]connectors.Profile, len(srcs))
	errs := make([]error, len(srcs))
	var wg sync.WaitGroup
	for i, src := range srcs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			found[i], errs[i] = src.FindProfiles(ctx, ids)
		}()
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return rep, err
	}
	var records []record
	var failed error
	for i, src := range srcs {
		if errs[i] != nil {
			rep.Failed = append(rep.Failed, FailedSource{Name: src.Name(), Code: failureCode(errs[i])})
			log.Warn("identity lookup failed; its records are skipped", "connector", src.Name(), "code", string(connectors.CodeOf(errs[i])))
			if failed == nil {
				failed = errs[i]
			}
			continue
		}
		for _, p := range found[i] {
			r, bad := reduceProfile(src.Name(), p, pol)
			rep.Invalid += bad.invalid
			rep.Unmapped += bad.unmapped
			records = append(records, r)
		}
	}
	if err := l.link(ctx, &rep, records, pol, log, false); err != nil {
		return rep, err
	}
	return rep, failed
}

// link links records read from the systems to customers: the clustering
// and writing shared by Sync and Lookup. With full, records are every
// record of the listing systems, and the store is brought to the partition
// they give (bridged customers merged, links the evidence refutes moved);
// without, links are only added (a lookup sees a few records only).
func (l *Linker) link(ctx context.Context, rep *Report, records []record, pol *Policy, log *slog.Logger, full bool) error {
	rep.Records = len(records)
	records = canonical(records, l.ranks())
	records, n := l.unsuppressed(records)
	rep.Suppressed += n
	if len(records) == 0 {
		return nil
	}
	existing, err := l.hold(ctx, records)
	if err != nil {
		return err
	}
	for _, r := range records {
		for _, rf := range r.refs {
			if rf.status == store.StatusBlocked {
				rep.Blocked++
			}
		}
	}

	pins, err := l.pins(ctx, records, existing)
	if err != nil {
		return err
	}
	c := cluster(records, pol, pins.forced(records, existing))
	rep.Shared, rep.Capped, rep.Alerts = len(c.shared), c.capped, len(c.alerts)
	rep.RefusedBy = c.refused
	for _, n := range c.refused {
		rep.Refused += n
	}
	for _, a := range c.alerts {
		log.Warn("identity linking: one identifier is held by many people", "kind", a.kind, "identity", a.id, "people", a.people)
	}
	now := time.Now
	if l.Now != nil {
		now = l.Now
	}
	at := now().UTC()

	if err := l.withScoped(ctx, c, records, existing); err != nil {
		return err
	}
	owners, newCustomers, err := l.owners(ctx, c, records, existing, pins, full)
	if err != nil {
		return err
	}
	if full {
		merged, err := l.mergeBridged(ctx, rep, c, records, existing, owners, pins, pol, at)
		if err != nil {
			return err
		}
		if merged > 0 {
			// The merges moved identities: read them again.
			if existing, err = l.hold(ctx, records); err != nil {
				return err
			}
			if err := l.withScoped(ctx, c, records, existing); err != nil {
				return err
			}
		}
	}
	for i := range newCustomers {
		newCustomers[i].CreatedAt = at
	}
	links := linksOf(c, records, owners, existing, at, full)
	// Customers first, then their links, a chunk of customers at a time: a
	// crash between the two steps leaves customers without links, which
	// the next run completes (IDs are deterministic). One call, so that a
	// new customer's keys document is written with its links at once.
	if rep.Customers, rep.Identities, err = l.Store.AddLinked(ctx, newCustomers, links); err != nil {
		return err
	}
	if !full {
		return nil
	}
	moves := movesOf(c, records, owners, existing, pins)
	rep.Moved, err = l.Store.Relink(ctx, moves, SyncActor, "identity sync: the systems' records say so", at)
	return err
}

// ranks is the position of each configured system.
func (l *Linker) ranks() map[string]int {
	out := map[string]int{}
	if l.Sources == nil {
		return out
	}
	for i, src := range l.Sources.All() {
		out[src.Name()] = i
	}
	return out
}

// withScoped adds to existing the scoped copies the store holds of the
// records' values that match nobody.
func (l *Linker) withScoped(ctx context.Context, c clustering, records []record, existing map[string]*store.Identity) error {
	var ids []string
	for _, r := range records {
		for _, rf := range r.refs {
			if st := c.status(rf); st != store.StatusMatch && !rf.held {
				system, v := rf.stored()
				ids = append(ids, store.ScopedIdentityID(rf.kind, system, v, r.system, r.key))
			}
		}
	}
	scoped, err := l.identities(ctx, ids)
	if err != nil {
		return err
	}
	for id, doc := range scoped {
		existing[id] = doc
	}
	return nil
}

// hold reads what the store holds of the records' native keys and
// matching values, and marks held the values a person unlinked: they never
// join again.
func (l *Linker) hold(ctx context.Context, records []record) (map[string]*store.Identity, error) {
	var ids []string
	for _, r := range records {
		ids = append(ids, store.IdentityID(store.KindExternalID, r.system, r.key))
		for _, rf := range r.refs {
			// Blocked values too: one linked before it was blocked is
			// taken from its customer.
			if rf.status == store.StatusMatch || rf.status == store.StatusBlocked {
				ids = append(ids, rf.id())
			}
		}
	}
	existing, err := l.identities(ctx, ids)
	if err != nil {
		return nil, err
	}
	for i := range records {
		for j := range records[i].refs {
			rf := &records[i].refs[j]
			if rf.status != store.StatusMatch {
				continue
			}
			rf.held = false
			if doc := existing[rf.id()]; doc != nil && doc.Status == store.StatusUnlinked {
				rf.held = true
			}
		}
	}
	return existing, nil
}

// linksOf lists the identities to add: each group's native keys and values,
// linked to its owner, except those the store holds already (linked to
// this customer or another, or unlinked by a person). Values that match
// nobody get a copy scoped to their record.
func linksOf(c clustering, records []record, owners []string, existing map[string]*store.Identity, at time.Time, full bool) []store.Identity {
	var links []store.Identity
	seen := map[string]bool{}
	add := func(doc store.Identity) {
		if seen[doc.ID] || existing[doc.ID] != nil {
			return
		}
		seen[doc.ID] = true
		doc.LinkedAt = at
		links = append(links, doc)
	}
	for gi, g := range c.groups {
		customerID := owners[gi]
		if customerID == "" {
			continue
		}
		for _, m := range g.members {
			r := records[m]
			add(store.Identity{ID: store.IdentityID(store.KindExternalID, r.system, r.key), CustomerID: customerID,
				Kind: store.KindExternalID, System: r.system, Value: r.key, Rule: g.rule[m], Source: r.system, Confidence: g.confidence[m]})
			for _, rf := range r.refs {
				if rf.held {
					continue
				}
				system, v := rf.stored()
				doc := store.Identity{ID: rf.id(), CustomerID: customerID, Kind: rf.kind, System: system, Value: v,
					Rule: RuleRecord, Source: r.system, Confidence: 1, Status: c.status(rf), Reason: c.reason(rf)}
				if doc.Status != store.StatusMatch {
					if o := existing[rf.id()]; !full && doc.Status == store.StatusShared && o != nil && o.CustomerID == customerID {
						continue // linked before the value was seen elsewhere: the customer shows it already
					}
					doc.ID = store.ScopedIdentityID(rf.kind, system, v, r.system, r.key)
				}
				add(doc)
			}
		}
	}
	return links
}

// identities returns the stored identities among ids, by ID.
func (l *Linker) identities(ctx context.Context, ids []string) (map[string]*store.Identity, error) {
	return byID(ctx, ids, l.Store.Owners)
}

// customers returns the stored customers among ids, by ID.
func (l *Linker) customers(ctx context.Context, ids []string) (map[string]*store.Customer, error) {
	return byID(ctx, ids, l.Store.CustomersByID)
}

// byID looks up distinct ids with an aligned store lookup, in chunks of one
// $in query each, and returns what exists by ID.
func byID[T any](ctx context.Context, ids []string, find func(context.Context, []string) ([]*T, error)) (map[string]*T, error) {
	ids = slices.Clone(ids)
	slices.Sort(ids)
	ids = slices.Compact(ids)
	out := make(map[string]*T, len(ids))
	const chunk = 500
	for start := 0; start < len(ids); start += chunk {
		part := ids[start:min(start+chunk, len(ids))]
		found, err := find(ctx, part)
		if err != nil {
			return nil, err
		}
		for i, f := range found {
			if f != nil {
				out[part[i]] = f
			}
		}
	}
	return out, nil
}

// owners returns the customer of each group ("" when none can be linked)
// and the customers to create. A member's own native key decides first (the
// record was linked before); in a full sync, matching values vote next. A customer merged
// into another is never chosen: its identities already moved to the
// survivor.
func (l *Linker) owners(ctx context.Context, c clustering, records []record, existing map[string]*store.Identity, pins pinning, full bool) ([]string, []store.Customer, error) {
	votes := make([]map[string]int, len(c.groups))
	var ids []string
	for gi, g := range c.groups {
		votes[gi] = map[string]int{}
		for _, m := range g.members {
			r := records[m]
			extID := store.IdentityID(store.KindExternalID, r.system, r.key)
			if doc := existing[extID]; voter(doc) {
				votes[gi][doc.CustomerID] += 100
				if pins.records[extID] {
					votes[gi][doc.CustomerID] += 10000
				}
			}
			if !full {
				// A lookup sees a few records, not the customer's others:
				// it cannot weigh the evidence against them, so a record
				// joins a customer through its own key only, and the next
				// full sync merges what belongs together.
				continue
			}
			for _, rf := range r.refs {
				if rf.matches() && c.shared[rf.matchKey()] == "" {
					if doc := existing[rf.id()]; voter(doc) {
						votes[gi][doc.CustomerID]++
					}
				}
			}
		}
		for id := range votes[gi] {
			ids = append(ids, id)
		}
		ids = append(ids, newCustomerID(records[g.members[0]]))
	}
	known, err := l.customers(ctx, ids)
	if err != nil {
		return nil, nil, err
	}
	// An erased customer's ID is retired like a merged-away one: records
	// a system still holds after an erasure start a new customer.
	mergedAway := func(id string) bool {
		return known[id] != nil && (known[id].MergedInto != "" || known[id].ErasedAt != nil)
	}
	// Each customer goes to one group at most: the group with the most of
	// its records (ties to the earlier group), so that a customer whose
	// records the evidence now splits keeps the larger part.
	type candidate struct {
		group int
		id    string
		votes int
	}
	var cands []candidate
	for gi := range votes {
		for id, v := range votes[gi] {
			if !mergedAway(id) {
				cands = append(cands, candidate{gi, id, v})
			}
		}
	}
	slices.SortFunc(cands, func(a, b candidate) int {
		return cmp.Or(cmp.Compare(b.votes, a.votes), cmp.Compare(a.group, b.group), cmp.Compare(a.id, b.id))
	})
	owners := make([]string, len(c.groups))
	taken := map[string]bool{}
	for _, cd := range cands {
		if owners[cd.group] == "" && !taken[cd.id] {
			owners[cd.group], taken[cd.id] = cd.id, true
		}
	}
	var fresh []store.Customer
	for gi, g := range c.groups {
		if owners[gi] != "" {
			continue
		}
		// A new customer, named after its first record; after the next
		// one when a merge retired that ID or another group has it.
		for n, m := range g.members {
			id := newCustomerID(records[m])
			if n > 0 {
				more, err := l.customers(ctx, []string{id})
				if err != nil {
					return nil, nil, err
				}
				known[id] = more[id]
			}
			if mergedAway(id) || taken[id] {
				continue
			}
			owners[gi], taken[id] = id, true
			if known[id] == nil {
				fresh = append(fresh, store.Customer{ID: id})
			}
			break
		}
		if owners[gi] == "" {
			// Every candidate ID is retired or taken: a successor ID
			// derived from the first record's.
			id := successorID(newCustomerID(records[g.members[0]]))
			for taken[id] {
				id = successorID(id)
			}
			owners[gi], taken[id] = id, true
			more, err := l.customers(ctx, []string{id})
			if err != nil {
				return nil, nil, err
			}
			if more[id] == nil {
				fresh = append(fresh, store.Customer{ID: id})
			} else if mergedAway(id) || more[id].MergedInto != "" || more[id].ErasedAt != nil {
				return nil, nil, fmt.Errorf("identity: no free customer ID for a group of %d records", len(g.members))
			}
		}
	}
	return owners, fresh, nil
}

// voter reports whether a stored identity can vote for its customer.
func voter(doc *store.Identity) bool {
	return doc != nil && doc.Status == store.StatusMatch && doc.CustomerID != ""
}

// newCustomerID derives a customer ID from the record that starts it, so a
// fresh store linked from the same systems gets the same IDs.
func newCustomerID(anchor record) string {
	h := sha256.Sum256([]byte(anchor.system + "\x00" + anchor.key))
	return "cus_" + hex.EncodeToString(h[:8])
}

// successorID derives the ID a record's customer gets when its own ID was
// retired by an erasure.
func successorID(retired string) string {
	h := sha256.Sum256([]byte("successor\x00" + retired))
	return "cus_" + hex.EncodeToString(h[:8])
}

// unsuppressed drops the records that carry an erased person's native key
// or matching identifier (the suppression list): a system that cannot
// erase still holds them, and linking them would bring the person back.
// It returns the others and how many it dropped.
func (l *Linker) unsuppressed(records []record) ([]record, int) {
	if l.Suppression == nil || l.Suppression.Len() == 0 {
		return records, 0
	}
	kept := records[:0:0]
	for _, r := range records {
		if l.Suppression.Key(r.system, r.key) || slices.ContainsFunc(r.refs, func(rf ref) bool {
			if rf.status != store.StatusMatch {
				return false
			}
			system, v := rf.stored()
			return l.Suppression.Identifier(rf.kind, system, v)
		}) {
			continue
		}
		kept = append(kept, r)
	}
	return kept, len(records) - len(kept)
}
