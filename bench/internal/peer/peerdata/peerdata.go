// Package peerdata is what the peer subgraphs serve: one record per person
// of the simulated population (1,000 by default), under one customer ID
// that every subgraph shares, as federated services do. Orders are the
// person's online orders and in-store sales, interactions their helpdesk
// conversations, calls and e-mails, each newest first.
package peerdata

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/harmonyhq/harmony/internal/simulators/population"
)

// Data is every customer, in ID order.
type Data struct {
	Customers []Customer
	byID      map[string]int
}

// Customer is one person as the three subgraphs know them.
type Customer struct {
	ID         string
	GivenName  string
	FamilyName string
	// Email is unique across customers (the identity sync of a gateway
	// links the three subgraphs' records by it).
	Email        string
	Phone        string
	City         string
	Country      string
	UpdatedAt    time.Time
	Orders       []Order
	Interactions []Interaction
}

// Order is an online order or an in-store sale.
type Order struct {
	ID       string
	PlacedAt time.Time
	Status   string
	Channel  string // online, store
	Cents    int64
	Items    []Item
}

// Item is one line of an order.
type Item struct {
	SKU       string
	Name      string
	Quantity  int
	UnitCents int64
}

// Interaction is a conversation, a call or an e-mail event.
type Interaction struct {
	ID         string
	Channel    string
	Type       string
	OccurredAt time.Time
	Summary    string
	Status     string
}

// Currency of every amount.
const Currency = population.Currency

// New builds the data from pop.
func New(pop *population.Population) *Data {
	d := &Data{byID: make(map[string]int, pop.Len())}
	seen := map[string]bool{}
	for i := range pop.People {
		p := &pop.People[i]
		c := Customer{ID: ID(i), GivenName: p.GivenName, FamilyName: p.FamilyName, Email: p.Email, Phone: p.Phone,
			City: p.City, Country: p.Country, UpdatedAt: population.Now}
		// A family inbox shared by two people would join nobody: the
		// second and later holders get an address of their own.
		if c.Email == "" || seen[c.Email] {
			c.Email = strings.ToLower(c.ID) + "@peer.example"
		}
		seen[c.Email] = true
		for _, o := range p.Orders {
			c.Orders = append(c.Orders, Order{ID: o.Name, PlacedAt: o.CreatedAt, Status: o.FinancialStatus, Channel: "online",
				Cents: o.TotalCents, Items: items(o.Lines)})
		}
		for _, s := range p.Sales {
			c.Orders = append(c.Orders, Order{ID: s.ID, PlacedAt: s.SoldAt, Status: s.Status, Channel: "store",
				Cents: s.TotalCents, Items: items(s.Lines)})
		}
		for _, cv := range p.Conversations {
			c.Interactions = append(c.Interactions, Interaction{ID: cv.ID, Channel: cv.Channel, Type: "conversation",
				OccurredAt: cv.CreatedAt, Summary: cv.Subject, Status: cv.Status})
		}
		for _, call := range p.Calls {
			c.Interactions = append(c.Interactions, Interaction{ID: "call_" + strconv.FormatInt(call.ID, 10), Channel: "phone",
				Type: "call", OccurredAt: call.StartedAt, Summary: call.Outcome, Status: call.Outcome})
		}
		for _, ev := range p.EmailEvents {
			c.Interactions = append(c.Interactions, Interaction{ID: ev.ID, Channel: "email", Type: "email_" + ev.Action,
				OccurredAt: ev.Timestamp, Summary: ev.CampaignTitle})
		}
		slices.SortFunc(c.Orders, func(a, b Order) int {
			return cmp.Or(b.PlacedAt.Compare(a.PlacedAt), cmp.Compare(b.ID, a.ID))
		})
		slices.SortFunc(c.Interactions, func(a, b Interaction) int {
			return cmp.Or(b.OccurredAt.Compare(a.OccurredAt), cmp.Compare(b.ID, a.ID))
		})
		d.byID[c.ID] = len(d.Customers)
		d.Customers = append(d.Customers, c)
	}
	return d
}

func items(lines []population.Line) []Item {
	out := make([]Item, len(lines))
	for i, l := range lines {
		out[i] = Item{SKU: l.SKU, Name: l.Title, Quantity: l.Quantity, UnitCents: l.UnitCents}
	}
	return out
}

// ID is the customer ID of person i.
func ID(i int) string { return fmt.Sprintf("cu_%05d", i+1) }

// Get returns the customer with id, or nil.
func (d *Data) Get(id string) *Customer {
	i, ok := d.byID[id]
	if !ok {
		return nil
	}
	return &d.Customers[i]
}

// Page returns up to first customers after the one with ID after ("" for
// the first page), and whether more follow.
func (d *Data) Page(first int, after string) ([]*Customer, bool) {
	start := 0
	if after != "" {
		start, _ = slices.BinarySearchFunc(d.Customers, after, func(c Customer, id string) int { return cmp.Compare(c.ID, id) })
		if start < len(d.Customers) && d.Customers[start].ID == after {
			start++
		}
	}
	end := min(start+max(first, 0), len(d.Customers))
	out := make([]*Customer, 0, end-start)
	for i := start; i < end; i++ {
		out = append(out, &d.Customers[i])
	}
	return out, end < len(d.Customers)
}

// Amount writes cents as a decimal amount ("129.90").
func Amount(cents int64) string {
	sign := ""
	if cents < 0 {
		sign, cents = "-", -cents
	}
	return fmt.Sprintf("%s%d.%02d", sign, cents/100, cents%100)
}

// Time writes t as RFC 3339 in UTC.
func Time(t time.Time) string { return t.UTC().Format(time.RFC3339) }
