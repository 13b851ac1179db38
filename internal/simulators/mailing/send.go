package mailing

import (
	"fmt"
	"net/http"
	"slices"
	"time"

	"github.com/harmonyhq/harmony/internal/simulators/population"
	"github.com/harmonyhq/harmony/internal/simulators/simhttp"
)

// TransactionalEmail is a transactional send request, as the API reads it.
type TransactionalEmail struct {
	MemberID       string            `json:"member_id"`
	Subject        string            `json:"subject"`
	Body           string            `json:"body"`
	Template       string            `json:"template"`
	Params         map[string]string `json:"params"`
	IdempotencyKey string            `json:"idempotency_key"`
}

// SendStatus is the answer to a transactional send, like Mandrill's.
type SendStatus struct {
	ID     string `json:"_id"`
	Email  string `json:"email"`
	Status string `json:"status"` // sent
}

// transactionalCampaign is the campaign of transactional e-mails in the
// activity.
const transactionalCampaign = "transactional"

// sendTransactional sends one transactional e-mail to a member, like
// Mandrill's POST /messages/send: an array with one status. 404 when there
// is no such member (or it was deleted), 400 without body or template. A
// request repeating an idempotency key is answered as the first one was
// and not sent again. What the e-mail says is never logged or kept.
func (s *Server) sendTransactional(w http.ResponseWriter, r *http.Request) {
	var in TransactionalEmail
	if err := simhttp.DecodeJSON(w, r, &in); err != nil {
		simhttp.BadRequest(w, err)
		return
	}
	id := memberID(in.MemberID)
	i, ok := s.store.byID[id]
	if !ok || s.erased.has(id) {
		simhttp.WriteError(w, http.StatusNotFound, "not_found", "no such member")
		return
	}
	if in.Body == "" && in.Template == "" {
		simhttp.BadRequest(w, fmt.Errorf("body or template required"))
		return
	}
	sent, _ := s.outbox.Send(id, "email", in.IdempotencyKey, time.Now())
	simhttp.WriteJSON(w, http.StatusOK, []SendStatus{{ID: sent.ID, Email: s.store.members[i].EmailAddress, Status: "sent"}})
}

// Sent returns the e-mails sent, oldest first: recipients only (tests).
func (s *Server) Sent() []simhttp.Sent { return s.outbox.Sent() }

// eventsOf returns a member's e-mail events with the transactional e-mails
// sent to it, newest first.
func (s *Server) eventsOf(id string) []event {
	sent := s.outbox.To(id)
	if len(sent) == 0 {
		return s.store.events[id]
	}
	out := make([]event, 0, len(sent)+len(s.store.events[id]))
	for _, m := range sent {
		out = append(out, event{EmailEvent: population.EmailEvent{ID: m.ID, Action: "sent", Timestamp: m.At,
			CampaignID: transactionalCampaign, CampaignTitle: "Transactional e-mail"}})
	}
	out = append(out, s.store.events[id]...)
	slices.SortStableFunc(out, func(a, b event) int { return b.Timestamp.Compare(a.Timestamp) })
	return out
}
