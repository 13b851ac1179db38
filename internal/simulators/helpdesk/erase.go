package helpdesk

import (
	"net/http"
	"sync"

	"github.com/harmonyhq/harmony/internal/simulators/simhttp"
)

// erasedSet holds the users deleted for good: they and their
// conversations disappear from every read.
type erasedSet struct {
	mu  sync.RWMutex
	ids map[int64]bool
}

func (e *erasedSet) has(id int64) bool {
	e.mu.RLock()
	defer e.mu.RUnlock()
	return e.ids[id]
}

func (e *erasedSet) add(id int64) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.ids == nil {
		e.ids = map[int64]bool{}
	}
	e.ids[id] = true
}

type jobStatus struct {
	JobStatus struct {
		Status string `json:"status"`
		Total  int    `json:"total"`
	} `json:"job_status"`
}

// destroyMany permanently deletes users, like Zendesk's
// DELETE /api/v2/users/destroy_many.json?ids=1,2,3 followed by the
// permanent deletion of each: the job completes at once. Unknown ids are
// ignored.
func (s *Server) destroyMany(w http.ResponseWriter, r *http.Request) {
	ids, err := numericIDs(r.URL.Query().Get("ids"))
	if err != nil {
		simhttp.BadRequest(w, err)
		return
	}
	var out jobStatus
	for _, id := range ids {
		if _, ok := s.store.byID[id]; ok && !s.erased.has(id) {
			s.erased.add(id)
			out.JobStatus.Total++
		}
	}
	out.JobStatus.Status = "completed"
	simhttp.WriteJSON(w, http.StatusOK, out)
}

// Erased reports whether a user was deleted (tests).
func (s *Server) Erased(id int64) bool { return s.erased.has(id) }
