package population

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"time"
)

// conversations generates 0-8 helpdesk conversations, newest first. Their
// channels follow what the helpdesk knows (WhatsApp needs a WhatsApp ID,
// e-mail an address); subjects may cite the person's real orders.
func (g *generator) conversations(r *rand.Rand, p *Person, rec Record) []Conversation {
	times := chronological(r, skewed(r, 8), activityFrom(rec), Now.Add(-time.Hour))
	out := make([]Conversation, 0, len(times))
	for _, t := range times {
		seq := g.nextSeq("conversation")
		c := Conversation{
			ID:        fmt.Sprintf("cv_%d", seq),
			Channel:   conversationChannel(r, rec),
			Subject:   subject(r, p, t),
			CreatedAt: t,
			ThreadRef: fmt.Sprintf("T-%06d", seq),
		}
		var reply time.Time
		switch c.Channel {
		case "chat":
			reply = later(r, t, 20*time.Second, 30*time.Minute)
		case "whatsapp":
			reply = later(r, t, 2*time.Minute, 4*time.Hour)
		default:
			reply = later(r, t, 30*time.Minute, 48*time.Hour)
		}
		solve := later(r, reply, 10*time.Minute, 72*time.Hour)
		age := Now.Sub(t)
		switch f := r.Float64(); {
		case reply.After(Now) || (age < 7*24*time.Hour && f < 0.2):
			c.Status = "open"
		case solve.After(Now) || (age < 7*24*time.Hour && f < 0.5) || f < 0.04:
			c.Status = "pending"
			c.FirstResponseAt = &reply
		default:
			c.Status = "solved"
			c.FirstResponseAt = &reply
			c.SolvedAt = &solve
		}
		c.MessagesCount = 1
		if c.FirstResponseAt != nil {
			c.MessagesCount = 2 + r.IntN(12)
		}
		if c.Status == "solved" && chance(r, 0.45) {
			c.Satisfaction = "good"
			if chance(r, 0.2) {
				c.Satisfaction = "bad"
			}
		}
		out = append(out, c)
	}
	sortNewestFirst(out, func(c Conversation) (time.Time, int64) { return c.CreatedAt, idNumber(c.ID) })
	return out
}

func conversationChannel(r *rand.Rand, rec Record) string {
	f := r.Float64()
	switch {
	case rec.WhatsApp != "" && f < 0.35:
		return "whatsapp"
	case rec.Email != "" && f > 0.65:
		return "email"
	default:
		return "chat"
	}
}

// subject picks a subject line; one citing an order uses an order the
// person placed before t, or falls back to a general subject.
func subject(r *rand.Rand, p *Person, t time.Time) string {
	s := pick(r, subjects)
	if !strings.Contains(s, "%s") {
		return s
	}
	if strings.Contains(s, "available") {
		return fmt.Sprintf(s, strings.ToLower(pick(r, Products).Title))
	}
	for _, o := range p.Orders { // newest first
		if o.CreatedAt.Before(t) {
			return fmt.Sprintf(s, o.Name)
		}
	}
	return "Question about an order"
}
