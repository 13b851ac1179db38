package identity

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/harmonyhq/harmony/connectors"
	"github.com/harmonyhq/harmony/internal/sources"
	"github.com/harmonyhq/harmony/internal/store"
)

// Rules recorded on links.
const (
	// RuleNew marks the record a customer was created from.
	RuleNew = "new"
	// RuleRecord marks an identifier read from a system's record.
	RuleRecord = "record"
)

// identifierFields maps the profile fields that identify a person to the
// identifier kind they hold.
var identifierFields = []struct{ field, kind string }{
	{connectors.FieldEmail, store.KindEmail},
	{connectors.FieldPhone, store.KindPhone},
	{connectors.FieldWhatsApp, store.KindWhatsApp},
	{connectors.FieldLoyaltyCard, store.KindLoyaltyCard},
}

// Linker links the records of every system that can list its profiles to
// customers in the profile store.
type Linker struct {
	Store      *store.Store
	Sources    *sources.Set
	Normalizer Normalizer
	Log        *slog.Logger
	// Now is the clock, time.Now when nil.
	Now func() time.Time
	// PageSize is the page size asked of listing sources, 100 when zero.
	PageSize int
}

// Report says what one Sync did. It holds counts only, never data.
type Report struct {
	Records    int      // records read
	Invalid    int      // identifier values that did not normalise
	Customers  int      // customers created
	Identities int      // links added
	Refused    int      // matches refused because given names disagree
	Failed     []string // sources whose listing failed; their records were skipped
}

// record is one system's record, reduced to what linking needs.
type record struct {
	system, key string
	refs        []ref
	given       string
}

type ref struct{ kind, value string }

// matchKey is what two records must share to be one person. WhatsApp IDs are
// phone numbers, so they match phones.
func (r ref) matchKey() string {
	kind := r.kind
	if kind == store.KindWhatsApp {
		kind = store.KindPhone
	}
	return kind + "\x00" + r.value
}

