package server

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"time"
)

// Readiness reports whether the gateway can serve, with a state per part
// ("ok", "syncing", "indexing", "waiting", "unavailable", "configured"; the
// first four of those that keep it from being ready are named in the
// answer's waiting_for; for a connector also
// "degraded" while its circuit breaker is open and "recovering" while it
// probes the system again). A degraded connector leaves the gateway ready:
// its fields fail or come from last good values. It must not call channel
// systems: probes come often.
type Readiness func(ctx context.Context) (ready bool, parts map[string]string)

// readyz answers 200 when ready and 503 otherwise, with the parts' states.
func readyz(check Readiness) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ready, parts := true, map[string]string{}
		if check != nil {
			ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
			defer cancel()
			ready, parts = check(ctx)
		}
		status := "ready"
		code := http.StatusOK
		body := map[string]any{"checks": parts}
		if !ready {
			status, code = "not ready", http.StatusServiceUnavailable
			body["waiting_for"] = waitingFor(parts)
		}
		body["status"] = status
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		w.WriteHeader(code)
		_ = json.NewEncoder(w).Encode(body)
	})
}

// waiting says, in words, what a gateway that is not ready waits for: the
// parts in a state that keeps it from serving.
var waiting = map[string]string{
	"syncing":     "%s: the first sync is running",
	"indexing":    "%s: the search index is being built",
	"waiting":     "%s: waits for the identity sync",
	"unavailable": "%s: does not answer",
}

func waitingFor(parts map[string]string) []string {
	out := []string{}
	for _, name := range slices.Sorted(maps.Keys(parts)) {
		if f, ok := waiting[parts[name]]; ok {
			out = append(out, fmt.Sprintf(f, name))
		}
	}
	return out
}
