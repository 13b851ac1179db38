package kpi

import (
	"testing"
	"time"

	"github.com/harmonyhq/harmony/connectors"
)

func TestCompute(t *testing.T) {
	t0 := time.Date(2026, 10, 1, 12, 0, 0, 0, time.UTC)
	eur := func(minor int64) connectors.Money { return connectors.Money{Minor: minor, Currency: "EUR"} }
	orders := []connectors.Order{
		{ID: "1", Status: "paid", Total: eur(1000)},
		{ID: "2", Status: "Refunded", Total: eur(5000)},
		{ID: "3", Status: "fulfilled", Total: connectors.Money{Minor: 300, Currency: "GBP"}},
		{ID: "4", Status: "paid", Total: eur(250)},
	}
	interactions := []connectors.Interaction{
		{ID: "a", Type: connectors.TypeConversation, Channel: connectors.ChannelChat, OccurredAt: t0, FirstResponseAt: t0.Add(2 * time.Minute)},
		{ID: "b", Type: connectors.TypeConversation, Channel: connectors.ChannelWhatsApp, OccurredAt: t0.Add(time.Hour), FirstResponseAt: t0.Add(time.Hour + 4*time.Minute)},
		{ID: "c", Type: connectors.TypeTicket, Channel: connectors.ChannelEmail, OccurredAt: t0.Add(2 * time.Hour)}, // unanswered
		{ID: "d", Type: connectors.TypeCall, Channel: connectors.ChannelPhone, OccurredAt: t0.Add(3 * time.Hour)},
		{ID: "e", Type: connectors.TypeEmailSent, Channel: connectors.ChannelEmail, OccurredAt: t0.Add(4 * time.Hour)},
	}
	m := Compute(orders, interactions)
	if m.OrderCount != 4 {
		t.Errorf("OrderCount = %d, want 4", m.OrderCount)
	}
	if len(m.TotalSpent) != 2 || m.TotalSpent[0] != eur(1250) || m.TotalSpent[1].Currency != "GBP" || m.TotalSpent[1].Minor != 300 {
		t.Errorf("TotalSpent = %+v, want EUR 12.50 (refund excluded) and GBP 3.00", m.TotalSpent)
	}
	if m.LastContact == nil || m.LastContact.ID != "d" {
		t.Errorf("LastContact = %+v, want the call (a marketing e-mail sent is no contact)", m.LastContact)
	}
	if m.AverageFirstResponse == nil || *m.AverageFirstResponse != 3*time.Minute {
		t.Errorf("AverageFirstResponse = %v, want 3m", m.AverageFirstResponse)
	}

	empty := Compute(nil, nil)
	if empty.OrderCount != 0 || empty.TotalSpent != nil || empty.LastContact != nil || empty.AverageFirstResponse != nil {
		t.Errorf("empty = %+v", empty)
	}
}
