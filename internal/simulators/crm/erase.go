package crm

import (
	"errors"
	"net/http"
	"strings"
	"sync"

	"github.com/harmonyhq/harmony/internal/simulators/simhttp"
)

// erasedSet holds the contacts deleted by a GDPR delete: they disappear
// from every read.
type erasedSet struct {
	mu  sync.RWMutex
	ids map[string]bool
}

func (e *erasedSet) has(id string) bool {
	e.mu.RLock()
	defer e.mu.RUnlock()
	return e.ids[id]
}

func (e *erasedSet) add(id string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.ids == nil {
		e.ids = map[string]bool{}
	}
	e.ids[id] = true
}

type gdprDeleteRequest struct {
	ObjectID   string `json:"objectId"`
	IDProperty string `json:"idProperty"`
}

// gdprDelete permanently deletes one contact, like HubSpot's
// POST /crm/v3/objects/contacts/gdpr-delete: 204, or 404 when there is no
// such contact (or it was deleted already).
func (s *Server) gdprDelete(w http.ResponseWriter, r *http.Request) {
	var req gdprDeleteRequest
	if err := simhttp.DecodeJSON(w, r, &req); err != nil || strings.TrimSpace(req.ObjectID) == "" {
		simhttp.BadRequest(w, errors.New("body must be JSON with an objectId"))
		return
	}
	index := s.store.byID
	id := strings.TrimSpace(req.ObjectID)
	switch req.IDProperty {
	case "", "hs_object_id":
	case "email":
		index, id = s.store.byEmail, strings.ToLower(id)
	default:
		simhttp.BadRequest(w, errors.New("idProperty must be hs_object_id or email"))
		return
	}
	i, ok := index[id]
	if !ok || s.erased.has(s.store.contacts[i].ID) {
		simhttp.WriteError(w, http.StatusNotFound, "OBJECT_NOT_FOUND", "no such contact")
		return
	}
	s.erased.add(s.store.contacts[i].ID)
	w.WriteHeader(http.StatusNoContent)
}

// get reads one contact, like GET /crm/v3/objects/contacts/{id}.
func (s *Server) get(w http.ResponseWriter, r *http.Request) {
	i, ok := s.store.byID[r.PathValue("id")]
	if !ok || s.erased.has(s.store.contacts[i].ID) {
		simhttp.WriteError(w, http.StatusNotFound, "OBJECT_NOT_FOUND", "no such contact")
		return
	}
	simhttp.WriteJSON(w, http.StatusOK, s.store.contacts[i])
}

// Erased reports whether a contact was deleted (tests).
func (s *Server) Erased(id string) bool { return s.erased.has(id) }
