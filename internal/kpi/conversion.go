package kpi

import (
	"cmp"
	"slices"
	"time"

	"github.com/harmonyhq/harmony/connectors"
)

// CampaignTouch is a campaign the customer engaged with, and whether an
// order followed.
type CampaignTouch struct {
	// Campaign is the campaign attribute of the e-mail events; Title is the
	// summary of the first one.
	Campaign, Title string
	Source          string
	// TouchedAt is the first time the customer opened or clicked one of
	// the campaign's e-mails.
	TouchedAt time.Time
	// Order is the first order placed in [TouchedAt, TouchedAt + window];
	// nil when none was.
	Order *Order
}

// Conversion says which campaign touches an order followed.
type Conversion struct {
	Window time.Duration
	// Touches are the campaigns touched, newest touch first (ties: source,
	// then campaign, descending).
	Touches []CampaignTouch
	// Converted counts the touches an order followed.
	Converted int
}

// Rate is Converted / len(Touches), false when nothing was touched.
func (c *Conversion) Rate() (float64, bool) {
	if len(c.Touches) == 0 {
		return 0, false
	}
	return float64(c.Converted) / float64(len(c.Touches)), true
}

// IsTouch reports whether the interaction is a campaign touch: a marketing
// e-mail, naming a campaign, that the customer opened or clicked.
func IsTouch(it *Interaction) bool { return isTouch(it) }

// isTouch: an e-mail the customer opened or clicked, from a campaign.
func isTouch(it *Interaction) bool {
	return (it.Type == connectors.TypeEmailOpened || it.Type == connectors.TypeEmailClicked) &&
		it.Attributes[AttrCampaign] != ""
}

// conversion finds, for each campaign the customer touched, its first touch
// and the first order (any status: a refund does not undo the purchase)
// placed within window after it. One order may convert several campaigns.
func conversion(in Input, window time.Duration) Conversion {
	type key struct{ source, campaign string }
	first := map[key]*CampaignTouch{}
	for i := range in.Interactions {
		it := &in.Interactions[i]
		if !isTouch(it) {
			continue
		}
		k := key{it.Source, it.Attributes[AttrCampaign]}
		if t, ok := first[k]; !ok || it.OccurredAt.Before(t.TouchedAt) {
			first[k] = &CampaignTouch{Campaign: k.campaign, Title: it.Summary, Source: it.Source, TouchedAt: it.OccurredAt}
		}
	}
	orders := make([]*Order, len(in.Orders))
	for i := range in.Orders {
		orders[i] = &in.Orders[i]
	}
	slices.SortFunc(orders, func(a, b *Order) int {
		return cmp.Or(a.PlacedAt.Compare(b.PlacedAt), cmp.Compare(a.Source, b.Source), cmp.Compare(a.ID, b.ID))
	})
	c := Conversion{Window: window, Touches: make([]CampaignTouch, 0, len(first))}
	for _, t := range first {
		// The first order at or after the touch.
		i, _ := slices.BinarySearchFunc(orders, t.TouchedAt, func(o *Order, at time.Time) int { return o.PlacedAt.Compare(at) })
		if i < len(orders) && !orders[i].PlacedAt.After(t.TouchedAt.Add(window)) {
			t.Order = orders[i]
			c.Converted++
		}
		c.Touches = append(c.Touches, *t)
	}
	slices.SortFunc(c.Touches, func(a, b CampaignTouch) int {
		return cmp.Or(b.TouchedAt.Compare(a.TouchedAt), cmp.Compare(b.Source, a.Source), cmp.Compare(b.Campaign, a.Campaign))
	})
	return c
}
