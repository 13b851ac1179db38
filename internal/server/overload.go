package server

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/harmonyhq/harmony/internal/overload"
)

// codeOverloaded is the code of a request the gateway shed.
const codeOverloaded = "OVERLOADED"

// shedOverloaded answers 503 with Retry-After, in place of the whole
// answer, a request whose operations had work shed (package overload: the
// profile store's read gate was full or its wait too long). The answer is
// not partial: a customer whose read was shed would otherwise come back
// null, like one that does not exist. gqlgen writes an HTTP answer only
// once its operations have run, so the choice is made at the first write.
// Websocket and SSE requests stream many answers: their operations carry
// the error (code OVERLOADED) instead.
func shedOverloaded(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if isWebsocketUpgrade(r) || strings.Contains(r.Header.Get("Accept"), "text/event-stream") {
			next.ServeHTTP(w, r)
			return
		}
		ctx, mark := overload.With(r.Context())
		sw := &shedWriter{ResponseWriter: w, mark: mark}
		next.ServeHTTP(sw, r.WithContext(ctx))
		sw.decide() // an answer with no body at all
	})
}

// shedWriter replaces the answer of a shed request.
type shedWriter struct {
	http.ResponseWriter
	mark    *overload.Mark
	decided bool
	shed    bool
}

// decide, at the first write, answers 503 if the request was shed.
func (w *shedWriter) decide() {
	if w.decided {
		return
	}
	w.decided = true
	shed, after := w.mark.Shed()
	if !shed {
		return
	}
	w.shed = true
	h := w.ResponseWriter.Header()
	h.Del("Content-Length")
	h.Set("Retry-After", strconv.Itoa(retrySeconds(after)))
	h.Set("Cache-Control", "no-store")
	writeError(w.ResponseWriter, http.StatusServiceUnavailable, codeOverloaded, "the gateway is overloaded: retry later")
}

func (w *shedWriter) WriteHeader(code int) {
	w.decide()
	if !w.shed {
		w.ResponseWriter.WriteHeader(code)
	}
}

func (w *shedWriter) Write(b []byte) (int, error) {
	w.decide()
	if w.shed {
		return len(b), nil
	}
	return w.ResponseWriter.Write(b)
}

// Flush passes on a flush of an answer that was not shed.
func (w *shedWriter) Flush() {
	w.decide()
	if f, ok := w.ResponseWriter.(http.Flusher); ok && !w.shed {
		f.Flush()
	}
}

// Unwrap lets http.ResponseController reach the connection.
func (w *shedWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
