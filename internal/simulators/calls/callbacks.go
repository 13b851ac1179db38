package calls

import (
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/harmonyhq/harmony/internal/simulators/simhttp"
)

// CallbackRequest is a callback task request as the API reads it: an agent
// is to call the contact back, for the reason given.
type CallbackRequest struct {
	ContactID      string            `json:"contact_id"`
	Reason         string            `json:"reason"`
	Params         map[string]string `json:"params"`
	IdempotencyKey string            `json:"idempotency_key"`
}

// Callback is a scheduled callback task as the API writes it.
type Callback struct {
	ID        string `json:"id"`
	ContactID string `json:"contact_id"`
	Status    string `json:"status"` // always "scheduled"
}

// createCallback schedules a callback task for a known contact: 404 for
// another, 400 without a reason. A request repeating an idempotency key is
// answered as the first one was and schedules nothing more.
func (s *Server) createCallback(w http.ResponseWriter, r *http.Request) {
	var in CallbackRequest
	if err := simhttp.DecodeJSON(w, r, &in); err != nil {
		simhttp.BadRequest(w, err)
		return
	}
	id := strings.TrimSpace(in.ContactID)
	if _, ok := s.store.byID[id]; !ok || s.erased.Has(id) {
		simhttp.WriteError(w, http.StatusNotFound, "not_found", "no such contact")
		return
	}
	if in.Reason == "" {
		simhttp.BadRequest(w, errors.New("a reason is required"))
		return
	}
	task, _ := s.callbacks.Send(id, "phone", in.IdempotencyKey, time.Now().UTC().Truncate(time.Second))
	simhttp.WriteJSON(w, http.StatusCreated, Callback{ID: task.ID, ContactID: id, Status: "scheduled"})
}

// Callbacks returns the callback tasks scheduled through the API, oldest
// first, once each whatever the retries (tests).
func (s *Server) Callbacks() []simhttp.Sent { return s.callbacks.Sent() }
