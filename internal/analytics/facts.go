package analytics

import (
	"cmp"
	"slices"
	"time"

	"github.com/harmonyhq/harmony/connectors"
	"github.com/harmonyhq/harmony/internal/kpi"
)

// Facts are what the analytics need of one customer, reduced from the
// orders and interactions the systems hold (and the events Harmony stored):
// small enough to keep 100,000 customers in memory, and enough to answer
// every population figure without reading a system.
type Facts struct {
	// Orders, oldest first (ties: source, then ID).
	Orders []OrderFact
	// Contacts are the customer-initiated contacts (kpi.CustomerInitiated),
	// oldest first.
	Contacts []ContactFact
	// Responses are the answered conversations and tickets: channel and
	// time to the first answer.
	Responses []ResponseFact
	// CSAT and NPS are every survey answer, newest first.
	CSAT, NPS []kpi.Score
	// Touches are the campaigns touched, each with its first touch.
	Touches []TouchFact
	// Events counts the stored webhook events these facts include;
	// LastEventAt is the newest one's arrival, zero when none.
	Events      int
	LastEventAt time.Time
	// seen holds the IDs of the stored events applied (see Apply), so that
	// an event delivered twice counts once.
	seen map[string]bool
	// keys names the native keys the facts were read under (see
	// keySignature): a refresh reads again only customers whose keys
	// changed (a merge, a link, a split).
	keys string
}

// OrderFact is one order.
type OrderFact struct {
	Source, ID string
	At         time.Time
	// Spent is whether it counts as spend (kpi.Spent); Total is its total.
	Spent bool
	Total connectors.Money
}

// ContactFact is one customer-initiated contact.
type ContactFact struct {
	Channel string
	At      time.Time
}

// ResponseFact is one answered conversation or ticket.
type ResponseFact struct {
	Channel string
	Wait    time.Duration
}

// TouchFact is a campaign's first touch by the customer.
type TouchFact struct {
	Source, Campaign string
	At               time.Time
}

// FactsOf reduces one customer's data to its facts.
func FactsOf(in kpi.Input) *Facts {
	f := &Facts{}
	for i := range in.Orders {
		o := &in.Orders[i]
		f.Orders = append(f.Orders, OrderFact{Source: o.Source, ID: o.ID, At: o.PlacedAt.UTC(), Spent: kpi.Spent(&o.Order), Total: o.Total})
	}
	slices.SortFunc(f.Orders, func(a, b OrderFact) int {
		return cmp.Or(a.At.Compare(b.At), cmp.Compare(a.Source, b.Source), cmp.Compare(a.ID, b.ID))
	})
	for i := range in.Interactions {
		f.addInteraction(&in.Interactions[i])
	}
	// Survey answers: the same reading of the attributes as the customer's
	// own metrics.
	f.CSAT, f.NPS = kpi.Answers(in.Interactions)
	f.sortContacts()
	return f
}

// addInteraction adds what one interaction tells, except survey answers.
func (f *Facts) addInteraction(it *kpi.Interaction) {
	if kpi.CustomerInitiated(&it.Interaction) && it.Channel != "" {
		f.Contacts = append(f.Contacts, ContactFact{Channel: it.Channel, At: it.OccurredAt.UTC()})
	}
	if kpi.IsConversation(&it.Interaction) && !it.FirstResponseAt.IsZero() && !it.FirstResponseAt.Before(it.OccurredAt) {
		f.Responses = append(f.Responses, ResponseFact{Channel: it.Channel, Wait: it.FirstResponseAt.Sub(it.OccurredAt)})
	}
	if kpi.IsTouch(it) {
		c := it.Attributes[kpi.AttrCampaign]
		i := slices.IndexFunc(f.Touches, func(t TouchFact) bool { return t.Source == it.Source && t.Campaign == c })
		switch {
		case i < 0:
			f.Touches = append(f.Touches, TouchFact{Source: it.Source, Campaign: c, At: it.OccurredAt.UTC()})
		case it.OccurredAt.Before(f.Touches[i].At):
			f.Touches[i].At = it.OccurredAt.UTC()
		}
	}
}

func (f *Facts) sortContacts() {
	slices.SortFunc(f.Contacts, func(a, b ContactFact) int { return cmp.Or(a.At.Compare(b.At), cmp.Compare(a.Channel, b.Channel)) })
}

// clone copies f deep enough for Apply to change the copy.
func (f *Facts) clone() *Facts {
	c := *f
	c.Contacts = slices.Clone(f.Contacts)
	c.Responses = slices.Clone(f.Responses)
	c.Touches = slices.Clone(f.Touches)
	c.CSAT = slices.Clone(f.CSAT)
	c.NPS = slices.Clone(f.NPS)
	c.seen = make(map[string]bool, len(f.seen)+1)
	for id := range f.seen {
		c.seen[id] = true
	}
	return &c
}

// Event is a stored webhook event as the projection applies it.
type Event struct {
	// ID is the stored event's ID: an event applied twice counts once.
	ID         string
	ReceivedAt time.Time
	// Interaction is the contact it reports, tagged with its connector.
	Interaction kpi.Interaction
}

// Apply adds a stored event's interaction (see StoredEvents); false when
// it was applied before.
func (f *Facts) Apply(e Event) bool { return f.apply(e) }

// apply adds a stored event's interaction; false when it was applied
// before.
func (f *Facts) apply(e Event) bool {
	if f.seen[e.ID] {
		return false
	}
	if f.seen == nil {
		f.seen = map[string]bool{}
	}
	f.seen[e.ID] = true
	f.addInteraction(&e.Interaction)
	csat, nps := kpi.Answers([]kpi.Interaction{e.Interaction})
	f.CSAT = newestFirst(append(f.CSAT, csat...))
	f.NPS = newestFirst(append(f.NPS, nps...))
	f.sortContacts()
	f.Events++
	if e.ReceivedAt.After(f.LastEventAt) {
		f.LastEventAt = e.ReceivedAt.UTC()
	}
	return true
}

func newestFirst(s []kpi.Score) []kpi.Score {
	slices.SortFunc(s, func(a, b kpi.Score) int {
		return cmp.Or(b.At.Compare(a.At), cmp.Compare(b.Source, a.Source), cmp.Compare(b.InteractionID, a.InteractionID))
	})
	return s
}
