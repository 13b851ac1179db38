package resolvers

import (
	"time"

	"github.com/harmonyhq/harmony/graph/model"
	surv "github.com/harmonyhq/harmony/internal/survivorship"
)

// survivorship is the resolver's survivorship settings; the rules
// themselves live in internal/survivorship.
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

var ruleModels = map[surv.Rule]model.SurvivorshipRule{
	surv.SourcePriority: model.SurvivorshipRuleSourcePriority,
	surv.MostRecent:     model.SurvivorshipRuleMostRecent,
	surv.MostFrequent:   model.SurvivorshipRuleMostFrequent,
}

// ranker maps one customer's golden fields, chosen by a surv.Ranker, onto
// the GraphQL models.
type ranker struct {
	records []sourced
	updated []*time.Time // each record's UpdatedAt, shared by its values
	k       *surv.Ranker // made by the first field, with its settings
}

func newRanker(records []sourced) *ranker {
	k := &ranker{records: records, updated: make([]*time.Time, len(records))}
	for i, r := range records {
		k.updated[i] = timePtr(r.rec.Profile.UpdatedAt)
	}
	return k
}

// field builds a golden field for one canonical field; nil when no record
// holds a value.
func (k *ranker) field(name string, s survivorship) *model.ProfileField {
	if k.k == nil {
		recs := make([]surv.Record, len(k.records))
		for i, r := range k.records {
			recs[i] = surv.Record{Profile: r.rec.Profile, FetchedAt: r.rec.FetchedAt, Stale: r.stale}
		}
		k.k = surv.NewRanker(recs, surv.Options{Rules: s.rules, StaleAfter: s.staleAfter, Now: s.now})
	}
	f, ok := k.k.Field(name)
	if !ok {
		return nil
	}
	won := k.records[f.Record]
	out := &model.ProfileField{
		Value:        f.Value,
		Source:       won.source,
		FetchedAt:    won.rec.FetchedAt,
		UpdatedAt:    k.updated[f.Record],
		Rule:         ruleModels[f.Rule],
		Stale:        f.Stale,
		Alternatives: make([]model.ProfileValue, 0, len(f.Alternatives)),
	}
	for _, a := range f.Alternatives {
		r := k.records[a.Record]
		out.Alternatives = append(out.Alternatives, model.ProfileValue{
			Value: a.Value, Source: r.source, FetchedAt: r.rec.FetchedAt, UpdatedAt: k.updated[a.Record], Stale: a.Stale,
		})
	}
	return out
}