// Sync reads every record of every listing source and links them: records
// sharing a normalised identifier join one customer, new records create
// customers, and every identifier and native key becomes a link. It can run
// again at any time: what is already linked stays as it is.
func (l *Linker) Sync(ctx context.Context) (Report, error) {
	var rep Report
	log := l.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	var records []record
	for _, src := range l.Sources.With(connectors.CapListProfiles) {
		recs, invalid, err := l.list(ctx, src)
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
	rep.Records = len(records)

	clusters, refused := cluster(records)
	rep.Refused = refused

	owners, err := l.owners(ctx, records)
	if err != nil {
		return rep, err
	}
	now := time.Now
	if l.Now != nil {
		now = l.Now
	}
	at := now().UTC()
	var newCustomers []store.Customer
	var links []store.Identity
	seen := map[string]bool{}
	for _, c := range clusters {
		customerID := choose(c, records, owners)
		if customerID == "" {
			customerID = newCustomerID(records[c.members[0]])
			newCustomers = append(newCustomers, store.Customer{ID: customerID, CreatedAt: at})
		}
		for _, m := range c.members {
			r := records[m]
			add := func(kind, system, value, rule string) {
				id := store.IdentityID(kind, system, value)
				if seen[id] {
					return
				}
				seen[id] = true
				if owners[id] != "" {
					return // already linked, to this customer or another
				}
				links = append(links, store.Identity{ID: id, CustomerID: customerID, Kind: kind, System: system,
					Value: value, Rule: rule, Source: r.system, Confidence: 1, LinkedAt: at})
			}
			add(store.KindExternalID, r.system, r.key, c.rule[m])
			for _, rf := range r.refs {
				add(rf.kind, "", rf.value, RuleRecord)
			}
		}
	}
	// Customers first: a crash between the two steps leaves customers
	// without links, which the next run completes (IDs are deterministic).
	if rep.Customers, err = l.Store.AddCustomers(ctx, newCustomers); err != nil {
		return rep, err
	}
	if rep.Identities, err = l.Store.AddIdentities(ctx, links); err != nil {
		return rep, err
	}
	return rep, nil
}

// list reads every page of one source.
func (l *Linker) list(ctx context.Context, src *sources.Source) ([]record, int, error) {
	size := l.PageSize
	if size <= 0 {
		size = 100
	}
	var out []record
	invalid := 0
	cursor := ""
	seen := map[string]bool{}
	for {
		page, err := src.ListProfiles(ctx, cursor, size)
		if err != nil {
			return nil, 0, err
		}
		for _, p := range page.Profiles {
			r, bad := l.reduce(src.Name(), p)
			invalid += bad
			out = append(out, r)
		}
		if page.Next == "" {
			return out, invalid, nil
		}
		if seen[page.Next] {
			return nil, 0, connectors.Errorf(connectors.CodeBadResponse, "pagination repeats a cursor")
		}
		seen[page.Next] = true
		cursor = page.Next
	}
}

func (l *Linker) reduce(system string, p connectors.Profile) (record, int) {
	r := record{system: system, key: p.Key, given: strings.ToLower(strings.TrimSpace(p.Get(connectors.FieldGivenName)))}
	invalid := 0
	for _, f := range identifierFields {
		raw := p.Get(f.field)
		if strings.TrimSpace(raw) == "" {
			continue
		}
		v, err := l.Normalizer.Normalize(f.kind, raw)
		if err != nil {
			invalid++
			continue
		}
		r.refs = append(r.refs, ref{kind: f.kind, value: v})
	}
	return r, invalid
}

// owners finds the stored owner of every identifier and native key of the
// records, in chunks of one $in query each.
func (l *Linker) owners(ctx context.Context, records []record) (map[string]string, error) {
	var ids []string
	for _, r := range records {
		ids = append(ids, store.IdentityID(store.KindExternalID, r.system, r.key))
		for _, rf := range r.refs {
			ids = append(ids, store.IdentityID(rf.kind, "", rf.value))
		}
	}
	slices.Sort(ids)
	ids = slices.Compact(ids)
	out := make(map[string]string, len(ids))
	const chunk = 500
	for start := 0; start < len(ids); start += chunk {
		part := ids[start:min(start+chunk, len(ids))]
		found, err := l.Store.Owners(ctx, part)
		if err != nil {
			return nil, err
		}
		for i, f := range found {
			if f != nil {
				out[part[i]] = f.CustomerID
			}
		}
	}
	return out, nil
}

// group is one set of records that are one person.
type group struct {
	members []int          // record indexes, ascending
	rule    map[int]string // how each member joined
}

// cluster groups records that share an identifier, refusing to join two
// groups whose given names are known and disagree. Groups come out ordered
// by their first record.
func cluster(records []record) ([]group, int) {
	parent := make([]int, len(records))
	names := make([]map[string]bool, len(records))
	rule := make(map[int]string, len(records))
	for i, r := range records {
		parent[i] = i
		if r.given != "" {
			names[i] = map[string]bool{r.given: true}
		}
	}
	find := func(i int) int {
		for parent[i] != i {
			parent[i] = parent[parent[i]]
			i = parent[i]
		}
		return i
	}
	refused := 0
	first := map[string]int{}
	for i, r := range records {
		for _, rf := range r.refs {
			k := rf.matchKey()
			j, ok := first[k]
			if !ok {
				first[k] = i
				continue
			}
			ri, rj := find(i), find(j)
			if ri == rj {
				continue
			}
			if !compatible(names[ri], names[rj]) {
				refused++
				continue
			}
			// The earlier group absorbs the later one.
			root, other := min(ri, rj), max(ri, rj)
			parent[other] = root
			for n := range names[other] {
				if names[root] == nil {
					names[root] = map[string]bool{}
				}
				names[root][n] = true
			}
			if _, done := rule[i]; !done {
				rule[i] = rf.kind
			}
		}
	}
	byRoot := map[int]*group{}
	var out []*group
	for i := range records {
		root := find(i)
		g, ok := byRoot[root]
		if !ok {
			g = &group{rule: map[int]string{}}
			byRoot[root] = g
			out = append(out, g)
		}
		g.members = append(g.members, i)
	}
	res := make([]group, len(out))
	for i, g := range out {
		for n, m := range g.members {
			switch r, ok := rule[m]; {
			case n == 0:
				g.rule[m] = RuleNew // the record the customer starts from
			case ok:
				g.rule[m] = r // joined an earlier record through this identifier
			default:
				g.rule[m] = matchRuleOf(records, g, m) // a later record bridged it in
			}
		}
		res[i] = *g
	}
	return res, refused
}

// matchRuleOf names the identifier a member shares with the rest of its
// group.
func matchRuleOf(records []record, g *group, m int) string {
	for _, rf := range records[m].refs {
		for _, o := range g.members {
			if o == m {
				continue
			}
			for _, orf := range records[o].refs {
				if orf.matchKey() == rf.matchKey() {
					return rf.kind
				}
			}
		}
	}
	return RuleNew
}

func compatible(a, b map[string]bool) bool {
	if len(a) == 0 || len(b) == 0 {
		return true
	}
	for n := range a {
		if b[n] {
			return true
		}
	}
	return false
}

// choose returns the stored customer a group belongs to, "" for a new one.
// A member's own native key decides first (the record was linked before);
// identifiers vote next.
func choose(g group, records []record, owners map[string]string) string {
	votes := map[string]int{}
	for _, m := range g.members {
		r := records[m]
		if c := owners[store.IdentityID(store.KindExternalID, r.system, r.key)]; c != "" {
			votes[c] += 100
		}
		for _, rf := range r.refs {
			if c := owners[store.IdentityID(rf.kind, "", rf.value)]; c != "" {
				votes[c]++
			}
		}
	}
	best, bestVotes := "", 0
	for c, v := range votes {
		if v > bestVotes || (v == bestVotes && cmp.Less(c, best)) {
			best, bestVotes = c, v
		}
	}
	return best
}

// newCustomerID derives a customer ID from the record that starts it, so a
// fresh store linked from the same systems gets the same IDs.
func newCustomerID(anchor record) string {
	h := sha256.Sum256([]byte(anchor.system + "\x00" + anchor.key))
	return "cus_" + hex.EncodeToString(h[:8])
}
