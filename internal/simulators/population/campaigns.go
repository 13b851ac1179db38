package population

import (
	"fmt"
	"math/rand/v2"
	"time"
)

// newCampaigns returns two campaigns a month over the history, oldest
// first. They depend on the seed only, not on the population size.
func newCampaigns(seed uint64) []Campaign {
	r := rand.New(rand.NewPCG(splitmix(seed^0xca4a16), splitmix(seed+1)))
	var out []Campaign
	first := time.Date(HistoryStart.Year(), HistoryStart.Month(), 1, 0, 0, 0, 0, time.UTC)
	for m := first; m.Before(Now); m = m.AddDate(0, 1, 0) {
		for _, window := range [][2]int{{3, 12}, {15, 26}} {
			day := window[0] + r.IntN(window[1]-window[0])
			at := time.Date(m.Year(), m.Month(), day, 8+r.IntN(3), r.IntN(60), 0, 0, time.UTC)
			theme := pick(r, campaignThemes)
			id := fmt.Sprintf("%010x", r.Uint64()&0xffffffffff)
			if at.Before(HistoryStart) || !at.Before(Now) {
				continue
			}
			out = append(out, Campaign{
				ID:     id,
				Title:  fmt.Sprintf(theme.title, months[m.Month()-1]+" "+fmt.Sprint(m.Year())),
				SentAt: at,
				URL:    shopBaseURL + "/collections/" + theme.slug,
			})
		}
	}
	return out
}

// MaxEmailEvents caps a person's e-mail events.
const MaxEmailEvents = 40

// emailEvents generates what the person received, opened and clicked,
// newest first: campaigns sent after they subscribed (and before they
// unsubscribed), 0-40 events.
func (g *generator) emailEvents(r *rand.Rand, p *Person, rec Record, campaigns []Campaign) []EmailEvent {
	var out []EmailEvent
	receive := r.Float64() * 0.9
	openRate := 0.15 + r.Float64()*0.5
	for _, c := range campaigns {
		if c.SentAt.Before(rec.CreatedAt) || (!rec.Subscribed && c.SentAt.After(rec.UpdatedAt)) {
			continue
		}
		if !chance(r, receive) || len(out) >= MaxEmailEvents {
			continue
		}
		sent := later(r, c.SentAt, 0, time.Hour)
		ev := EmailEvent{Action: "sent", Timestamp: sent, CampaignID: c.ID, CampaignTitle: c.Title}
		out = append(out, ev)
		if !chance(r, openRate) || len(out) >= MaxEmailEvents {
			continue
		}
		ev.Action, ev.Timestamp = "open", later(r, sent, 5*time.Minute, 72*time.Hour)
		if ev.Timestamp.After(Now) {
			continue
		}
		out = append(out, ev)
		if !chance(r, 0.35) || len(out) >= MaxEmailEvents {
			continue
		}
		ev.Action, ev.Timestamp = "click", later(r, ev.Timestamp, 5*time.Second, 10*time.Minute)
		ev.URL = c.URL + "?utm_source=newsletter&utm_medium=email&utm_campaign=" + c.ID
		if !ev.Timestamp.After(Now) {
			out = append(out, ev)
		}
	}
	// Ids follow time, as a real event store hands them out.
	sortNewestFirst(out, func(e EmailEvent) (time.Time, int64) { return e.Timestamp, 0 })
	for i := len(out) - 1; i >= 0; i-- {
		out[i].ID = fmt.Sprintf("ev_%d", g.nextSeq("email"))
	}
	return out
}
