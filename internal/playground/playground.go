package playground

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"
)

// Example is a saved operation that the playground opens as a tab on an
// analyst's first visit.
type Example struct {
	// Name is shown as a comment on the first line of the tab's query.
	// GraphiQL titles the tab with the operation's name, so give the
	// operation one ("query CustomerById { … }").
	Name string
	// Query is the GraphQL document.
	Query string
	// Variables is a JSON object as text, or empty.
	Variables string
}

// Options configures the playground page.
type Options struct {
	// Title of the browser tab. Default: "Harmony GraphQL playground".
	Title string
	// Endpoint is where GraphiQL sends operations: a path on the gateway's
	// own origin (default "/graphql"), or an absolute http(s) URL, which the
	// page's Content-Security-Policy then allows too. Subscriptions use the
	// same URL with the ws: or wss: scheme (graphql-transport-ws).
	Endpoint string
	// Examples are opened as tabs on an analyst's first visit.
	Examples []Example
	// Headers are the default request headers shown in GraphiQL's headers
	// editor, in every example tab and every new tab. Optional. They are not
	// persisted in the browser, so do not count on them to carry secrets.
	Headers map[string]string
}

const (
	defaultTitle    = "Harmony GraphQL playground"
	defaultEndpoint = "/graphql"
	// storagePrefix namespaces GraphiQL's localStorage keys (saved tabs,
	// history) from other apps on the same origin.
	storagePrefix = "harmony-playground:"
)

// Mount registers the playground on mux: the page at "GET /{$}" and
// "GET /playground", the assets at "GET /playground/assets/". GET patterns
// also answer HEAD.
func Mount(mux *http.ServeMux, opts Options) {
	h := Handler(opts)
	mux.Handle("GET /{$}", h)
	mux.Handle("GET /playground", h)
	mux.Handle("GET "+AssetsPrefix, h)
}

// Handler returns the playground, to be mounted at the root of the origin: it
// answers "/" and "/playground" (and "/playground/") with the page and
// AssetsPrefix+"…" with the assets, everything else with 404. Only GET and
// HEAD are allowed. See the package documentation for the asset paths.
//
// If the npm assets were not embedded (see AssetsPresent), the page answers
// 503 with a plain-text message telling the operator to run make assets.
func Handler(opts Options) http.Handler {
	return newHandler(opts, defaultBundle())
}

type handler struct {
	bundle     *bundle
	title      string
	config     pageConfig // StyleNonce is set per response
	connectSrc []string   // origins allowed besides 'self'
	configErr  error
}

// pageConfig is what boot.js reads from the page's JSON block.
type pageConfig struct {
	Endpoint       string `json:"endpoint"`
	StoragePrefix  string `json:"storagePrefix"`
	StyleNonce     string `json:"styleNonce"`
	DefaultHeaders string `json:"defaultHeaders,omitempty"`
	Tabs           []tab  `json:"tabs,omitempty"`
}

// tab is one entry of GraphiQL's defaultTabs prop.
type tab struct {
	Query     string `json:"query"`
	Variables string `json:"variables,omitempty"`
	Headers   string `json:"headers,omitempty"`
}

func newHandler(opts Options, b *bundle) *handler {
	h := &handler{bundle: b, title: opts.Title}
	if strings.TrimSpace(h.title) == "" {
		h.title = defaultTitle
	}
	h.config.StoragePrefix = storagePrefix
	h.config.Endpoint = opts.Endpoint
	if strings.TrimSpace(h.config.Endpoint) == "" {
		h.config.Endpoint = defaultEndpoint
	}
	h.connectSrc, h.configErr = endpointOrigins(h.config.Endpoint)

	if len(opts.Headers) > 0 {
		// encoding/json sorts map keys, so the editor shows a stable order.
		// No HTML escaping here: this is the text the analyst sees (the page
		// template escapes the whole config for the HTML document).
		var hdr strings.Builder
		enc := json.NewEncoder(&hdr)
		enc.SetEscapeHTML(false)
		enc.SetIndent("", "  ")
		if err := enc.Encode(opts.Headers); err != nil && h.configErr == nil {
			h.configErr = fmt.Errorf("playground: Headers: %w", err)
		}
		h.config.DefaultHeaders = strings.TrimSuffix(hdr.String(), "\n")
	}
	for _, ex := range opts.Examples {
		query := ex.Query
		if name := strings.Join(strings.Fields(ex.Name), " "); name != "" {
			if comment := "# " + name; !strings.HasPrefix(strings.TrimSpace(query), comment) {
				query = comment + "\n" + query
			}
		}
		h.config.Tabs = append(h.config.Tabs, tab{
			Query:     query,
			Variables: strings.TrimSpace(ex.Variables),
			Headers:   h.config.DefaultHeaders,
		})
	}
	return h
}

// endpointOrigins validates the endpoint and returns the origins the CSP
// must allow for it besides 'self': none for a path on the same origin, the
// http(s) and ws(s) origins for an absolute URL.
func endpointOrigins(endpoint string) ([]string, error) {
	u, err := url.Parse(endpoint)
	if err != nil {
		return nil, fmt.Errorf("playground: Endpoint %q: %w", endpoint, err)
	}
	if u.Scheme == "" && u.Host == "" {
		if strings.HasPrefix(endpoint, "//") {
			return nil, fmt.Errorf("playground: Endpoint %q: scheme-relative URLs are not supported", endpoint)
		}
		return nil, nil
	}
	ws := map[string]string{"http": "ws", "https": "wss"}[u.Scheme]
	if ws == "" || u.Host == "" || !validHost(u.Host) {
		return nil, fmt.Errorf("playground: Endpoint %q: want a path or an absolute http(s) URL", endpoint)
	}
	return []string{u.Scheme + "://" + u.Host, ws + "://" + u.Host}, nil
}

