package resolvers

import (
	"slices"
	"strings"
	"time"

	"github.com/harmonyhq/harmony/graph/model"
	"github.com/harmonyhq/harmony/internal/config"
)

// survivorship is how the golden profile chooses each field's value among
// the sources' records.
type survivorship struct {
	// rules names each field's rule (config.Survivorship*), "default" for
	// fields not listed; source priority when neither is set.
	rules map[string]string
	// staleAfter marks values fetched longer ago than this stale; 0 never.
	staleAfter time.Duration
	// now is the time staleness is measured at.
	now time.Time
}

// survivorship returns the resolver's settings, measuring staleness now.
func (r *Resolver) survivorship() survivorship {
	return survivorship{rules: r.Survivorship, staleAfter: r.StaleAfter, now: r.now()}
}

// rule returns the rule of a canonical field.
func (s survivorship) rule(field string) model.SurvivorshipRule {
	name, ok := s.rules[field]
	if !ok {
		name = s.rules["default"]
	}
	switch name {
	case config.SurvivorshipMostRecent:
		return model.SurvivorshipRuleMostRecent
	case config.SurvivorshipMostFrequent:
		return model.SurvivorshipRuleMostFrequent
	default:
		return model.SurvivorshipRuleSourcePriority
	}
}

// stale reports whether a value fetched at fetched is out of date.
func (s survivorship) stale(fetched time.Time) bool {
	return s.staleAfter > 0 && s.now.Sub(fetched) > s.staleAfter
}

// sameValue is the comparison of values across systems: trimmed and
// case-insensitive.
func sameValue(a, b string) bool {
	return strings.EqualFold(strings.TrimSpace(a), strings.TrimSpace(b))
}

// valueGroup is the sources agreeing on one value, for most_frequent.
type valueGroup struct {
	value string // the highest-priority source's value
	count int
}

// ranker ranks one customer's records field by field. records are in source
// priority order, one per source; the scratch slices are reused from field
// to field, so a profile costs one sort at most (the recency order, the same
// for every field).
type ranker struct {
	records []sourced
	updated []*time.Time // each record's UpdatedAt, shared by its values
	recent  []int        // record indices, latest UpdatedAt first; nil until needed

	// Reused from field to field.
	order  []int // the field's ranking
	cands  []int // the records holding a value, in priority order (most_frequent)
	group  []int // the group of each of cands (most_frequent)
	groups []valueGroup
}

func newRanker(records []sourced) *ranker {
	k := &ranker{records: records, updated: make([]*time.Time, len(records)), order: make([]int, 0, len(records))}
	for i, r := range records {
		k.updated[i] = timePtr(r.rec.Profile.UpdatedAt)
	}
	return k
}

// rank returns the indices of the records holding a value (not blank) for
// field, best first under rule. The slice is valid until the next call.
//
//   - source priority: priority order.
//   - most recent: latest UpdatedAt first, records without one last, source
//     priority between equals.
//   - most frequent: values held by more sources first (compared with
//     sameValue), source priority between equal counts; the sources of one
//     value together, in priority order.
func (k *ranker) rank(field string, rule model.SurvivorshipRule) []int {
	k.order = k.order[:0]
	switch rule {
	case model.SurvivorshipRuleMostRecent:
		for _, i := range k.recency() {
			if k.value(i, field) != "" {
				k.order = append(k.order, i)
			}
		}
	case model.SurvivorshipRuleMostFrequent:
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
func (k *ranker) value(i int, field string) string {
	v := k.records[i].rec.Profile.Fields[field]
	if strings.TrimSpace(v) == "" {
		return ""
	}
	return v
}

// recency returns the record indices, latest update first; computed once.
func (k *ranker) recency() []int {
	if k.recent != nil {
		return k.recent
	}
	k.recent = make([]int, len(k.records))
	for i := range k.recent {
		k.recent[i] = i
	}
	slices.SortStableFunc(k.recent, func(a, b int) int {
		ta, tb := k.records[a].rec.Profile.UpdatedAt, k.records[b].rec.Profile.UpdatedAt
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
func (k *ranker) byFrequency(field string) {
	k.cands, k.group, k.groups = k.cands[:0], k.group[:0], k.groups[:0]
	for i := range k.records {
		v := k.value(i, field)
		if v == "" {
			continue
		}
		g := slices.IndexFunc(k.groups, func(g valueGroup) bool { return sameValue(g.value, v) })
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

// field builds a golden field for one canonical field; nil when no record
// holds a value.
func (k *ranker) field(name string, s survivorship) *model.ProfileField {
	rule := s.rule(name)
	order := k.rank(name, rule)
	if len(order) == 0 {
		return nil
	}
	won := k.records[order[0]]
	f := &model.ProfileField{
		Value:        k.value(order[0], name),
		Source:       won.source,
		FetchedAt:    won.rec.FetchedAt,
		UpdatedAt:    k.updated[order[0]],
		Rule:         rule,
		Stale:        won.stale || s.stale(won.rec.FetchedAt),
		Alternatives: []model.ProfileValue{},
	}
	for _, i := range order[1:] {
		r, v := k.records[i], k.value(i, name)
		if sameValue(v, f.Value) {
			continue
		}
		if cap(f.Alternatives) == 0 {
			f.Alternatives = make([]model.ProfileValue, 0, len(order)-1)
		}
		f.Alternatives = append(f.Alternatives, model.ProfileValue{
			Value: v, Source: r.source, FetchedAt: r.rec.FetchedAt, UpdatedAt: k.updated[i], Stale: r.stale,
		})
	}
	return f
}
