package identity

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
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
	// PageSize is the page size asked of listing sources, 100 when zero.
	PageSize int
	// Suppression is the suppression list: records carrying an erased
	// person's native key or identifier are never linked. None when nil.
	Suppression *suppress.List
}

// Report says what one Sync did. It holds counts only, never data.
type Report struct {
	Records    int      // records read
	Invalid    int      // identifier values that did not normalise (kept as given, never matching)
	Blocked    int      // identifier values that are blocked (kept, never matching)
	Shared     int      // distinct values held by different people (kept per record, never matching)
	Customers  int      // customers created
	Identities int      // links added
	Refused    int      // joins refused because given names disagree
	Capped     int      // joins refused because a customer would hold too many identities
	Alerts     int      // values held by more people than the policy's alert threshold
	Suppressed int      // records skipped: they carry an erased person's native key or identifier
	Failed     []string // sources whose listing failed; their records were skipped
}

// record is one system's record, reduced to what linking needs.
type record struct {
	system, key string
	refs        []ref
	given       string // folded given name, "" when unknown
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
// again at any time: what is already linked stays as it is, and an identity
// a person unlinked is never linked again.
func (l *Linker) Sync(ctx context.Context) (Report, error) {
	var rep Report
	log := l.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	pol := l.policy()
	var records []record
	for _, src := range l.Sources.With(connectors.CapListProfiles) {
		recs, invalid, err := l.list(ctx, src, pol)
		if err != nil {
			if ctx.Err() != nil {
				return rep, ctx.Err()
			}
			rep.Failed = append(rep.Failed, src.Name())
			log.Warn("identity sync: listing failed; its records are skipped", "connector", src.Name(), "code", string(connectors.CodeOf(err)))
			continue
		}
		rep.Invalid += invalid
		records = append(records, recs...)
	}
	err := l.link(ctx, &rep, records, pol, log)
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
			rep.Failed = append(rep.Failed, src.Name())
			log.Warn("identity lookup failed; its records are skipped", "connector", src.Name(), "code", string(connectors.CodeOf(errs[i])))
			if failed == nil {
				failed = errs[i]
			}
			continue
		}
		for _, p := range found[i] {
			r, bad := reduce(src.Name(), p, pol)
			rep.Invalid += bad
			records = append(records, r)
		}
	}
	if err := l.link(ctx, &rep, records, pol, log); err != nil {
		return rep, err
	}
	return rep, failed
}

// link links records read from the systems to customers: the clustering
// and writing shared by Sync and Lookup.
func (l *Linker) link(ctx context.Context, rep *Report, records []record, pol *Policy, log *slog.Logger) error {
	rep.Records = len(records)
	records, rep.Suppressed = l.unsuppressed(records)
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

	c := cluster(records, pol)
	rep.Refused, rep.Shared, rep.Capped, rep.Alerts = c.refused, len(c.shared), c.capped, len(c.alerts)
	for _, a := range c.alerts {
		log.Warn("identity linking: one identifier is held by many people", "kind", a.kind, "identity", a.id, "people", a.people)
	}

	// Scoped copies of the values that match nobody.
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

	owners, newCustomers, err := l.owners(ctx, c, records, existing)
	if err != nil {
		return err
	}
	now := time.Now
	if l.Now != nil {
		now = l.Now
	}
	at := now().UTC()
	for i := range newCustomers {
		newCustomers[i].CreatedAt = at
	}
	links := linksOf(c, records, owners, existing, at)
	// Customers first, then their links, a chunk of customers at a time: a
	// crash between the two steps leaves customers without links, which
	// the next run completes (IDs are deterministic). One call, so that a
	// new customer's keys document is written with its links at once.
	if rep.Customers, rep.Identities, err = l.Store.AddLinked(ctx, newCustomers, links); err != nil {
		return err
	}
	return nil
}

