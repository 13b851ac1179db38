package server

import "testing"

// Route labels stay bounded: known paths and prefixes, everything else
// "other", so a scanner cannot grow the series.
func TestRouteLabels(t *testing.T) {
	for path, want := range map[string]string{
		"/graphql":                     "/graphql",
		"/console":                     "/console",
		"/console/assets/index-abc.js": "/console/assets/",
		"/console/assets/":             "other",
		"/playground/assets/g.css":     "/playground/assets/",
		"/webhooks/helpdesk":           "/webhooks/",
		"/wp-login.php":                "other",
		"/graphql/x":                   "other",
	} {
		if got := route(path); got != want {
			t.Errorf("route(%q) = %q, want %q", path, got, want)
		}
	}
}
