package mailing

import (
	"fmt"
	"hash/fnv"
	"slices"
	"time"

	"github.com/harmonyhq/harmony/internal/simulators/population"
)

// SurveyAction is the activity action of a survey answer, as Mailchimp's
// activity feed names it.
const SurveyAction = "survey_response"

// Survey is a relationship survey the audience is sent once a quarter:
// "How likely are you to recommend us to a friend?", answered 0 to 10 (the
// Net Promoter question).
type Survey struct {
	ID     string // "nps-2026-10"
	Title  string
	SentAt time.Time
}

// Surveys are the surveys sent over the population's history, oldest first:
// on the 15th of January, April, July and October at 09:00 UTC.
func Surveys() []Survey {
	var out []Survey
	for y := population.HistoryStart.Year(); y <= population.Now.Year(); y++ {
		for _, m := range []time.Month{time.January, time.April, time.July, time.October} {
			at := time.Date(y, m, 15, 9, 0, 0, 0, time.UTC)
			if at.Before(population.HistoryStart) || !at.Before(population.Now) {
				continue
			}
			out = append(out, Survey{
				ID:     fmt.Sprintf("nps-%d-%02d", y, m),
				Title:  fmt.Sprintf("How likely are you to recommend us? (%s %d)", m, y),
				SentAt: at,
			})
		}
	}
	return out
}

// SurveyAnswer is a member's answer to a survey.
type SurveyAnswer struct {
	ID     string // "sv_<survey>_<first 12 digits of the member id>"
	Survey Survey
	At     time.Time
	Score  int // 0 to 10
}

// SurveyAnswers returns the answers p gave, newest first; none when p is
// not in the audience. A member is sent the surveys of the time they were
// subscribed; some never answer, the others answer about half of them.
// Each has a leaning (detractor, passive or promoter) that may drift up or
// down over the quarters. Everything follows from the member's id, so the
// answers are the same on every run.
func SurveyAnswers(p *population.Person) []SurveyAnswer {
	rec, ok := p.Records[population.Mailing]
	if !ok {
		return nil
	}
	member := rec.Key
	if draw(member, "answers") >= 65 {
		return nil
	}
	base := 9
	switch lean := draw(member, "lean"); {
	case lean < 20:
		base = 5
	case lean < 45:
		base = 7
	}
	drift := draw(member, "drift")%3 - 1
	var out []SurveyAnswer
	for i, s := range Surveys() {
		if s.SentAt.Before(rec.CreatedAt) || (!rec.Subscribed && s.SentAt.After(rec.UpdatedAt)) {
			continue
		}
		if draw(member, s.ID) >= 55 {
			continue
		}
		score := base + drift*(i/4) + draw(member, s.ID+"/noise")%3 - 1
		out = append(out, SurveyAnswer{
			ID:     "sv_" + s.ID + "_" + member[:min(12, len(member))],
			Survey: s,
			At:     s.SentAt.Add(time.Hour + time.Duration(draw(member, s.ID+"/delay"))*time.Hour),
			Score:  min(10, max(0, score)),
		})
	}
	slices.Reverse(out)
	return out
}

// draw is a number 0 to 99 that follows from a member and a purpose.
func draw(member, purpose string) int {
	h := fnv.New32a()
	h.Write([]byte(member + "\x00" + purpose))
	return int(h.Sum32() % 100)
}

// event is one entry of a member's activity: an e-mail event, or a survey
// answer with its score.
type event struct {
	population.EmailEvent
	Score *int
}

// activityOf merges a member's e-mail events and survey answers, newest
// first (ties: higher id first).
func activityOf(p *population.Person) []event {
	out := make([]event, 0, len(p.EmailEvents))
	for _, e := range p.EmailEvents {
		out = append(out, event{EmailEvent: e})
	}
	for _, a := range SurveyAnswers(p) {
		score := a.Score
		out = append(out, event{Score: &score, EmailEvent: population.EmailEvent{
			ID: a.ID, Action: SurveyAction, Timestamp: a.At, CampaignID: a.Survey.ID, CampaignTitle: a.Survey.Title,
		}})
	}
	slices.SortStableFunc(out, func(a, b event) int { return b.Timestamp.Compare(a.Timestamp) })
	return out
}
