package calls

import (
	"net/http"
	"time"

	"github.com/harmonyhq/harmony/internal/simulators/population"
	"github.com/harmonyhq/harmony/internal/simulators/simhttp"
)

// Call is a call as the API writes it.
type Call struct {
	ID         int64   `json:"id"`
	ContactID  string  `json:"contact_id"`
	Direction  string  `json:"direction"` // inbound, outbound
	StartedAt  int64   `json:"started_at"`
	AnsweredAt *int64  `json:"answered_at"`
	EndedAt    int64   `json:"ended_at"`
	Duration   int     `json:"duration"`
	Status     string  `json:"status"`  // always "done"
	Outcome    string  `json:"outcome"` // resolved, callback, missed, voicemail
	Agent      string  `json:"agent"`
	Ref        *string `json:"ref"`
}

type callsResponse struct {
	Calls []Call `json:"calls"`
}

func (s *Server) calls(w http.ResponseWriter, r *http.Request) {
	ids, err := simhttp.SplitIDs(r.URL.Query().Get("contact_ids"))
	if err != nil {
		simhttp.BadRequest(w, err)
		return
	}
	var win simhttp.Window
	if win.Since, _, err = simhttp.UnixParam(r, "from"); err != nil {
		simhttp.BadRequest(w, err)
		return
	}
	if win.Until, _, err = simhttp.UnixParam(r, "to"); err != nil {
		simhttp.BadRequest(w, err)
		return
	}
	limit, err := simhttp.IntParam(r, "per_contact", 10, 0, simhttp.MaxPerKey)
	if err != nil {
		simhttp.BadRequest(w, err)
		return
	}
	out := callsResponse{Calls: []Call{}}
	at := func(c population.Call) time.Time { return c.StartedAt }
	for _, id := range simhttp.Dedupe(ids) {
		if s.erased.Has(id) {
			continue
		}
		for _, c := range simhttp.Newest(s.store.calls[id], at, win, limit) {
			out.Calls = append(out.Calls, toCall(id, c))
		}
	}
	simhttp.WriteJSON(w, http.StatusOK, out)
}

func toCall(contactID string, c population.Call) Call {
	out := Call{
		ID:        c.ID,
		ContactID: contactID,
		Direction: c.Direction,
		StartedAt: c.StartedAt.Unix(),
		EndedAt:   c.EndedAt.Unix(),
		Duration:  c.Duration,
		Status:    "done",
		Outcome:   c.Outcome,
		Agent:     c.Agent,
	}
	if c.AnsweredAt != nil {
		at := c.AnsweredAt.Unix()
		out.AnsweredAt = &at
	}
	if c.Ref != "" {
		ref := c.Ref
		out.Ref = &ref
	}
	return out
}
