package resolvers

import (
	"context"

	"github.com/harmonyhq/harmony/connectors"
	"github.com/harmonyhq/harmony/graph/model"
	"github.com/harmonyhq/harmony/internal/apperr"
	"github.com/harmonyhq/harmony/internal/consent"
	"github.com/harmonyhq/harmony/internal/loaders"
	"github.com/harmonyhq/harmony/internal/recommend"
)

// Bounds of the recommendations arguments; the schema states them.
const (
	maxRecommendations = 50
	maxContextSKUs     = 20
	maxSKULength       = 100
)

// recommendations answers Customer.recommendations: the model built after
// the last identity sync, scored against the customer's own purchases and
// views read now through the loaders (the metrics' windows, so one batch
// per source for a level of customers, shared with metrics).
func (r *Resolver) recommendations(ctx context.Context, obj *model.Customer, first *int, rc *model.RecommendationContext) (*model.Recommendations, error) {
	n := 10
	if first != nil {
		n = *first
	}
	if n < 1 || n > maxRecommendations {
		return nil, apperr.Input("first must be between 1 and %d", maxRecommendations)
	}
	var ctxSKUs []string
	if rc != nil {
		if len(rc.Skus) > maxContextSKUs {
			return nil, apperr.Input("context.skus holds at most %d items", maxContextSKUs)
		}
		for _, s := range rc.Skus {
			if s == "" || len(s) > maxSKULength {
				return nil, apperr.Input("context.skus are 1 to %d bytes each", maxSKULength)
			}
		}
		ctxSKUs = rc.Skus
	}
	out := &model.Recommendations{Items: []model.Recommendation{}}
	records, err := loaders.From(ctx).Consents(ctx, obj.ID)()
	if err != nil {
		return nil, apperr.Store(err)
	}
	if !consent.Granted(records, "", consent.Personalization) {
		out.Status = model.RecommendationStatusNoConsent
		out.Message = strPtr("the customer has not consented to personalization")
		return out, nil
	}
	var m *recommend.Model
	if r.Recommender != nil {
		m = r.Recommender.Model()
	}
	if m == nil {
		out.Status = model.RecommendationStatusNotReady
		out.Message = strPtr("the recommendation model is not built yet: it is built after the first identity sync")
		return out, nil
	}
	built := m.BuiltAt.UTC()
	out.ModelBuiltAt = &built
	p, err := perCustomer(ctx, obj, func(_ string, keys map[string][]string) pendingMetrics {
		return r.startMetrics(ctx, keys)
	})
	if err != nil {
		return nil, err
	}
	var fails failures
	d := p.wait(ctx, &fails)
	var h recommend.History
	for _, o := range d.in.Orders {
		h = append(h, recommend.OrderSignals(o.Source, []connectors.Order{o.Order})...)
	}
	its := make([]connectors.Interaction, len(d.in.Interactions))
	for i, it := range d.in.Interactions {
		its[i] = it.Interaction
	}
	h = append(h, recommend.ViewSignals(its)...)
	out.Status = model.RecommendationStatusOk
	for _, rec := range m.Recommend(h, recommend.Request{Now: r.now(), First: n, Context: ctxSKUs}) {
		out.Items = append(out.Items, toRecommendation(rec))
	}
	return out, nil
}

func toRecommendation(rec recommend.Recommendation) model.Recommendation {
	why := model.RecommendationReason{Sku: strPtr(rec.Reason.SKU), Name: strPtr(rec.Reason.Name)}
	label := rec.Reason.Name
	if label == "" {
		label = rec.Reason.SKU
	}
	switch rec.Reason.Kind {
	case recommend.BecauseBought:
		why.Kind, why.Text = model.RecommendationReasonKindBought, "because you bought "+label
	case recommend.BecauseViewed:
		why.Kind, why.Text = model.RecommendationReasonKindViewed, "viewed "+label
	case recommend.BecauseContext:
		why.Kind, why.Text = model.RecommendationReasonKindContext, "goes with "+label
	default:
		why.Kind, why.Text = model.RecommendationReasonKindPopular, "popular now"
		why.Sku, why.Name = nil, nil
	}
	return model.Recommendation{Sku: rec.SKU, Name: strPtr(rec.Name), Score: rec.Score, Reason: why}
}
