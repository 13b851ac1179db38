package kpi

import (
	"cmp"
	"slices"
)

// NPS categories of an answer.
const (
	Detractor = "detractor" // 0 to 6
	Passive   = "passive"   // 7 or 8
	Promoter  = "promoter"  // 9 or 10
)

// Category classifies an NPS answer.
func Category(score int) string {
	switch {
	case score >= 9:
		return Promoter
	case score >= 7:
		return Passive
	}
	return Detractor
}

// Segment is the aggregate of many customers' figures.
type Segment struct {
	// Customers is how many customers were aggregated.
	Customers int
	// Buyers is how many of them placed at least one order.
	Buyers int
	// OrderCount is the sum of their order counts.
	OrderCount int
	// TotalSpent sums their spend per currency, sorted by currency.
	TotalSpent []Money
	// FirstResponse and Resolution pool every conversation of every
	// customer: their means weigh each conversation alike.
	FirstResponse, Resolution Durations
	// CSAT pools every rating; Satisfied counts those of 4 or 5.
	CSAT      Tally
	Satisfied int
	// NPS tallies each respondent's latest answer, and counts them by
	// category.
	NPS                             Tally
	Promoters, Passives, Detractors int
	// Touched and Converted sum the customers' campaign touches and those
	// an order followed.
	Touched, Converted int
	// ChannelMix sums the customers' channel mixes, sorted as each one is.
	ChannelMix []ChannelContacts
}

// Money is a sum of spend in one currency with the mean per customer.
type Money struct {
	Currency string
	// Total is in the currency's minor unit.
	Total int64
	// Mean is Total divided by Segment.Customers (customers without an order
	// in the currency count as zero), rounded to the minor unit, halves away
	// from zero.
	Mean int64
}

// NetPromoterScore is 100 × (promoters − detractors) / respondents, false
// when nobody answered.
func (s *Segment) NetPromoterScore() (float64, bool) {
	if s.NPS.N == 0 {
		return 0, false
	}
	return 100 * float64(s.Promoters-s.Detractors) / float64(s.NPS.N), true
}

// SatisfiedShare is the share of CSAT ratings of 4 or 5, false when there
// is none.
func (s *Segment) SatisfiedShare() (float64, bool) {
	if s.CSAT.N == 0 {
		return 0, false
	}
	return float64(s.Satisfied) / float64(s.CSAT.N), true
}

// ConversionRate is Converted / Touched, false when nothing was touched.
func (s *Segment) ConversionRate() (float64, bool) {
	if s.Touched == 0 {
		return 0, false
	}
	return float64(s.Converted) / float64(s.Touched), true
}

// Aggregate sums the figures of a segment's customers.
func Aggregate(ms []Metrics) Segment {
	s := Segment{Customers: len(ms)}
	spend := map[string]int64{}
	mix := map[string]*ChannelContacts{}
	for i := range ms {
		m := &ms[i]
		s.OrderCount += m.OrderCount
		if m.OrderCount > 0 {
			s.Buyers++
		}
		for _, t := range m.TotalSpent {
			spend[t.Currency] += t.Minor
		}
		s.FirstResponse.Merge(m.FirstResponse)
		s.Resolution.Merge(m.Resolution)
		for _, sc := range m.CSAT.All {
			s.CSAT.add(sc.Value)
			if sc.Value >= 4 {
				s.Satisfied++
			}
		}
		if l := m.NPS.Latest(); l != nil {
			s.NPS.add(l.Value)
			switch Category(l.Value) {
			case Promoter:
				s.Promoters++
			case Passive:
				s.Passives++
			default:
				s.Detractors++
			}
		}
		s.Touched += len(m.Conversion.Touches)
		s.Converted += m.Conversion.Converted
		for _, c := range m.ChannelMix {
			sum := mix[c.Channel]
			if sum == nil {
				sum = &ChannelContacts{Channel: c.Channel}
				mix[c.Channel] = sum
			}
			sum.Contacts += c.Contacts
			if c.Last.After(sum.Last) {
				sum.Last = c.Last
			}
		}
	}
	for cur, total := range spend {
		s.TotalSpent = append(s.TotalSpent, Money{Currency: cur, Total: total, Mean: divRound(total, int64(s.Customers))})
	}
	slices.SortFunc(s.TotalSpent, func(a, b Money) int { return cmp.Compare(a.Currency, b.Currency) })
	s.ChannelMix = sortMix(mix)
	return s
}
