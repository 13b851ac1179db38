package mailing

import (
	"net/http"
	"time"

	"github.com/harmonyhq/harmony/internal/simulators/simhttp"
)

// Activity is one e-mail event as the API writes it.
type Activity struct {
	ID            string `json:"id"`
	MemberID      string `json:"member_id"`
	Action        string `json:"action"` // sent, open, click, survey_response
	Timestamp     string `json:"timestamp"`
	CampaignID    string `json:"campaign_id"`
	CampaignTitle string `json:"campaign_title"`
	URL           string `json:"url"`
	// SurveyScore is the 0 to 10 answer of a survey_response; absent
	// otherwise.
	SurveyScore *int `json:"survey_score,omitempty"`
}

type activityResponse struct {
	Activity []Activity `json:"activity"`
}

func (s *Server) activity(w http.ResponseWriter, r *http.Request) {
	ids, err := simhttp.SplitIDs(r.URL.Query().Get("member_ids"))
	if err != nil {
		simhttp.BadRequest(w, err)
		return
	}
	var win simhttp.Window
	if win.Since, _, err = simhttp.TimeParam(r, "since"); err != nil {
		simhttp.BadRequest(w, err)
		return
	}
	if win.Until, _, err = simhttp.TimeParam(r, "until"); err != nil {
		simhttp.BadRequest(w, err)
		return
	}
	limit, err := simhttp.IntParam(r, "count_per_member", 10, 0, simhttp.MaxPerKey)
	if err != nil {
		simhttp.BadRequest(w, err)
		return
	}
	out := activityResponse{Activity: []Activity{}}
	at := func(e event) time.Time { return e.Timestamp }
	for _, id := range simhttp.Dedupe(ids) {
		id = memberID(id)
		if s.erased.has(id) {
			continue
		}
		for _, e := range simhttp.Newest(s.eventsOf(id), at, win, limit) {
			out.Activity = append(out.Activity, Activity{
				ID:            e.ID,
				MemberID:      id,
				Action:        e.Action,
				Timestamp:     simhttp.RFC3339(e.Timestamp),
				CampaignID:    e.CampaignID,
				CampaignTitle: e.CampaignTitle,
				URL:           e.URL,
				SurveyScore:   e.Score,
			})
		}
	}
	simhttp.WriteJSON(w, http.StatusOK, out)
}
