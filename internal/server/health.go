package server

import (
	"context"
	"encoding/json"
	"net/http"
	"time"
)

// Readiness reports whether the gateway can serve, with a state per part
// ("ok", "syncing", "unavailable", "configured"; for a connector also
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
		if !ready {
			status, code = "not ready", http.StatusServiceUnavailable
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		w.WriteHeader(code)
		_ = json.NewEncoder(w).Encode(map[string]any{"status": status, "checks": parts})
	})
}