// hold reads what the store holds of the records' native keys and
// matching values, and marks held the values a person unlinked (or that
// hold any non-matching identity): they never join again.
func (l *Linker) hold(ctx context.Context, records []record) (map[string]*store.Identity, error) {
	var ids []string
	for _, r := range records {
		ids = append(ids, store.IdentityID(store.KindExternalID, r.system, r.key))
		for _, rf := range r.refs {
			if rf.status == store.StatusMatch {
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
			if doc := existing[rf.id()]; doc != nil && (doc.Status != store.StatusMatch || doc.CustomerID == "") {
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
func linksOf(c clustering, records []record, owners []string, existing map[string]*store.Identity, at time.Time) []store.Identity {
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
					Rule: RuleRecord, Source: r.system, Confidence: 1, Status: c.status(rf)}
				if doc.Status != store.StatusMatch {
					if o := existing[rf.id()]; doc.Status == store.StatusShared && o != nil && o.CustomerID == customerID {
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
// record was linked before); matching values vote next. A customer merged
// into another is never chosen: its identities already moved to the
// survivor.
func (l *Linker) owners(ctx context.Context, c clustering, records []record, existing map[string]*store.Identity) ([]string, []store.Customer, error) {
	votes := make([]map[string]int, len(c.groups))
	var ids []string
	for gi, g := range c.groups {
		votes[gi] = map[string]int{}
		for _, m := range g.members {
			r := records[m]
			if doc := existing[store.IdentityID(store.KindExternalID, r.system, r.key)]; voter(doc) {
				votes[gi][doc.CustomerID] += 100
			}
			for _, rf := range r.refs {
				if rf.matches() && !c.shared[rf.matchKey()] {
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
	owners := make([]string, len(c.groups))
	var fresh []store.Customer
	for gi, g := range c.groups {
		best, bestVotes := "", 0
		for id, v := range votes[gi] {
			if mergedAway(id) {
				continue
			}
			if v > bestVotes || (v == bestVotes && cmp.Less(id, best)) {
				best, bestVotes = id, v
			}
		}
		if best != "" {
			owners[gi] = best
			continue
		}
		// A new customer, named after its first record; after the next
		// one when a merge retired that ID.
		for n, m := range g.members {
			id := newCustomerID(records[m])
			if n > 0 {
				more, err := l.customers(ctx, []string{id})
				if err != nil {
					return nil, nil, err
				}
				known[id] = more[id]
			}
			if mergedAway(id) {
				continue
			}
			owners[gi] = id
			if known[id] == nil {
				fresh = append(fresh, store.Customer{ID: id})
			}
			break
		}
		if owners[gi] == "" {
			// Every candidate ID is retired (erased): a successor ID
			// derived from the first record and the retired ID.
			id := successorID(newCustomerID(records[g.members[0]]))
			owners[gi] = id
			more, err := l.customers(ctx, []string{id})
			if err != nil {
				return nil, nil, err
			}
			if more[id] == nil {
				fresh = append(fresh, store.Customer{ID: id})
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

// clustering is what cluster decided.
type clustering struct {
	groups  []group
	shared  map[string]bool // match keys held by different people: they join nobody
	refused int             // joins refused because given names disagree
	capped  int             // joins refused by the identity cap
	alerts  []alert
}

// status is how a value is linked: its own status, or StatusShared for a
// matching value different people hold.
func (c clustering) status(rf ref) string {
	if rf.status == store.StatusMatch && c.shared[rf.matchKey()] {
		return store.StatusShared
	}
	return rf.status
}

// alert is one value held by more people than the alert threshold. It
// names the value by its identity ID only.
type alert struct {
	kind, id string
	people   int
}

// group is one set of records that are one person.
type group struct {
	members    []int           // record indexes, ascending
	rule       map[int]string  // how each member joined
	confidence map[int]float64 // the confidence of that rule
}

// key is one matching value and the records holding it.
type key struct {
	kind    string // phone for WhatsApp IDs
	value   string
	rule    int   // index in Policy.Rules; -1: the kind links but never matches
	holders []int // record indexes, ascending
}

// cluster groups records that share a value of a kind some rule names. It
// is a pure function of the records and the policy.
//
// A value joins nobody when its holders' given names disagree (a family
// inbox): it is shared. That is decided over all the records holding it
// before any join, so a value never joins two records and then meets a
// conflict. Joins then go value by value; a join the given-name guard still
// refuses (two people bridged by a record without a name) makes that value
// shared too, and the joins are redone without it, until none is refused.
// A join that would give a group more than the policy's MaxIdentities
// identities is refused. Groups come out ordered by their first record.
func cluster(records []record, p *Policy) clustering {
	keys := map[string]*key{}
	var order []string
	for i, r := range records {
		for _, rf := range r.refs {
			if !rf.matches() {
				continue
			}
			mk := rf.matchKey()
			k := keys[mk]
			if k == nil {
				kind := rf.kind
				if phoneLike(kind) {
					kind = store.KindPhone
				}
				k = &key{kind: kind, value: rf.value, rule: p.ruleIndex(rf.kind)}
				keys[mk] = k
				order = append(order, mk)
			}
			if n := len(k.holders); n == 0 || k.holders[n-1] != i {
				k.holders = append(k.holders, i)
			}
		}
	}

	byName := map[string]bool{} // shared because given names disagree
	for _, mk := range order {
		if k := keys[mk]; k.rule >= 0 && namesClash(records, k.holders) {
			byName[mk] = true
		}
	}
	var u *unionFind
	for {
		u = newUnionFind(records, keys, byName)
		var clash []string
		for _, mk := range order {
			k := keys[mk]
			if k.rule < 0 || byName[mk] {
				continue
			}
			for _, h := range k.holders[1:] {
				if u.join(k.holders[0], h, p) == refusedName {
					clash = append(clash, mk)
					break
				}
			}
		}
		if len(clash) == 0 {
			break
		}
		for _, mk := range clash {
			byName[mk] = true
		}
	}

	out := clustering{shared: map[string]bool{}, capped: u.capped}
	byRoot := map[int]int{}
	for i := range records {
		root := u.find(i)
		gi, ok := byRoot[root]
		if !ok {
			gi = len(out.groups)
			byRoot[root] = gi
			out.groups = append(out.groups, group{rule: map[int]string{}, confidence: map[int]float64{}})
		}
		out.groups[gi].members = append(out.groups[gi].members, i)
	}
	for _, mk := range order {
		k := keys[mk]
		people := map[int]bool{}
		for _, h := range k.holders {
			people[u.find(h)] = true
		}
		if byName[mk] {
			out.refused += len(people) - 1
		}
		if byName[mk] || len(people) > 1 {
			out.shared[mk] = true
		}
		if len(people) > p.AlertThreshold {
			system, v := stored(k.kind, k.value)
			out.alerts = append(out.alerts, alert{kind: k.kind, id: store.IdentityID(k.kind, system, v), people: len(people)})
		}
	}
	for gi := range out.groups {
		g := &out.groups[gi]
		held := map[string]int{} // joining values, by members holding them
		for _, m := range g.members {
			for _, mk := range joiningKeys(records[m], keys, byName) {
				held[mk]++
			}
		}
		for n, m := range g.members {
			best := -1
			if n > 0 {
				for _, mk := range joiningKeys(records[m], keys, byName) {
					if r := keys[mk].rule; held[mk] > 1 && (best < 0 || r < best) {
						best = r
					}
				}
			}
			if best < 0 {
				g.rule[m], g.confidence[m] = RuleNew, 1 // the record the customer starts from
				continue
			}
			g.rule[m], g.confidence[m] = p.Rules[best].Name, p.Rules[best].Confidence
		}
	}
	return out
}

// joiningKeys lists the distinct keys through which a record can join.
func joiningKeys(r record, keys map[string]*key, byName map[string]bool) []string {
	var out []string
	for _, rf := range r.refs {
		if !rf.matches() {
			continue
		}
		mk := rf.matchKey()
		if keys[mk].rule >= 0 && !byName[mk] && !slices.Contains(out, mk) {
			out = append(out, mk)
		}
	}
	return out
}

// namesClash reports whether two of the records have known given names that
// are neither equal nor one typo apart.
func namesClash(records []record, holders []int) bool {
	var names []string
	for _, h := range holders {
		if n := records[h].given; n != "" && !slices.Contains(names, n) {
			names = append(names, n)
		}
	}
	for i := range names {
		for j := i + 1; j < len(names); j++ {
			if !typoApart(names[i], names[j]) {
				return true
			}
		}
	}
	return false
}

type joinResult int

const (
	joined joinResult = iota
	refusedName
	refusedCap
)

// unionFind holds the groups of one clustering pass, each keyed by its
// root, the group's first record.
type unionFind struct {
	parent []int
	names  []map[string]bool // known given names
	keys   []map[string]int  // joining values held, with their rule index
	ids    []map[string]bool // identities the group would hold that several records can share
	own    []int             // identities only one record can hold (native keys, scoped copies)
	capped int
}

func newUnionFind(records []record, keys map[string]*key, byName map[string]bool) *unionFind {
	n := len(records)
	u := &unionFind{parent: make([]int, n), names: make([]map[string]bool, n), keys: make([]map[string]int, n),
		ids: make([]map[string]bool, n), own: make([]int, n)}
	for i, r := range records {
		u.parent[i] = i
		if r.given != "" {
			u.names[i] = map[string]bool{r.given: true}
		}
		u.keys[i] = map[string]int{}
		u.ids[i] = map[string]bool{}
		u.own[i] = 1 // the native key
		for _, rf := range r.refs {
			switch {
			case rf.held:
			case !rf.matches() || byName[rf.matchKey()]:
				u.own[i]++
			default:
				mk := rf.matchKey()
				u.ids[i][rf.kind+"\x00"+rf.value] = true
				if k := keys[mk]; k.rule >= 0 {
					u.keys[i][mk] = k.rule
				}
			}
		}
	}
	return u
}

func (u *unionFind) find(i int) int {
	for u.parent[i] != i {
		u.parent[i] = u.parent[u.parent[i]]
		i = u.parent[i]
	}
	return i
}

// join puts the records a and b in one group, unless their given names
// disagree or the group would hold too many identities.
func (u *unionFind) join(a, b int, p *Policy) joinResult {
	ra, rb := u.find(a), u.find(b)
	if ra == rb {
		return joined
	}
	if !u.namesAgree(ra, rb) {
		return refusedName
	}
	small, big := u.ids[ra], u.ids[rb]
	if len(small) > len(big) {
		small, big = big, small
	}
	total := len(big) + u.own[ra] + u.own[rb]
	for id := range small {
		if !big[id] {
			total++
		}
	}
	if total > p.MaxIdentities {
		u.capped++
		return refusedCap
	}
	// The earlier group absorbs the later one.
	root, other := min(ra, rb), max(ra, rb)
	u.parent[other] = root
	u.names[root] = union(u.names[root], u.names[other])
	u.ids[root] = union(u.ids[root], u.ids[other])
	keys := u.keys[root]
	if len(keys) < len(u.keys[other]) {
		keys, u.keys[other] = u.keys[other], keys
	}
	for k, r := range u.keys[other] {
		keys[k] = r
	}
	u.keys[root] = keys
	u.own[root] += u.own[other]
	u.names[other], u.ids[other], u.keys[other] = nil, nil, nil
	return joined
}

// namesAgree is the given-name guard between two groups. Unknown names
// agree with anything and equal (folded) names agree; names one typo apart
// agree only when the groups share values of at least two different rules
// (an e-mail and a phone number, say), else they are two people.
func (u *unionFind) namesAgree(ra, rb int) bool {
	for a := range u.names[ra] {
		for b := range u.names[rb] {
			if a == b {
				continue
			}
			if !typoApart(a, b) || u.sharedRules(ra, rb) < 2 {
				return false
			}
		}
	}
	return true
}

// sharedRules counts the distinct rules of the values both groups hold.
func (u *unionFind) sharedRules(ra, rb int) int {
	small, big := u.keys[ra], u.keys[rb]
	if len(small) > len(big) {
		small, big = big, small
	}
	var rules []int
	for k, r := range small {
		if _, ok := big[k]; ok && !slices.Contains(rules, r) {
			rules = append(rules, r)
		}
	}
	return len(rules)
}

// union adds b to a (or a to b, the larger one absorbing) and returns it.
func union(a, b map[string]bool) map[string]bool {
	if len(a) < len(b) {
		a, b = b, a
	}
	if a == nil {
		return b
	}
	for k := range b {
		a[k] = true
	}
	return a
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
