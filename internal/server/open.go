package server

import (
	"net"
	"net/http"
	"net/url"
	"strings"
)

// OpenWarning is what the gateway says, at start, when no auth is
// configured.
const OpenWarning = "the gateway is OPEN: no auth is configured, so every program on this machine " +
	"can read and change all customer data, as admin. It answers only requests addressed to " +
	"localhost, 127.0.0.1 or [::1] and browser pages of its own origin. " +
	"Configure auth (auth.api_keys or auth.jwt) before anyone else can reach it."

// Codes of requests open mode refuses.
const (
	codeHostNotAllowed   = "HOST_NOT_ALLOWED"
	codeOriginNotAllowed = "ORIGIN_NOT_ALLOWED"
)

// openMode guards a gateway without authentication, which serves every
// request as an admin and listens on loopback only. Listening on loopback
// is not enough: a web page the developer opens can point a name of its own
// at 127.0.0.1 (DNS rebinding) and call the gateway as its own origin. So
// every request must name a loopback host (localhost, 127.0.0.1 or [::1],
// any port) in Host, and a browser request (one with an Origin) must come
// from the gateway's own origin or from one listed in
// server.cors.allowed_origins ("*" does not count: open mode never trusts
// every origin). Others get 403, without repeating what they sent.
func openMode(allowedOrigins []string, next http.Handler) http.Handler {
	var listed []string
	for _, o := range allowedOrigins {
		if o != "*" {
			listed = append(listed, o)
		}
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !loopbackHost(r.Host) {
			writeError(w, http.StatusForbidden, codeHostNotAllowed,
				"this gateway runs without auth and answers only requests to localhost, 127.0.0.1 or [::1]")
			return
		}
		if origin := r.Header.Get("Origin"); origin != "" && !sameOrigin(origin, r.Host) && !originListed(origin, listed) {
			writeError(w, http.StatusForbidden, codeOriginNotAllowed,
				"this gateway runs without auth and answers browser pages of its own origin only")
			return
		}
		next.ServeHTTP(w, r)
	})
}

// loopbackHost reports whether host (a Host header: name, optional port)
// names the loopback interface: localhost, 127.0.0.1 or [::1].
func loopbackHost(host string) bool {
	name := host
	if h, port, err := net.SplitHostPort(host); err == nil {
		if !digits(port) {
			return false
		}
		name = h
	} else if strings.HasPrefix(host, "[") && strings.HasSuffix(host, "]") {
		name = host[1 : len(host)-1]
	} else if strings.Contains(host, ":") {
		return false // a bare IPv6 address is not a valid Host
	}
	switch strings.ToLower(name) {
	case "localhost", "127.0.0.1", "::1":
		return true
	}
	return false
}

func digits(s string) bool {
	if s == "" || len(s) > 5 {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// sameOrigin reports whether a browser's Origin is the gateway's own: an
// http or https URL of exactly the host (and port) the request names.
func sameOrigin(origin, host string) bool {
	u, err := url.Parse(origin)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Path != "" || u.User != nil {
		return false
	}
	return strings.EqualFold(u.Host, host)
}

// originListed reports whether origin matches one of the listed origins:
// equal, or under a "scheme://*.domain" pattern.
func originListed(origin string, listed []string) bool {
	origin = strings.ToLower(origin)
	for _, o := range listed {
		if o == origin {
			return true
		}
		prefix, suffix, ok := strings.Cut(o, "*")
		if ok && len(origin) > len(prefix)+len(suffix) && strings.HasPrefix(origin, prefix) && strings.HasSuffix(origin, suffix) &&
			hostLabels(origin[len(prefix):len(origin)-len(suffix)]) {
			return true
		}
	}
	return false
}

// hostLabels reports whether s is made of DNS labels only (what a wildcard
// may stand for).
func hostLabels(s string) bool {
	for _, c := range s {
		if (c < 'a' || c > 'z') && (c < '0' || c > '9') && c != '-' && c != '.' {
			return false
		}
	}
	return true
}
