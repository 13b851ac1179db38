package simhttp

import (
	"crypto/subtle"
	"net/http"
	"strings"
)

// AuthFunc reports whether a request carries valid credentials.
type AuthFunc func(r *http.Request) bool

func equal(a, b string) bool {
	return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}

// Bearer accepts "Authorization: Bearer <token>".
func Bearer(token string) AuthFunc {
	return func(r *http.Request) bool {
		scheme, got, ok := strings.Cut(r.Header.Get("Authorization"), " ")
		return ok && strings.EqualFold(scheme, "Bearer") && equal(strings.TrimSpace(got), token)
	}
}

// Basic accepts HTTP basic auth whose user and password satisfy check.
func Basic(check func(user, password string) bool) AuthFunc {
	return func(r *http.Request) bool {
		user, pass, ok := r.BasicAuth()
		return ok && check(user, pass)
	}
}

// BasicUser accepts HTTP basic auth with exactly user and password.
func BasicUser(user, password string) AuthFunc {
	return Basic(func(u, p string) bool { return equal(u, user) && equal(p, password) })
}

// BasicPassword accepts HTTP basic auth with any user and password.
func BasicPassword(password string) AuthFunc {
	return Basic(func(_, p string) bool { return equal(p, password) })
}

// APIKey accepts a request whose header carries key.
func APIKey(header, key string) AuthFunc {
	return func(r *http.Request) bool { return equal(r.Header.Get(header), key) }
}
