package identityeval

import (
	"slices"
	"strings"
)

// Identifier kinds as the truth matches them: a WhatsApp ID is a phone
// number.
const (
	kindEmail = "email"
	kindPhone = "phone"
	kindCard  = "card"
)

// matchKey names a canonical value of a kind.
func matchKey(kind, value string) string { return kind + ":" + value }

// keysOf lists a record's canonical values as match keys.
func keysOf(r *Record) []string {
	var out []string
	if r.Email != "" {
		out = append(out, matchKey(kindEmail, r.Email))
	}
	for _, ph := range []string{r.Phone, r.WhatsApp} {
		if k := matchKey(kindPhone, ph); ph != "" && !slices.Contains(out, k) {
			out = append(out, k)
		}
	}
	if r.Card != "" {
		out = append(out, matchKey(kindCard, r.Card))
	}
	return out
}

// kindOf is the kind of a match key.
func kindOf(key string) string {
	kind, _, _ := strings.Cut(key, ":")
	return kind
}

// Pair is two records, the lower index first.
type Pair struct{ A, B int }

// Promised returns the pairs of records the documentation promises to
// join (docs/identity.md, docs/identity-eval.md): records of one person
// connected through canonical e-mails, phone numbers (WhatsApp IDs
// included) or loyalty cards that
//
//   - no other person holds,
//   - are not placeholders, role inboxes or recycled numbers,
//   - for a phone number, belong to a person whose records hold one
//     e-mail address at most. The documentation refuses a number joining
//     groups of records whose addresses differ; whether a person's groups
//     differ (an old address, a household's inbox) depends on what else
//     joined them, so the promise leaves such people's numbers out.
//
// Two records joined by such values must have the same given name (case,
// accents and separators aside: Jean-Pierre is Jean Pierre) or none; given
// names one typo apart join only when the records also share something
// personal: a mobile number, a loyalty card or a birth date. Joins are
// transitive: every pair of one connected group is promised. Pairs come
// out sorted.
func (p *Population) Promised() []Pair {
	holders := map[string][]int{}
	emails := make([][]string, len(p.People)) // each person's addresses, placeholders and role inboxes aside
	for i := range p.Records {
		r := &p.Records[i]
		for _, k := range keysOf(r) {
			if hs := holders[k]; !slices.Contains(hs, r.Person) {
				holders[k] = append(hs, r.Person)
			}
		}
		if e := matchKey(kindEmail, r.Email); r.Email != "" && p.Excluded[e] == "" && !slices.Contains(emails[r.Person], e) {
			emails[r.Person] = append(emails[r.Person], e)
		}
	}
	clean := func(k string) bool {
		hs := holders[k]
		return len(hs) == 1 && p.Excluded[k] == "" && (kindOf(k) != kindPhone || len(emails[hs[0]]) <= 1)
	}
	var out []Pair
	for person := range p.People {
		recs := p.byPerson[person]
		parent := make([]int, len(recs))
		for i := range parent {
			parent[i] = i
		}
		find := func(i int) int {
			for parent[i] != i {
				parent[i] = parent[parent[i]]
				i = parent[i]
			}
			return i
		}
		for i, a := range recs {
			for j := i + 1; j < len(recs); j++ {
				if p.joins(a, recs[j], clean) {
					parent[find(j)] = find(i)
				}
			}
		}
		for i, a := range recs {
			for j := i + 1; j < len(recs); j++ {
				if find(i) == find(j) {
					out = append(out, Pair{min(a, recs[j]), max(a, recs[j])})
				}
			}
		}
	}
	slices.SortFunc(out, func(x, y Pair) int {
		if x.A != y.A {
			return x.A - y.A
		}
		return x.B - y.B
	})
	return out
}

// joins reports whether two records of one person join directly.
func (p *Population) joins(a, b int, clean func(string) bool) bool {
	ra, rb := &p.Records[a], &p.Records[b]
	kb := keysOf(rb)
	var shared []string
	for _, k := range keysOf(ra) {
		if clean(k) && slices.Contains(kb, k) {
			shared = append(shared, k)
		}
	}
	switch {
	case len(shared) == 0:
		return false
	case ra.Given == "" || rb.Given == "" || sameGiven(ra.Given, rb.Given):
		return true
	default: // one typo apart: the generator misspells no other way
		return (ra.Birth != "" && ra.Birth == rb.Birth) || slices.ContainsFunc(shared, p.personal)
	}
}

// personal reports whether a match key is a loyalty card or a mobile
// number: something one person holds, unlike a household's inbox or
// landline.
func (p *Population) personal(k string) bool {
	kind, v, _ := strings.Cut(k, ":")
	return kind == kindCard || (kind == kindPhone && !p.landlines[v])
}
