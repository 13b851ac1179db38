package population

import (
	"math/rand/v2"
	"slices"
	"time"
)

// calls generates 0-6 calls, newest first. Some continue a helpdesk
// conversation on the phone: they start shortly after it and carry its
// thread ref.
func (g *generator) calls(r *rand.Rand, p *Person, rec Record) []Call {
	n := skewed(r, 6)
	out := make([]Call, 0, n)
	for range n {
		c := Call{Direction: "inbound", Agent: pick(r, agents)}
		if chance(r, 0.3) {
			c.Direction = "outbound"
		}
		c.StartedAt = between(r, activityFrom(rec), Now.Add(-2*time.Hour))
		if len(p.Conversations) > 0 && chance(r, 0.35) {
			conv := pick(r, p.Conversations)
			start := later(r, conv.CreatedAt, 5*time.Minute, 48*time.Hour)
			if start.Before(Now.Add(-2 * time.Hour)) {
				c.StartedAt, c.Ref = start, conv.ThreadRef
			}
		}
		answered := chance(r, 0.8)
		if c.Direction == "outbound" {
			answered = chance(r, 0.75)
		}
		switch {
		case answered:
			at := later(r, c.StartedAt, 3*time.Second, 40*time.Second)
			c.AnsweredAt = &at
			c.EndedAt = later(r, at, 30*time.Second, 20*time.Minute)
			c.Outcome = "resolved"
			if chance(r, 0.3) {
				c.Outcome = "callback"
			}
		case chance(r, 0.6):
			c.Outcome = "missed"
			c.EndedAt = later(r, c.StartedAt, 10*time.Second, 45*time.Second)
		default:
			c.Outcome = "voicemail"
			c.EndedAt = later(r, c.StartedAt, 30*time.Second, 2*time.Minute)
		}
		c.Duration = int(c.EndedAt.Sub(c.StartedAt) / time.Second)
		out = append(out, c)
	}
	slices.SortStableFunc(out, func(a, b Call) int { return a.StartedAt.Compare(b.StartedAt) })
	for i := range out {
		out[i].ID = 100_000 + int64(g.nextSeq("call"))
	}
	slices.Reverse(out)
	return out
}
