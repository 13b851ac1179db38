package resolvers

import (
	"testing"
	"time"

	"github.com/harmonyhq/harmony/connectors"
	"github.com/harmonyhq/harmony/graph/model"
	"github.com/harmonyhq/harmony/internal/kpi"
)

func TestConversionDays(t *testing.T) {
	n := func(v int) *int { return &v }
	tests := []struct {
		name string
		in   *int
		want int
		ok   bool
	}{
		{"default", nil, 7, true},
		{"one day", n(1), 1, true},
		{"ninety days", n(90), 90, true},
		{"zero", n(0), 0, false},
		{"too long", n(91), 0, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := conversionDays(tc.in)
			if (err == nil) != tc.ok || got != tc.want {
				t.Errorf("conversionDays = %d, %v; want %d (ok %v)", got, err, tc.want, tc.ok)
			}
		})
	}
}

// The figures map onto the schema's types: absent means become nulls,
// money its decimal form, the latest score the first of the series.
func TestToCustomerMetrics(t *testing.T) {
	now := time.Date(2026, 10, 1, 12, 0, 0, 0, time.UTC)
	in := kpi.Input{
		Orders: []kpi.Order{{Source: "shop", Order: connectors.Order{ID: "#1", Status: "paid", PlacedAt: now.Add(-48 * time.Hour), Total: connectors.Money{Minor: 12990, Currency: "EUR"}}}},
		Interactions: []kpi.Interaction{
			{Source: "mailing", Interaction: connectors.Interaction{ID: "e1", Type: connectors.TypeEmailOpened, Channel: "email", OccurredAt: now.Add(-72 * time.Hour), Summary: "Autumn", Attributes: map[string]string{"campaign": "c1"}}},
			{Source: "mailing", Interaction: connectors.Interaction{ID: "s1", Type: "survey_response", Channel: "email", OccurredAt: now.Add(-time.Hour), Attributes: map[string]string{"nps": "9"}}},
		},
	}
	m := kpi.Calculate(in, kpi.Options{Now: now})
	out := toCustomerMetrics(&m, metricsData{in: in, ordersComplete: true, interactionsComplete: false}, now, 7)
	if out.Complete || !out.OrdersComplete || out.InteractionsComplete {
		t.Errorf("complete %v, orders %v, interactions %v", out.Complete, out.OrdersComplete, out.InteractionsComplete)
	}
	if len(out.TotalSpent) != 1 || out.TotalSpent[0] != (model.Money{Amount: "129.90", Currency: "EUR"}) ||
		len(out.LifetimeValue) != 1 || out.LifetimeValue[0].AverageOrderValue.Amount != "129.90" {
		t.Errorf("spend %+v, lifetime %+v", out.TotalSpent, out.LifetimeValue)
	}
	if out.AverageFirstResponseSeconds != nil || out.AverageResolutionSeconds != nil || out.PreferredChannel != nil || out.Csat.Latest != nil || out.Csat.Mean != nil {
		t.Errorf("figures without data are not null: %+v", out)
	}
	if out.Nps.Latest == nil || out.Nps.Latest.Score != 9 || out.Nps.Latest.InteractionID != "s1" || out.Nps.Trend != nil || *out.Nps.Last90DaysMean != 9 {
		t.Errorf("nps %+v", out.Nps)
	}
	// The order came a day after the open: converted.
	c := out.Conversion
	if c.WindowDays != 7 || c.TouchedCampaigns != 1 || c.ConvertedCampaigns != 1 || *c.Rate != 1 ||
		len(c.Campaigns) != 1 || c.Campaigns[0].Order == nil || c.Campaigns[0].Order.ID != "#1" || *c.Campaigns[0].Title != "Autumn" {
		t.Errorf("conversion %+v", c)
	}
	if out.LastContactChannel == nil || *out.LastContactChannel != model.ChannelEmail {
		t.Errorf("last contact %v", out.LastContactChannel)
	}
}
