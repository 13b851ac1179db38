package identity

import (
	"cmp"
	"maps"
	"slices"
	"strings"

	"github.com/nyaruka/phonenumbers"

	"github.com/harmonyhq/harmony/internal/store"
)

// Reasons a value joins nobody although a rule names its kind: recorded on
// its identities (store.Identity.Reason), counted in the sync's report and
// shown by explainMatch. Each is evidence that the records holding the value
// are different people, and evidence always wins over tolerance.
const (
	// ReasonNames: the holders' given names are different names (not one
	// typo apart, or a feminine and masculine form such as Denis/Denise).
	ReasonNames = "names_disagree"
	// ReasonHousehold: given names one letter apart, and nothing personal
	// in common (no mobile number, loyalty card or birth date): two people of
	// one household sharing an inbox and a landline are not two pieces of
	// evidence.
	ReasonHousehold = "household"
	// ReasonBirthDates: the holders' birth dates differ.
	ReasonBirthDates = "birth_dates"
	// ReasonFamilyNames: the holders' family names are different names.
	ReasonFamilyNames = "family_names"
	// ReasonEmails: a phone number held by records whose e-mail addresses
	// differ: a number recycled or passed on, whatever the names.
	ReasonEmails = "emails_differ"
	// ReasonCap: joining would give a customer more identities than the
	// policy's cap.
	ReasonCap = "identity_cap"
)

// clustering is what cluster decided.
type clustering struct {
	groups []group
	// shared holds the match keys held by different people, with the
	// reason: they join nobody.
	shared  map[string]string
	refused map[string]int // people kept apart, by reason
	capped  int            // joins refused by the identity cap
	alerts  []alert
}

// status is how a value is linked: its own status, or StatusShared for a
// matching value different people hold.
func (c clustering) status(rf ref) string {
	if rf.status == store.StatusMatch && c.shared[rf.matchKey()] != "" {
		return store.StatusShared
	}
	return rf.status
}

// reason is why a value joins nobody, "" when it matches or its status
// says it all.
func (c clustering) reason(rf ref) string {
	if rf.status == store.StatusMatch {
		return c.shared[rf.matchKey()]
	}
	return ""
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
	kind     string // phone for WhatsApp IDs
	value    string
	rule     int   // index in Policy.Rules; -1: the kind links but never matches
	personal bool  // a loyalty card or a mobile number: one person's, not a household's
	holders  []int // record indexes, ascending
}

