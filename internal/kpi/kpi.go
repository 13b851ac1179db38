// Package kpi computes the figures of one customer's relationship with the
// company (order count, spend, last contact, first-response time) from the
// orders and interactions the sources returned. The definitions here are the
// ones the schema's descriptions promise.
package kpi

import (
	"cmp"
	"slices"
	"strings"
	"time"

	"github.com/harmonyhq/harmony/connectors"
)

// Metrics are one customer's figures.
type Metrics struct {
	OrderCount int
	// TotalSpent is one sum per currency, sorted by currency.
	TotalSpent []connectors.Money
	// LastContact is the newest interaction that counts as a contact; nil
	// when there is none.
	LastContact *connectors.Interaction
	// AverageFirstResponse is nil when no conversation or ticket has been
	// answered.
	AverageFirstResponse *time.Duration
}

// notSpent are the order statuses that do not count as money spent.
var notSpent = map[string]bool{"refunded": true, "cancelled": true, "canceled": true, "voided": true}

// Compute derives the figures from orders and interactions of all sources.
func Compute(orders []connectors.Order, interactions []connectors.Interaction) Metrics {
	var m Metrics
	m.OrderCount = len(orders)
	sums := map[string]int64{}
	for _, o := range orders {
		if notSpent[strings.ToLower(o.Status)] || o.Total.Currency == "" {
			continue
		}
		sums[o.Total.Currency] += o.Total.Minor
	}
	for cur, minor := range sums {
		m.TotalSpent = append(m.TotalSpent, connectors.Money{Minor: minor, Currency: cur})
	}
	slices.SortFunc(m.TotalSpent, func(a, b connectors.Money) int { return cmp.Compare(a.Currency, b.Currency) })

	var total time.Duration
	answered := 0
	for i := range interactions {
		it := &interactions[i]
		if isContact(it) && (m.LastContact == nil || it.OccurredAt.After(m.LastContact.OccurredAt)) {
			m.LastContact = it
		}
		if (it.Type == connectors.TypeConversation || it.Type == connectors.TypeTicket) &&
			!it.FirstResponseAt.IsZero() && !it.FirstResponseAt.Before(it.OccurredAt) {
			total += it.FirstResponseAt.Sub(it.OccurredAt)
			answered++
		}
	}
	if answered > 0 {
		avg := total / time.Duration(answered)
		m.AverageFirstResponse = &avg
	}
	return m
}

// isContact: every interaction except marketing e-mails merely sent.
func isContact(it *connectors.Interaction) bool {
	return it.Type != connectors.TypeEmailSent
}
