package console

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/harmonyhq/harmony/internal/webasset"
)

// Prefix is the URL path of the console; its assets are below
// Prefix + "/assets/".
const Prefix = "/console"

// assetsPrefix is where Vite's hashed files are served (vite.config.ts sets
// base "/console/" and assetsDir "assets").
const assetsPrefix = Prefix + "/assets/"

// embedded holds assets/README.md, and the built console once
// scripts/build-console.sh has put it in assets/dist.
//
//go:embed assets
var embedded embed.FS

// missingHint is what an operator must do when the build is absent.
const missingHint = "run `make assets` (scripts/build-console.sh: npm ci and vite build in console/), then rebuild the gateway"

// AssetsPresent reports whether the built console was embedded into this
// binary: nil when dist/index.html is there with every file it references,
// otherwise an error saying what is missing and how to build it. Without
// them /console answers 503; the rest of the gateway is unaffected.
func AssetsPresent() error {
	return defaultBundle().err
}

var defaultBundle = sync.OnceValue(func() *bundle {
	dist, err := fs.Sub(embedded, "assets/dist")
	if err != nil {
		return &bundle{assets: map[string]*asset{}, err: err}
	}
	return loadBundle(dist)
})

// asset is one file served below assetsPrefix.
type asset = webasset.Asset

// bundle is the built console: the page and its assets.
type bundle struct {
	page   []byte            // index.html with integrity attributes
	assets map[string]*asset // by URL path
	err    error
}

// assetRef finds the page's references to its assets: src="/console/assets/…"
// and href="/console/assets/…", as Vite writes them.
var assetRef = regexp.MustCompile(`\b(src|href)="(/console/assets/[A-Za-z0-9._-]+)"`)

// loadBundle reads Vite's output from dist: every file under assets/, and
// index.html, to which it adds an integrity attribute per referenced asset.
// A page that references a missing file is refused.
func loadBundle(dist fs.FS) *bundle {
	b := &bundle{assets: map[string]*asset{}}
	page, err := fs.ReadFile(dist, "index.html")
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			b.err = fmt.Errorf("console not built (%s): assets/dist/index.html is missing", missingHint)
		} else {
			b.err = fmt.Errorf("console: reading index.html: %w", err)
		}
		return b
	}
	files, err := fs.ReadDir(dist, "assets")
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		b.err = fmt.Errorf("console: reading assets: %w", err)
		return b
	}
	for _, f := range files {
		if f.IsDir() {
			continue
		}
		body, err := fs.ReadFile(dist, "assets/"+f.Name())
		if err != nil {
			b.err = fmt.Errorf("console: reading assets/%s: %w", f.Name(), err)
			return b
		}
		b.assets[assetsPrefix+f.Name()] = webasset.New(assetsPrefix+f.Name(), body)
	}
	var missing []string
	b.page = assetRef.ReplaceAllFunc(page, func(m []byte) []byte {
		url := string(assetRef.FindSubmatch(m)[2])
		a := b.assets[url]
		if a == nil {
			missing = append(missing, url)
			return m
		}
		// m is a window on page: copy before appending, or the append
		// would write over the rest of the page.
		return []byte(string(m) + ` integrity="` + a.SRI + `"`)
	})
	if len(missing) > 0 {
		b.err = fmt.Errorf("console build incomplete (%s): index.html references %s, which is missing", missingHint, strings.Join(missing, ", "))
	}
	return b
}

// Mount registers the console on mux: the page at "GET /console" and
// "GET /console/{$}", the assets at "GET /console/assets/". GET patterns
// also answer HEAD.
func Mount(mux *http.ServeMux) {
	h := Handler()
	mux.Handle("GET "+Prefix, h)
	mux.Handle("GET "+Prefix+"/{$}", h)
	mux.Handle("GET "+assetsPrefix, h)
}

// Handler returns the console, to be mounted at the root of the origin (it
// routes on the full path). If the console was not built into the binary
// (see AssetsPresent), the page answers 503 with a plain-text message
// telling the operator to run make assets.
func Handler() http.Handler {
	return &handler{bundle: defaultBundle()}
}

type handler struct {
	bundle *bundle
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	switch p := r.URL.Path; {
	case strings.HasPrefix(p, assetsPrefix):
		h.serveAsset(w, r)
	case p == Prefix || p == Prefix+"/":
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

// csp is the page's Content-Security-Policy. Everything comes from the
// gateway itself: the script and stylesheet from 'self' (with integrity
// hashes in the page), no inline script or style at all, requests to
// /graphql on the same origin only (queries and the SSE subscription are
// both fetches), no plugins, frames or form posts.
const csp = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; " +
	"connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

func (h *handler) servePage(w http.ResponseWriter, r *http.Request) {
	hdr := w.Header()
	hdr.Set("X-Content-Type-Options", "nosniff")
	hdr.Set("Referrer-Policy", "no-referrer")
	hdr.Set("X-Frame-Options", "DENY")
	hdr.Set("Cache-Control", "no-store")
	if h.bundle.err != nil {
		hdr.Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = fmt.Fprintln(w, "The Harmony console is not available: it was not built into this binary.\n"+
			"Operator: run `make assets` (scripts/build-console.sh), then rebuild the gateway.")
		return
	}
	hdr.Set("Content-Security-Policy", csp)
	hdr.Set("Cross-Origin-Opener-Policy", "same-origin")
	hdr.Set("Content-Type", "text/html; charset=utf-8")
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(h.bundle.page))
}