// cluster groups records that share a value of a kind some rule names. It
// is a pure function of the records (in their order) and the policy; the
// sync sorts records by system and key first, so that the partition does
// not depend on the order systems list them in.
//
// Evidence that the holders of a value are different people makes the
// value shared: it joins nobody. Some evidence is read over every record
// holding the value before any join (given names that are different names,
// different birth dates or family names); the rest between the groups a
// value would join (a one-letter difference in given names with nothing
// personal in common, different e-mail addresses behind one phone number,
// and the same checks over everything the groups hold, which catches a
// nameless record bridging two people). A value refused there becomes
// shared and the joins are redone without it, until none is refused.
// Values are joined in rule priority order, then by value, so the value
// refused is the same whatever the records' order. A join that would give
// a group more than the policy's MaxIdentities identities is refused.
// Groups come out ordered by their first record.
//
// forced lists sets of records a person put together (the records of a
// customer a person shaped by hand): each is one group from the start,
// whatever the evidence, and the evidence checks pass when any of its
// names (birth dates, family names) agrees.
func cluster(records []record, p *Policy, forced [][]int) clustering {
	keys := map[string]*key{}
	var order []string
	mobile := map[string]bool{}
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
				switch kind {
				case store.KindLoyaltyCard:
					k.personal = true
				case store.KindPhone:
					k.personal = isMobile(mobile, rf.value)
				}
				keys[mk] = k
				order = append(order, mk)
			}
			if n := len(k.holders); n == 0 || k.holders[n-1] != i {
				k.holders = append(k.holders, i)
			}
		}
	}
	slices.SortFunc(order, func(a, b string) int {
		return cmp.Or(cmp.Compare(priority(keys[a].rule), priority(keys[b].rule)), cmp.Compare(a, b))
	})

	shared := map[string]string{}
	for _, mk := range order {
		if k := keys[mk]; k.rule >= 0 {
			if reason := holdersDisagree(records, k.holders); reason != "" {
				shared[mk] = reason
			}
		}
	}
	var u *unionFind
	for {
		u = newUnionFind(records, keys, shared)
		for _, set := range forced {
			for _, m := range set[1:] {
				u.merge(u.find(set[0]), u.find(m))
			}
		}
		refused := map[string]string{}
		for _, mk := range order {
			k := keys[mk]
			if k.rule < 0 || shared[mk] != "" {
				continue
			}
			for _, h := range k.holders[1:] {
				if reason := u.join(k.holders[0], h, k, p); reason != "" && reason != ReasonCap {
					refused[mk] = reason
					break
				}
			}
		}
		if len(refused) == 0 {
			break
		}
		maps.Copy(shared, refused)
	}

	out := clustering{shared: map[string]string{}, refused: map[string]int{}, capped: u.capped}
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
		if reason := shared[mk]; reason != "" {
			out.shared[mk] = reason
			out.refused[reason] += len(people) - 1
		} else if len(people) > 1 {
			out.shared[mk] = ReasonCap
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
			for _, mk := range joiningKeys(records[m], keys, out.shared) {
				held[mk]++
			}
		}
		for n, m := range g.members {
			best := -1
			if n > 0 {
				for _, mk := range joiningKeys(records[m], keys, out.shared) {
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

// priority orders rule indexes, kinds no rule names last.
func priority(rule int) int {
	if rule < 0 {
		return int(^uint(0) >> 1)
	}
	return rule
}

// isMobile reports whether an E.164 number is a mobile one, with a cache.
// Fixed lines are what households share; numbers whose type the numbering
// plan does not tell (the US) are not counted as personal.
func isMobile(cache map[string]bool, e164 string) bool {
	if m, ok := cache[e164]; ok {
		return m
	}
	m := false
	if n, err := phonenumbers.Parse(e164, ""); err == nil {
		m = phonenumbers.GetNumberType(n) == phonenumbers.MOBILE
	}
	cache[e164] = m
	return m
}

// joiningKeys lists the distinct keys through which a record can join.
func joiningKeys(r record, keys map[string]*key, shared map[string]string) []string {
	var out []string
	for _, rf := range r.refs {
		if !rf.matches() {
			continue
		}
		mk := rf.matchKey()
		if keys[mk].rule >= 0 && shared[mk] == "" && !slices.Contains(out, mk) {
			out = append(out, mk)
		}
	}
	return out
}

// holdersDisagree is the evidence, over every record holding a value, that
// they are different people: given names that are different names, birth
// dates or family names that differ. Names one typo apart are judged
// between groups, where what else they share is known.
func holdersDisagree(records []record, holders []int) string {
	var given, family, birth []string
	for _, h := range holders {
		r := records[h]
		given = addKnown(given, r.given)
		family = addKnown(family, r.family)
		birth = addKnown(birth, r.birth)
	}
	switch {
	case differentNames(given, false):
		return ReasonNames
	case len(birth) > 1:
		return ReasonBirthDates
	case differentNames(family, true):
		return ReasonFamilyNames
	}
	return ""
}

func addKnown(list []string, v string) []string {
	if v == "" || slices.Contains(list, v) {
		return list
	}
	return append(list, v)
}

// differentNames reports whether two of the folded names are different
// names: not equal, not one typo apart, or a feminine and a masculine form.
// Family names may also be one part of the other (a double-barrelled name).
func differentNames(names []string, family bool) bool {
	for i := range names {
		for j := i + 1; j < len(names); j++ {
			a, b := names[i], names[j]
			if family && (containsName(a, b) || containsName(b, a)) {
				continue
			}
			if !typoApart(a, b) || (!family && genderForms(a, b)) {
				return true
			}
		}
	}
	return false
}

// unionFind holds the groups of one clustering pass, each keyed by its
// root, the group's first record.
type unionFind struct {
	parent   []int
	given    [][]string        // known given names
	family   [][]string        // known family names
	birth    [][]string        // known birth dates
	emails   []map[string]bool // e-mail addresses held, joining or not
	personal []map[string]bool // personal joining values held
	ids      []map[string]bool // identities the group would hold that several records can share
	own      []int             // identities only one record can hold (native keys, scoped copies)
	capped   int
}

func newUnionFind(records []record, keys map[string]*key, shared map[string]string) *unionFind {
	n := len(records)
	u := &unionFind{parent: make([]int, n), given: make([][]string, n), family: make([][]string, n), birth: make([][]string, n),
		emails: make([]map[string]bool, n), personal: make([]map[string]bool, n), ids: make([]map[string]bool, n), own: make([]int, n)}
	for i, r := range records {
		u.parent[i] = i
		u.given[i] = addKnown(nil, r.given)
		u.family[i] = addKnown(nil, r.family)
		u.birth[i] = addKnown(nil, r.birth)
		u.emails[i] = map[string]bool{}
		u.personal[i] = map[string]bool{}
		u.ids[i] = map[string]bool{}
		u.own[i] = 1 // the native key
		for _, rf := range r.refs {
			if rf.kind == store.KindEmail && rf.status == store.StatusMatch {
				u.emails[i][rf.value] = true
			}
			switch {
			case rf.held:
			case !rf.matches() || shared[rf.matchKey()] != "":
				u.own[i]++
			default:
				mk := rf.matchKey()
				u.ids[i][rf.kind+"\x00"+rf.value] = true
				if k := keys[mk]; k.rule >= 0 && k.personal {
					u.personal[i][mk] = true
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

// join puts the records a and b, which hold k, in one group. It returns ""
// when they are (or were already) in one group, else the reason it refused.
func (u *unionFind) join(a, b int, k *key, p *Policy) string {
	ra, rb := u.find(a), u.find(b)
	if ra == rb {
		return ""
	}
	if reason := u.disagree(ra, rb, k); reason != "" {
		return reason
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
		return ReasonCap
	}
	u.merge(ra, rb)
	return ""
}

// merge puts the groups of the roots ra and rb in one: the earlier group
// absorbs the later one.
func (u *unionFind) merge(ra, rb int) {
	if ra == rb {
		return
	}
	root, other := min(ra, rb), max(ra, rb)
	u.parent[other] = root
	for _, v := range u.given[other] {
		u.given[root] = addKnown(u.given[root], v)
	}
	for _, v := range u.family[other] {
		u.family[root] = addKnown(u.family[root], v)
	}
	for _, v := range u.birth[other] {
		u.birth[root] = addKnown(u.birth[root], v)
	}
	u.emails[root] = union(u.emails[root], u.emails[other])
	u.personal[root] = union(u.personal[root], u.personal[other])
	u.ids[root] = union(u.ids[root], u.ids[other])
	u.own[root] += u.own[other]
	u.given[other], u.family[other], u.birth[other] = nil, nil, nil
	u.emails[other], u.personal[other], u.ids[other] = nil, nil, nil
}

// disagree is the evidence between two groups that they are two people,
// "" when there is none. A group built by evidence holds one given name
// (or typo variants of it), one birth date and compatible family names; a
// group a person shaped may hold more, and agrees when any of them does.
func (u *unionFind) disagree(ra, rb int, k *key) string {
	if len(u.given[ra]) > 0 && len(u.given[rb]) > 0 {
		reason := ReasonNames
		agree := false
		for _, a := range u.given[ra] {
			for _, b := range u.given[rb] {
				switch {
				case a == b:
					agree = true
				case !typoApart(a, b) || genderForms(a, b):
				case u.sharePersonal(ra, rb):
					agree = true
				default:
					reason = ReasonHousehold
				}
			}
		}
		if !agree {
			return reason
		}
	}
	if len(u.birth[ra]) > 0 && len(u.birth[rb]) > 0 && !intersect(u.birth[ra], u.birth[rb]) {
		return ReasonBirthDates
	}
	if len(u.family[ra]) > 0 && len(u.family[rb]) > 0 && !familyAgrees(u.family[ra], u.family[rb]) {
		return ReasonFamilyNames
	}
	if k.kind == store.KindPhone && len(u.emails[ra]) > 0 && len(u.emails[rb]) > 0 && disjoint(u.emails[ra], u.emails[rb]) {
		return ReasonEmails
	}
	return ""
}

func intersect(a, b []string) bool {
	return slices.ContainsFunc(a, func(v string) bool { return slices.Contains(b, v) })
}

// familyAgrees reports whether a family name of one list is the same name
// as one of the other.
func familyAgrees(a, b []string) bool {
	for _, x := range a {
		for _, y := range b {
			if !differentNames([]string{x, y}, true) {
				return true
			}
		}
	}
	return false
}

// sharePersonal reports whether two groups hold a personal value in
// common (a mobile number, a loyalty card) or the same birth date.
func (u *unionFind) sharePersonal(ra, rb int) bool {
	for _, a := range u.birth[ra] {
		if slices.Contains(u.birth[rb], a) {
			return true
		}
	}
	return !disjoint(u.personal[ra], u.personal[rb])
}

func disjoint(a, b map[string]bool) bool {
	if len(a) > len(b) {
		a, b = b, a
	}
	for k := range a {
		if b[k] {
			return false
		}
	}
	return true
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

// genderForms reports whether two folded given names one letter apart are
// a pair of forms of one name that different people bear: one is the
// other with a final e or a (Denis/Denise, Paul/Paula), or they differ
// only in a final vowel (Mario/Maria).
func genderForms(a, b string) bool {
	x, y := []rune(a), []rune(b)
	if len(x) > len(y) {
		x, y = y, x
	}
	switch len(y) - len(x) {
	case 1:
		last := y[len(y)-1]
		return (last == 'e' || last == 'a') && string(y[:len(y)-1]) == string(x)
	case 0:
		n := len(x)
		return n > 0 && string(x[:n-1]) == string(y[:n-1]) && vowel(x[n-1]) && vowel(y[n-1])
	}
	return false
}

func vowel(r rune) bool { return r == 'a' || r == 'e' || r == 'i' || r == 'o' || r == 'u' || r == 'y' }

// containsName reports whether a is one part of b (Martin in
// Martin-Dupont, folded), at least three letters long.
func containsName(a, b string) bool {
	return len([]rune(a)) >= 3 && strings.Contains(b, a)
}
