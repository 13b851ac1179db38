package analytics_test

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"time"

	"github.com/harmonyhq/harmony/connectors"
	"github.com/harmonyhq/harmony/internal/kpi"
)

// A population of shapes the demo has few of, generated here: customers
// with no order, with one order, with orders a minute either side of a
// month's end in zones east and west of UTC, with several currencies, with
// survey answers and conversations on several channels, and campaign
// touches an order follows at the window's edge. Its raw records are plain
// structs, read by the expected figures' code directly.

type rawOrder struct {
	id     string
	at     time.Time // in the customer's own zone
	status string
	cents  int64
	cur    string
}

type rawContact struct {
	id        string
	channel   string
	kind      string // conversation, ticket, message, call, email_opened, visit
	inbound   bool
	at        time.Time
	answered  *time.Time
	csat, nps int // 0: none (nps stored +1 so that 0 can be an answer)
	campaign  string
}

type rawCustomer struct {
	orders   []rawOrder
	contacts []rawContact
}

var zones = []*time.Location{
	time.UTC,
	time.FixedZone("UTC-5", -5*3600),
	time.FixedZone("UTC+9", 9*3600),
	time.FixedZone("UTC+5:30", 5*3600+1800),
	time.FixedZone("UTC-11", -11*3600),
}

var shapesNow = time.Date(2026, time.March, 1, 0, 0, 0, 0, time.UTC)

// shapes generates n customers from seed.
func shapes(seed uint64, n int) []rawCustomer {
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	out := make([]rawCustomer, n)
	for i := range out {
		c := &out[i]
		zone := zones[rng.IntN(len(zones))]
		nOrders := 0
		switch k := rng.IntN(10); {
		case k < 3: // no order
		case k < 6:
			nOrders = 1
		default:
			nOrders = 2 + rng.IntN(9)
		}
		for j := range nOrders {
			var at time.Time
			if rng.IntN(3) == 0 {
				// A minute either side of a month's end, in the customer's zone.
				m := time.Date(2024+rng.IntN(3), time.Month(1+rng.IntN(12)), 1, 0, 0, 0, 0, zone)
				at = m.Add(time.Duration(rng.IntN(3)-1) * time.Minute)
			} else {
				at = shapesNow.Add(-time.Duration(rng.Int64N(int64(800 * 24 * time.Hour)))).In(zone).Truncate(time.Second)
			}
			if at.After(shapesNow) {
				at = shapesNow.Add(-time.Hour).In(zone)
			}
			cur := "EUR"
			if rng.IntN(8) == 0 {
				cur = "JPY"
			}
			status := []string{"paid", "paid", "paid", "refunded", "cancelled", "partially_refunded"}[rng.IntN(6)]
			c.orders = append(c.orders, rawOrder{id: fmt.Sprintf("o%d-%d", i, j), at: at, status: status, cents: int64(500 + rng.IntN(90000)), cur: cur})
		}
		for j := range rng.IntN(14) {
			at := shapesNow.Add(-time.Duration(rng.Int64N(int64(500 * 24 * time.Hour)))).In(zone).Truncate(time.Second)
			ct := rawContact{id: fmt.Sprintf("i%d-%d", i, j), at: at, inbound: rng.IntN(4) != 0}
			switch k := rng.IntN(8); k {
			case 0, 1:
				ct.kind, ct.channel = "conversation", []string{"chat", "whatsapp", "email"}[rng.IntN(3)]
				if rng.IntN(4) != 0 {
					a := at.Add(time.Duration(rng.IntN(36000)) * time.Second)
					ct.answered = &a
					if rng.IntN(2) == 0 {
						ct.csat = 1 + rng.IntN(5)
					}
				}
			case 2:
				ct.kind, ct.channel = "ticket", "email"
				if rng.IntN(2) == 0 {
					a := at.Add(-time.Minute) // an answer before the start: bad data, ignored
					if rng.IntN(3) != 0 {
						a = at.Add(time.Duration(rng.IntN(90000)) * time.Second)
					}
					ct.answered = &a
				}
			case 3:
				ct.kind, ct.channel = "message", []string{"sms", "social"}[rng.IntN(2)]
			case 4:
				ct.kind, ct.channel = "call", "phone"
			case 5:
				ct.kind, ct.channel, ct.inbound = "email_opened", "email", false
				ct.campaign = "camp-" + strconv.Itoa(rng.IntN(4))
				if len(c.orders) > 0 && rng.IntN(2) == 0 {
					// Touched exactly a window, or a second more, before an order.
					o := c.orders[rng.IntN(len(c.orders))].at
					ct.at = o.Add(-kpi.DefaultConversionWindow - time.Duration(rng.IntN(2))*time.Second)
				}
			case 6:
				ct.kind, ct.channel, ct.inbound = "survey_response", "email", true
				ct.nps = 1 + rng.IntN(11)
			default:
				ct.kind, ct.channel = "visit", "web"
			}
			c.contacts = append(c.contacts, ct)
		}
	}
	return out
}

// input is what the systems would answer for c, through the connector
// types.
func (c *rawCustomer) input() kpi.Input {
	var in kpi.Input
	for _, o := range c.orders {
		in.Orders = append(in.Orders, kpi.Order{Source: "shop", Order: connectors.Order{
			ID: o.id, PlacedAt: o.at, Status: o.status, Total: connectors.Money{Minor: o.cents, Currency: o.cur},
		}})
	}
	for _, ct := range c.contacts {
		it := connectors.Interaction{ID: ct.id, Channel: ct.channel, Type: ct.kind, OccurredAt: ct.at, Attributes: map[string]string{}}
		if ct.inbound {
			it.Direction = connectors.DirectionInbound
		} else {
			it.Direction = connectors.DirectionOutbound
		}
		if ct.answered != nil {
			it.FirstResponseAt = *ct.answered
		}
		if ct.csat > 0 {
			it.Attributes["csat"] = strconv.Itoa(ct.csat)
			it.ResolvedAt = ct.at.Add(48 * time.Hour)
		}
		if ct.nps > 0 {
			it.Attributes["nps"] = strconv.Itoa(ct.nps - 1)
		}
		if ct.campaign != "" {
			it.Attributes["campaign"] = ct.campaign
		}
		in.Interactions = append(in.Interactions, kpi.Interaction{Source: "sys", Interaction: it})
	}
	return in
}
