package mailing

import (
	"net/http"
	"sync"

	"github.com/harmonyhq/harmony/internal/simulators/simhttp"
)

// erasedSet holds the members deleted permanently: they and their
// activity disappear from every read.
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

// live returns the members not erased, in ID order.
func (s *Server) live() []Member {
	s.erased.mu.RLock()
	n := len(s.erased.ids)
	s.erased.mu.RUnlock()
	if n == 0 {
		return s.store.members
	}
	out := make([]Member, 0, len(s.store.members))
	for _, m := range s.store.members {
		if !s.erased.has(m.ID) {
			out = append(out, m)
		}
	}
	return out
}

// deletePermanent erases a member and its activity, like Mailchimp's
// POST /3.0/lists/{list}/members/{hash}/actions/delete-permanent: 204, or
// 404 when there is no such member (or it was deleted already).
func (s *Server) deletePermanent(w http.ResponseWriter, r *http.Request) {
	if r.PathValue("list") != ListID {
		simhttp.WriteError(w, http.StatusNotFound, "not_found", "no such list")
		return
	}
	id := memberID(r.PathValue("id"))
	if _, ok := s.store.byID[id]; !ok || s.erased.has(id) {
		simhttp.WriteError(w, http.StatusNotFound, "not_found", "no such member")
		return
	}
	s.erased.add(id)
	w.WriteHeader(http.StatusNoContent)
}

// getMember reads one member, like GET /3.0/lists/{list}/members/{hash}.
func (s *Server) getMember(w http.ResponseWriter, r *http.Request) {
	id := memberID(r.PathValue("id"))
	i, ok := s.store.byID[id]
	if r.PathValue("list") != ListID || !ok || s.erased.has(id) {
		simhttp.WriteError(w, http.StatusNotFound, "not_found", "no such member")
		return
	}
	simhttp.WriteJSON(w, http.StatusOK, s.store.members[i])
}

// Erased reports whether a member was deleted (tests).
func (s *Server) Erased(id string) bool { return s.erased.has(memberID(id)) }
