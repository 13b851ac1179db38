package server

import "net/http"

// orNotFound is h, or a 404 when no handler is configured.
func orNotFound(h http.Handler) http.Handler {
	if h == nil {
		return http.NotFoundHandler()
	}
	return h
}
