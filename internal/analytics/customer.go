package analytics

import (
	"time"
)

// Periods and bounds of the per-customer scores. The schema's descriptions
// (graph/schema/analytics.graphqls) and docs/analytics.md state them; change
// them together.
const (
	// Year is the period of the frequency and monetary parts: the 365 days
	// up to the computation, (now − 365 d, now].
	Year = 365 * 24 * time.Hour
	// Day is the unit of recency: whole days since, rounded down.
	Day = 24 * time.Hour
	// EngagementContacts is the number of customer-initiated contacts in a
	// year that earns the whole frequency part of the engagement score.
	EngagementContacts = 12
)

// Churn risk levels.
const (
	RiskLow    = "LOW"
	RiskMedium = "MEDIUM"
	RiskHigh   = "HIGH"
)

// Churn is a buyer's churn risk from recency, frequency and monetary value
// (RFM), each scored 1 (worst) to 5 (best) on fixed thresholds:
//
//   - recency, whole days since the last order: ≤ 30 → 5, ≤ 90 → 4,
//     ≤ 180 → 3, ≤ 365 → 2, else 1;
//   - frequency, orders in the last 365 days: ≥ 6 → 5, ≥ 4 → 4, ≥ 2 → 3,
//     1 → 2, 0 → 1;
//   - monetary, net spend (kpi.Spent orders) in the last 365 days in the
//     customer's main currency (the one of most spend), in major units:
//     ≥ 1000 → 5, ≥ 500 → 4, ≥ 200 → 3, > 0 → 2, else 1.
//
// Risk is (50 − (5R + 3F + 2M)) / 40, 0 (safest) to 1; the level is HIGH
// from 0.75, MEDIUM from 0.5, else LOW. Orders of any status count for
// recency and frequency (a refund does not undo the visit).
type Churn struct {
	DaysSinceLastOrder int
	OrdersLastYear     int
	SpendLastYear      int64 // minor units of Currency
	Currency           string
	Recency, Frequency int
	Monetary           int
	Risk               float64
	Level              string
	LastOrderAt        time.Time
	ScoreSum           int // 5R + 3F + 2M, 10 to 50
}

// Churn is the customer's churn risk at now; false when the customer has
// no order (churn is a buyer's risk).
func (f *Facts) Churn(now time.Time) (Churn, bool) {
	if len(f.Orders) == 0 {
		return Churn{}, false
	}
	var c Churn
	last := f.Orders[len(f.Orders)-1].At
	c.LastOrderAt = last
	c.DaysSinceLastOrder = max(0, int(now.Sub(last)/Day))
	spend := map[string]int64{}
	for _, o := range f.Orders {
		if !inYear(o.At, now) {
			continue
		}
		c.OrdersLastYear++
		if o.Spent {
			spend[o.Total.Currency] += o.Total.Minor
		}
	}
	for cur, v := range spend {
		if v > c.SpendLastYear || (v == c.SpendLastYear && cur < c.Currency) || c.Currency == "" {
			c.Currency, c.SpendLastYear = cur, v
		}
	}
	c.Recency = recencyScore(c.DaysSinceLastOrder)
	c.Frequency = frequencyScore(c.OrdersLastYear)
	c.Monetary = monetaryScore(c.SpendLastYear, minorPerMajor(c.Currency))
	c.ScoreSum = 5*c.Recency + 3*c.Frequency + 2*c.Monetary
	c.Risk = float64(50-c.ScoreSum) / 40
	switch {
	case c.ScoreSum <= 20: // risk ≥ 0.75
		c.Level = RiskHigh
	case c.ScoreSum <= 30: // risk ≥ 0.5
		c.Level = RiskMedium
	default:
		c.Level = RiskLow
	}
	return c, true
}

// inYear: at is in (now − 365 d, now].
func inYear(at, now time.Time) bool {
	age := now.Sub(at)
	return age >= 0 && age < Year
}

func recencyScore(days int) int {
	switch {
	case days <= 30:
		return 5
	case days <= 90:
		return 4
	case days <= 180:
		return 3
	case days <= 365:
		return 2
	}
	return 1
}

func frequencyScore(n int) int {
	switch {
	case n >= 6:
		return 5
	case n >= 4:
		return 4
	case n >= 2:
		return 3
	case n == 1:
		return 2
	}
	return 1
}

func monetaryScore(minor, perMajor int64) int {
	switch {
	case minor >= 1000*perMajor:
		return 5
	case minor >= 500*perMajor:
		return 4
	case minor >= 200*perMajor:
		return 3
	case minor > 0:
		return 2
	}
	return 1
}

// minorPerMajor is the minor units in a major one: 1 for the currencies
// without a minor unit, 1000 for those with three decimals, else 100.
func minorPerMajor(currency string) int64 {
	switch currency {
	case "JPY", "KRW", "ISK", "CLP", "VND", "XAF", "XOF", "HUF":
		return 1
	case "BHD", "KWD", "OMR", "JOD", "TND", "LYD", "IQD":
		return 1000
	}
	return 100
}

// Engagement is a customer's engagement score from the recency and
// frequency of the contacts they started (kpi.CustomerInitiated: inbound
// conversations, tickets, messages and calls, on every channel):
//
//   - recency part: 50 × (365 − min(d, 365)) / 365, rounded down, where d is
//     whole days since the last such contact (0 when there is none);
//   - frequency part: 50 × min(n, 12) / 12, rounded down, where n is the
//     number of such contacts in the last 365 days.
//
// Score is their sum, 0 to 100.
type Engagement struct {
	Score              int
	RecencyPoints      int
	FrequencyPoints    int
	ContactsLastYear   int
	DaysSinceContact   int // −1 when there is no contact
	LastContactAt      time.Time
	LastContactChannel string
}

// Engagement is the customer's engagement score at now.
func (f *Facts) Engagement(now time.Time) Engagement {
	e := Engagement{DaysSinceContact: -1}
	for _, c := range f.Contacts {
		if c.At.After(now) {
			continue
		}
		if !c.At.Before(e.LastContactAt) {
			e.LastContactAt, e.LastContactChannel = c.At, c.Channel
		}
		if inYear(c.At, now) {
			e.ContactsLastYear++
		}
	}
	if !e.LastContactAt.IsZero() {
		e.DaysSinceContact = int(now.Sub(e.LastContactAt) / Day)
		e.RecencyPoints = 50 * (365 - min(e.DaysSinceContact, 365)) / 365
	}
	e.FrequencyPoints = 50 * min(e.ContactsLastYear, EngagementContacts) / EngagementContacts
	e.Score = e.RecencyPoints + e.FrequencyPoints
	return e
}
