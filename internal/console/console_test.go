package console

import (
	"compress/gzip"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"strings"
	"testing"
	"testing/fstest"
)

const testPage = `<!DOCTYPE html><html lang="en"><head>
<script type="module" crossorigin src="/console/assets/index-abc.js"></script>
<link rel="stylesheet" crossorigin href="/console/assets/index-def.css">
</head><body><div id="app"></div></body></html>`

func testDist() fstest.MapFS {
	return fstest.MapFS{
		"index.html":           {Data: []byte(testPage)},
		"assets/index-abc.js":  {Data: []byte(strings.Repeat("console.log('harmony');\n", 200))},
		"assets/index-def.css": {Data: []byte("body{color:#111}")},
	}
}

func TestLoadBundle(t *testing.T) {
	b := loadBundle(testDist())
	if b.err != nil {
		t.Fatal(b.err)
	}
	page := string(b.page)
	for _, url := range []string{"/console/assets/index-abc.js", "/console/assets/index-def.css"} {
		a := b.assets[url]
		if a == nil {
			t.Fatalf("asset %s not loaded", url)
		}
		if !strings.Contains(page, `"`+url+`" integrity="`+a.SRI+`"`) {
			t.Errorf("page does not pin %s with its hash:\n%s", url, page)
		}
	}
}

func TestLoadBundleMissing(t *testing.T) {
	for name, dist := range map[string]fstest.MapFS{
		"no build":      {},
		"missing asset": {"index.html": {Data: []byte(testPage)}, "assets/index-abc.js": {Data: []byte("x")}},
	} {
		t.Run(name, func(t *testing.T) {
			b := loadBundle(dist)
			if b.err == nil || !strings.Contains(b.err.Error(), "make assets") {
				t.Fatalf("err = %v, want one that says to run make assets", b.err)
			}
			rec := httptest.NewRecorder()
			(&handler{bundle: b}).ServeHTTP(rec, httptest.NewRequestWithContext(t.Context(), http.MethodGet, "/console", nil))
			if rec.Code != http.StatusServiceUnavailable || !strings.Contains(rec.Body.String(), "make assets") {
				t.Fatalf("page answered %d %q, want 503 asking for make assets", rec.Code, rec.Body.String())
			}
		})
	}
}

func TestHandler(t *testing.T) {
	mux := http.NewServeMux()
	h := &handler{bundle: loadBundle(testDist())}
	mux.Handle("GET "+Prefix, h)
	mux.Handle("GET "+Prefix+"/{$}", h)
	mux.Handle("GET "+assetsPrefix, h)
	srv := httptest.NewServer(mux)
	defer srv.Close()

	get := func(path string, hdr map[string]string) *http.Response {
		t.Helper()
		req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, srv.URL+path, nil)
		for k, v := range hdr {
			req.Header.Set(k, v)
		}
		resp, err := srv.Client().Transport.RoundTrip(req) // no transparent gzip
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = resp.Body.Close() })
		return resp
	}

	for _, path := range []string{"/console", "/console/"} {
		resp := get(path, nil) //nolint:bodyclose // get closes every body at cleanup
		if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
			t.Fatalf("%s: %d %s", path, resp.StatusCode, resp.Header.Get("Content-Type"))
		}
		csp := resp.Header.Get("Content-Security-Policy")
		for _, want := range []string{"default-src 'none'", "script-src 'self';", "style-src 'self';", "connect-src 'self';", "frame-ancestors 'none'"} {
			if !strings.Contains(csp, want) {
				t.Errorf("%s: CSP %q lacks %q", path, csp, want)
			}
		}
		if strings.Contains(csp, "unsafe") {
			t.Errorf("%s: CSP allows something unsafe: %q", path, csp)
		}
		if resp.Header.Get("X-Frame-Options") != "DENY" || resp.Header.Get("Cache-Control") != "no-store" {
			t.Errorf("%s: headers %v", path, resp.Header)
		}
	}

	resp := get("/console/assets/index-abc.js", map[string]string{"Accept-Encoding": "gzip"}) //nolint:bodyclose // get closes every body at cleanup
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Encoding") != "gzip" ||
		!strings.Contains(resp.Header.Get("Cache-Control"), "immutable") || resp.Header.Get("Content-Type") != "text/javascript; charset=utf-8" {
		t.Fatalf("asset: %d %v", resp.StatusCode, resp.Header)
	}
	zr, err := gzip.NewReader(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(zr)
	if string(body) != string(testDist()["assets/index-abc.js"].Data) {
		t.Fatal("gzip body differs from the asset")
	}
	etag := resp.Header.Get("ETag")
	if r := get("/console/assets/index-abc.js", map[string]string{"Accept-Encoding": "gzip", "If-None-Match": etag}); r.StatusCode != http.StatusNotModified { //nolint:bodyclose // get closes every body at cleanup
		t.Errorf("If-None-Match answered %d, want 304", r.StatusCode)
	}
	for path, want := range map[string]int{
		"/console/assets/nope.js": http.StatusNotFound,
		"/console/other":          http.StatusNotFound,
	} {
		if r := get(path, nil); r.StatusCode != want { //nolint:bodyclose // get closes every body at cleanup
			t.Errorf("%s answered %d, want %d", path, r.StatusCode, want)
		}
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequestWithContext(t.Context(), http.MethodPost, "/console", nil))
	if rec.Code != http.StatusMethodNotAllowed {
		t.Errorf("POST answered %d", rec.Code)
	}
}

// TestEmbeddedBuild checks the console embedded in this test binary: every
// script and stylesheet is pinned by a hash and nothing runs inline. On CI,
// which builds the assets first (make test runs make assets), a missing
// build fails; elsewhere it skips.
func TestEmbeddedBuild(t *testing.T) {
	if err := AssetsPresent(); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("CI must build the console first: %v", err)
		}
		t.Skipf("console not built: %v", err)
	}
	page := string(defaultBundle().page)
	tags := regexp.MustCompile(`<(script|link)\b[^>]*>`).FindAllString(page, -1)
	if len(tags) < 2 {
		t.Fatalf("the page loads %d scripts and stylesheets:\n%s", len(tags), page)
	}
	for _, tag := range tags {
		if strings.Contains(tag, `rel="icon"`) {
			continue
		}
		if !strings.Contains(tag, `integrity="sha256-`) || (!strings.Contains(tag, `src="/console/assets/`) && !strings.Contains(tag, `href="/console/assets/`)) {
			t.Errorf("not a pinned asset of the console: %s", tag)
		}
	}
	if regexp.MustCompile(`<script\b[^>]*>[^<\s]`).MatchString(page) || strings.Contains(page, "style=") {
		t.Errorf("the page has inline script or style:\n%s", page)
	}
}
