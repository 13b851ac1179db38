package survivorship

import (
	"slices"
	"strings"
	"time"

	"github.com/harmonyhq/harmony/connectors"
)

// Rule is how a field's value is chosen.
type Rule string

// Rules, as configured in profile.survivorship.
const (
	// SourcePriority takes the first source, in priority order, that has a
	// value. The default.
	SourcePriority Rule = "source_priority"
	// MostRecent takes the value of the record updated last.
	MostRecent Rule = "most_recent"
	// MostFrequent takes the value most sources agree on.
	MostFrequent Rule = "most_frequent"
)

// Options are the rules and the staleness measure.
type Options struct {
	// Rules names each field's rule, "default" for fields not listed;
	// source priority when neither is set or the name is unknown.
	Rules map[string]string
	// StaleAfter marks a winning value fetched longer ago than this stale;
	// 0 never.
	StaleAfter time.Duration
	// Now is the time staleness is measured at.
	Now time.Time
}

// Rule returns the rule of a field.
func (o Options) Rule(field string) Rule {
	name, ok := o.Rules[field]
	if !ok {
		name = o.Rules["default"]
	}
	switch r := Rule(name); r {
	case MostRecent, MostFrequent:
		return r
	}
	return SourcePriority
}

// Record is one system's profile record of the customer.
type Record struct {
	Profile *connectors.Profile
	// FetchedAt is when the record was read from its system.
	FetchedAt time.Time
	// Stale is set when the record was not read for this answer (its
	// system failed, and an earlier read stands in).
	Stale bool
}

// Choice is one record's value of a field.
type Choice struct {
	// Record is the record's index.
	Record int
	Value  string
	// Stale: the record is stale, or, for a field's winner, was fetched
	// longer ago than Options.StaleAfter.
	Stale bool
}

// Field is a golden field: the winning value, and the other values held,
// best first (values equal to the winner's, trimmed and case aside, left
// out).
type Field struct {
	Rule Rule
	Choice
	Alternatives []Choice
}

// Same is the comparison of values across systems: trimmed and
// case-insensitive.
func Same(a, b string) bool {
	return strings.EqualFold(strings.TrimSpace(a), strings.TrimSpace(b))
}

// valueGroup is the sources agreeing on one value, for most_frequent.
type valueGroup struct {
	value string // the highest-priority source's value
	count int
}

// Ranker ranks one customer's records field by field. The records are in
// source priority order, one per source; scratch space is reused from
// field to field, so a profile costs one sort at most (the recency order,
// the same for every field). A Ranker is not safe for concurrent use.
type Ranker struct {
	records []Record
	opts    Options
	recent  []int // record indices, latest update first; nil until needed

	// Reused from field to field.
	order  []int // the field's ranking
	cands  []int // the records holding a value, in priority order (most_frequent)
	group  []int // the group of each of cands (most_frequent)
	groups []valueGroup
}

// NewRanker returns a ranker of records under o.
func NewRanker(records []Record, o Options) *Ranker {
	return &Ranker{records: records, opts: o, order: make([]int, 0, len(records))}
}

// Field chooses field's value; false when no record holds one.
func (k *Ranker) Field(name string) (Field, bool) {
	rule := k.opts.Rule(name)
	order := k.rank(name, rule)
	if len(order) == 0 {
		return Field{}, false
	}
	won := k.records[order[0]]
	f := Field{Rule: rule, Choice: Choice{
		Record: order[0],
		Value:  k.value(order[0], name),
		Stale:  won.Stale || k.stale(won.FetchedAt),
	}}
	for _, i := range order[1:] {
		v := k.value(i, name)
		if Same(v, f.Value) {
			continue
		}
		if f.Alternatives == nil {
			f.Alternatives = make([]Choice, 0, len(order)-1)
		}
		f.Alternatives = append(f.Alternatives, Choice{Record: i, Value: v, Stale: k.records[i].Stale})
	}
	return f, true
}

func (k *Ranker) stale(fetched time.Time) bool {
	return k.opts.StaleAfter > 0 && k.opts.Now.Sub(fetched) > k.opts.StaleAfter
}

// rank returns the indices of the records holding a value (not blank) for
// field, best first under rule. The slice is valid until the next call.
//
//   - source priority: priority order.
//   - most recent: latest UpdatedAt first, records without one last, source
//     priority between equals.
//   - most frequent: values held by more sources first (compared with
//     Same), source priority between equal counts; the sources of one
//     value together, in priority order.
func (k *Ranker) rank(field string, rule Rule) []int {
	k.order = k.order[:0]
	switch rule {
	case MostRecent:
		for _, i := range k.recency() {
			if k.value(i, field) != "" {
				k.order = append(k.order, i)
			}
		}
	case MostFrequent:
		k.byFrequency(field)
	default:
		for i := range k.records {
			if k.value(i, field) != "" {
				k.order = append(k.order, i)
			}
		}
	}
	return k.order
}

// value returns record i's value of field, "" when it has none or only
// blanks.
func (k *Ranker) value(i int, field string) string {
	p := k.records[i].Profile
	if p == nil {
		return ""
	}
	v := p.Fields[field]
	if strings.TrimSpace(v) == "" {
		return ""
	}
	return v
}

func (k *Ranker) updatedAt(i int) time.Time {
	if p := k.records[i].Profile; p != nil {
		return p.UpdatedAt
	}
	return time.Time{}
}

// recency returns the record indices, latest update first; computed once.
func (k *Ranker) recency() []int {
	if k.recent != nil {
		return k.recent
	}
	k.recent = make([]int, len(k.records))
	for i := range k.recent {
		k.recent[i] = i
	}
	slices.SortStableFunc(k.recent, func(a, b int) int {
		ta, tb := k.updatedAt(a), k.updatedAt(b)
		switch {
		case ta.Equal(tb):
			return 0
		case ta.IsZero():
			return 1
		case tb.IsZero():
			return -1
		default:
			return tb.Compare(ta)
		}
	})
	return k.recent
}

// byFrequency fills k.order for most_frequent.
func (k *Ranker) byFrequency(field string) {
	k.cands, k.group, k.groups = k.cands[:0], k.group[:0], k.groups[:0]
	for i := range k.records {
		v := k.value(i, field)
		if v == "" {
			continue
		}
		g := slices.IndexFunc(k.groups, func(g valueGroup) bool { return Same(g.value, v) })
		if g < 0 {
			g = len(k.groups)
			k.groups = append(k.groups, valueGroup{value: v})
		}
		k.groups[g].count++
		k.cands = append(k.cands, i)
		k.group = append(k.group, g)
	}
	// Groups are made in the order of their best source, so taking the
	// biggest group left, the first of equals, breaks ties by priority.
	// There are no more groups than sources: a few.
	for range k.groups {
		best := -1
		for g, grp := range k.groups {
			if grp.count > 0 && (best < 0 || grp.count > k.groups[best].count) {
				best = g
			}
		}
		for c, i := range k.cands {
			if k.group[c] == best {
				k.order = append(k.order, i)
			}
		}
		k.groups[best].count = 0 // taken
	}
}
