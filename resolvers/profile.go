package resolvers

import (
	"cmp"
	"context"
	"slices"
	"time"

	"github.com/graph-gophers/dataloader/v7"

	"github.com/harmonyhq/harmony/connectors"
	"github.com/harmonyhq/harmony/graph/model"
	"github.com/harmonyhq/harmony/internal/loaders"
	"github.com/harmonyhq/harmony/internal/sources"
)

// canonical lists the profile fields with a place of their own in the
// schema, and where each goes.
var canonical = []struct {
	name string
	set  func(*model.Profile, *model.ProfileField)
}{
	{connectors.FieldGivenName, func(p *model.Profile, f *model.ProfileField) { p.GivenName = f }},
	{connectors.FieldFamilyName, func(p *model.Profile, f *model.ProfileField) { p.FamilyName = f }},
	{connectors.FieldEmail, func(p *model.Profile, f *model.ProfileField) { p.Email = f }},
	{connectors.FieldPhone, func(p *model.Profile, f *model.ProfileField) { p.Phone = f }},
	{connectors.FieldWhatsApp, func(p *model.Profile, f *model.ProfileField) { p.Whatsapp = f }},
	{connectors.FieldLoyaltyCard, func(p *model.Profile, f *model.ProfileField) { p.LoyaltyCard = f }},
	{connectors.FieldBirthDate, func(p *model.Profile, f *model.ProfileField) { p.BirthDate = f }},
	{connectors.FieldCity, func(p *model.Profile, f *model.ProfileField) { p.City = f }},
	{connectors.FieldCountry, func(p *model.Profile, f *model.ProfileField) { p.Country = f }},
	{connectors.FieldLanguage, func(p *model.Profile, f *model.ProfileField) { p.Language = f }},
}

var isCanonical = func() map[string]bool {
	m := map[string]bool{}
	for _, c := range canonical {
		m[c.name] = true
	}
	return m
}()

// sourced is one source's record of the customer.
type sourced struct {
	source string
	rec    loaders.ProfileRecord
	// stale is set when the record was not read from its system for this
	// answer (it failed): rec.FetchedAt is when it was.
	stale bool
}

// pendingProfile is one source record being loaded.
type pendingProfile struct {
	src   *sources.Source
	key   string
	thunk dataloader.Thunk[loaders.ProfileRecord]
}

// startProfile issues the loads of every source's records of the customer.
func (r *Resolver) startProfile(ctx context.Context, keys map[string][]string) []pendingProfile {
	l := loaders.From(ctx)
	var all []pendingProfile
	for _, src := range r.ordered(connectors.CapProfiles) {
		for _, k := range keys[src.Name()] {
			all = append(all, pendingProfile{src, k, l.Profile(ctx, src, k)})
		}
	}
	return all
}

// profile assembles the golden profile from every source's record, issued
// at once (startProfile): each field takes its value by its survivorship
// rule.
func (r *Resolver) profile(ctx context.Context, pending []pendingProfile) *model.Profile {
	var fails failures
	var records []sourced
	st := stalenessOf(ctx)
	for _, p := range pending {
		rec, err := p.thunk()
		if err != nil {
			fails.add(ctx, p.src.Name(), err)
			continue
		}
		if rec.Profile == nil {
			continue
		}
		sv, earlier := st.served(p.src.Name(), connectors.CapProfiles, p.key)
		stale := earlier && sv.Stale
		if earlier {
			rec.FetchedAt = sv.At // read before this answer: say when
		}
		// Of several records in one system, the most recently updated leads.
		if n := len(records); n > 0 && records[n-1].source == p.src.Name() {
			if rec.Profile.UpdatedAt.After(records[n-1].rec.Profile.UpdatedAt) {
				records[n-1].rec, records[n-1].stale = rec, stale
			}
			continue
		}
		records = append(records, sourced{p.src.Name(), rec, stale})
	}
	return golden(records, r.survivorship())
}

// golden picks every canonical field by its rule from records, which are in
// source priority order, one per source; other fields become attributes.
func golden(records []sourced, s survivorship) *model.Profile {
	p := &model.Profile{Attributes: []model.ProfileAttribute{}, Sources: []string{}}
	k := newRanker(records)
	for _, c := range canonical {
		if f := k.field(c.name, s); f != nil {
			c.set(p, f)
		}
	}
	for _, s := range records {
		p.Sources = append(p.Sources, s.source)
		for name, v := range s.rec.Profile.Fields {
			if v == "" || isCanonical[name] {
				continue
			}
			p.Attributes = append(p.Attributes, model.ProfileAttribute{Name: name, Value: v, Source: s.source, FetchedAt: s.rec.FetchedAt})
		}
	}
	slices.SortFunc(p.Attributes, func(a, b model.ProfileAttribute) int {
		return cmp.Or(cmp.Compare(a.Source, b.Source), cmp.Compare(a.Name, b.Name))
	})
	return p
}

func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	t = t.UTC()
	return &t
}