// hostRE accepts a DNS name or IPv4 address, or a bracketed IPv6 address,
// with an optional port: nothing that could end or extend a CSP directive.
var hostRE = regexp.MustCompile(`^([A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.?|\[[0-9A-Fa-f:.]+\])(:[0-9]{1,5})?$`)

func validHost(h string) bool { return len(h) <= 255 && hostRE.MatchString(h) }

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	switch p := r.URL.Path; {
	case strings.HasPrefix(p, AssetsPrefix):
		h.serveAsset(w, r)
	case p == "/" || p == "/playground" || p == "/playground/":
		h.servePage(w, r)
	default:
		http.NotFound(w, r)
	}
}

func (h *handler) serveAsset(w http.ResponseWriter, r *http.Request) {
	a := h.bundle.assets[r.URL.Path]
	if a == nil {
		http.NotFound(w, r)
		return
	}
	a.Serve(w, r)
}

func (h *handler) servePage(w http.ResponseWriter, r *http.Request) {
	hdr := w.Header()
	hdr.Set("X-Content-Type-Options", "nosniff")
	hdr.Set("Referrer-Policy", "no-referrer")
	hdr.Set("X-Frame-Options", "DENY")
	hdr.Set("Cache-Control", "no-store")

	if h.configErr != nil {
		plainError(w, http.StatusInternalServerError, "The GraphQL playground is misconfigured: "+h.configErr.Error())
		return
	}
	if h.bundle.err != nil {
		plainError(w, http.StatusServiceUnavailable,
			"The GraphQL playground is not available: its JavaScript and CSS were not built into this binary.\n"+
				"Operator: run `make assets` (scripts/fetch-playground-assets.sh), then rebuild the gateway.")
		return
	}

	nonce := newNonce()
	cfg := h.config
	cfg.StyleNonce = nonce
	var buf bytes.Buffer
	err := pageTemplate.Execute(&buf, pageData{
		Title:   h.title,
		Styles:  h.bundle.styles,
		Scripts: h.bundle.scripts,
		Config:  cfg,
	})
	if err != nil {
		plainError(w, http.StatusInternalServerError, "The GraphQL playground page failed to render.")
		return
	}
	hdr.Set("Content-Security-Policy", h.csp(r, nonce))
	hdr.Set("Cross-Origin-Opener-Policy", "same-origin")
	hdr.Set("Content-Type", "text/html; charset=utf-8")
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(buf.Bytes()))
}

func plainError(w http.ResponseWriter, code int, msg string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(code)
	_, _ = fmt.Fprintln(w, msg)
}

func newNonce() string {
	b := make([]byte, 18)
	_, _ = rand.Read(b) // crypto/rand.Read does not fail (Go 1.24+)
	return base64.StdEncoding.EncodeToString(b)
}

// csp returns the page's Content-Security-Policy. Everything is served by the
// gateway itself: scripts only from 'self' (no inline script at all, the
// page's settings travel in a non-executed JSON block); <style> elements from
// 'self' or carrying the nonce (GraphiQL's dialogs add one at run time);
// style attributes allowed (CodeMirror's search dialog writes some through
// innerHTML; they cannot load anything, since img-src and font-src stay on
// 'self' and data:). GraphiQL's fonts and icons are data: URLs in its CSS.
// connect-src names ws:/wss: for the request's host explicitly, for browsers
// whose 'self' does not cover WebSocket URLs.
func (h *handler) csp(r *http.Request, nonce string) string {
	connect := []string{"'self'"}
	if validHost(r.Host) {
		connect = append(connect, "ws://"+r.Host, "wss://"+r.Host)
	}
	connect = append(connect, h.connectSrc...)
	styleElem := "'self' 'nonce-" + nonce + "'"
	return strings.Join([]string{
		"default-src 'none'",
		"script-src 'self'",
		"style-src " + styleElem,
		"style-src-elem " + styleElem,
		"style-src-attr 'unsafe-inline'",
		"img-src 'self' data:",
		"font-src 'self' data:",
		"connect-src " + strings.Join(connect, " "),
		"base-uri 'none'",
		"form-action 'none'",
		"frame-ancestors 'none'",
	}, "; ")
}

type pageData struct {
	Title   string
	Styles  []*asset
	Scripts []*asset
	Config  pageConfig
}

// pageTemplate is the playground page. html/template escapes every value for
// its context; Config sits in a JSON data block (type application/json, never
// executed) where it is written as JSON with <, > and & escaped, so no value
// can close the element, and boot.js reads it with JSON.parse.
var pageTemplate = template.Must(template.New("page").Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}}</title>
<link rel="icon" href="data:,">
{{- range .Styles}}
<link rel="stylesheet" href="{{.Path}}" integrity="{{.SRI}}" crossorigin="anonymous">
{{- end}}
</head>
<body>
<div id="graphiql"><div class="harmony-loading">Loading the playground…</div></div>
<noscript>The GraphQL playground needs JavaScript.</noscript>
<script type="application/json" id="harmony-playground-config">{{.Config}}</script>
{{- range .Scripts}}
<script src="{{.Path}}" integrity="{{.SRI}}" crossorigin="anonymous"></script>
{{- end}}
</body>
</html>
`))
