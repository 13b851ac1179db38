package playground

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
)

// ---- fixtures ---------------------------------------------------------------

// fakeFiles stands in for assets/dist: one file per row of the real manifest,
// with made-up (but compressible) content.
func fakeFiles(t *testing.T) (fstest.MapFS, []manifestEntry) {
	t.Helper()
	real, err := embedded.ReadFile("assets/manifest.txt")
	if err != nil {
		t.Fatal(err)
	}
	entries, err := parseManifest(real)
	if err != nil {
		t.Fatal(err)
	}
	files := fstest.MapFS{}
	for i, e := range entries {
		body := []byte(strings.Repeat(fmt.Sprintf("/* fake %s */\n", e.dir()), 200))
		files[e.dir()] = &fstest.MapFile{Data: body}
		entries[i].sri = sriOf(body)
	}
	return files, entries
}

func manifestText(entries []manifestEntry) []byte {
	var b strings.Builder
	b.WriteString("# test manifest\n\n")
	for _, e := range entries {
		fmt.Fprintf(&b, "%s %s %s %s\n", e.pkg, e.version, e.file, e.sri)
	}
	return []byte(b.String())
}

func ownFS(t *testing.T) fs.FS {
	t.Helper()
	own, err := fs.Sub(ownFiles, "static")
	if err != nil {
		t.Fatal(err)
	}
	return own
}

// fakeBundle is a complete, verified bundle built from fakeFiles.
func fakeBundle(t *testing.T) *bundle {
	t.Helper()
	files, entries := fakeFiles(t)
	b := loadBundle(files, manifestText(entries), ownFS(t))
	if b.err != nil {
		t.Fatalf("fake bundle: %v", b.err)
	}
	return b
}

// realBundle is the bundle embedded in this test binary; tests that need it
// skip when scripts/fetch-playground-assets.sh has not been run.
func realBundle(t *testing.T) *bundle {
	t.Helper()
	if err := AssetsPresent(); err != nil {
		t.Skipf("real playground assets not fetched (run scripts/fetch-playground-assets.sh): %v", err)
	}
	return defaultBundle()
}

func sriOf(data []byte) string {
	sum := sha256.Sum256(data)
	return "sha256-" + base64.StdEncoding.EncodeToString(sum[:])
}

func get(t *testing.T, h http.Handler, method, target string, header map[string]string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequestWithContext(t.Context(), method, target, nil)
	for k, v := range header {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

const configOpen = `<script type="application/json" id="harmony-playground-config">`

// pageConfigOf extracts the JSON block from a page, failing if the block does
// not end exactly where the JSON value ends.
func pageConfigOf(t *testing.T, page string) pageConfig {
	t.Helper()
	_, rest, ok := strings.Cut(page, configOpen)
	if !ok {
		t.Fatalf("no config block in page:\n%s", page)
	}
	raw, _, ok := strings.Cut(rest, "</script>")
	if !ok {
		t.Fatal("config block not closed")
	}
	if strings.Contains(strings.ToLower(raw), "<script") || strings.Contains(raw, "<!--") || strings.Contains(raw, "<") {
		t.Fatalf("config block contains markup: %s", raw)
	}
	var cfg pageConfig
	dec := json.NewDecoder(strings.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&cfg); err != nil {
		t.Fatalf("config block (everything up to the first </script>) is not one JSON value: %v\n%s", err, raw)
	}
	if _, err := dec.Token(); err != io.EOF {
		t.Fatalf("trailing data after the config JSON: %s", raw)
	}
	return cfg
}

var refRE = regexp.MustCompile(`<(script|link)\b[^>]*\b(src|href)="([^"]*)"[^>]*\bintegrity="([^"]*)"[^>]*\bcrossorigin="anonymous"`)

type pageRef struct{ tag, url, sri string }

func pageRefs(page string) []pageRef {
	var refs []pageRef
	for _, m := range refRE.FindAllStringSubmatch(page, -1) {
		refs = append(refs, pageRef{tag: m[1], url: html.UnescapeString(m[3]), sri: html.UnescapeString(m[4])})
	}
	return refs
}

// cspOf splits a Content-Security-Policy into directive -> sources.
func cspOf(t *testing.T, header string) map[string][]string {
	t.Helper()
	if header == "" {
		t.Fatal("no Content-Security-Policy")
	}
	csp := map[string][]string{}
	for d := range strings.SplitSeq(header, ";") {
		f := strings.Fields(d)
		if len(f) == 0 {
			continue
		}
		if _, dup := csp[f[0]]; dup {
			t.Fatalf("directive %s twice in %q", f[0], header)
		}
		csp[f[0]] = f[1:]
	}
	return csp
}

// ---- manifest ---------------------------------------------------------------

func TestParseManifest(t *testing.T) {
	const good = "sha256-hnImuor1znlJkD/FOTL3jayfS/xsyNoP04abi8bFJWs="
	tests := []struct {
		name    string
		text    string
		wantErr string // "" = valid
		want    int
	}{
		{"valid with comments", "# c\n\n  react 18.2.0 umd/react.production.min.js " + good + "\n@graphiql/plugin-explorer 4.0.6 dist/style.css " + good + "\n", "", 2},
		{"three fields", "react 18.2.0 umd/react.js\n", "want 4 fields", 0},
		{"range version", "react ^18.2.0 umd/react.js " + good + "\n", "not exact", 0},
		{"dot-dot path", "react 18.2.0 ../react.js " + good + "\n", "bad file path", 0},
		{"absolute path", "react 18.2.0 /umd/react.js " + good + "\n", "bad file path", 0},
		{"bad package", "React! 18.2.0 umd/react.js " + good + "\n", "bad package name", 0},
		{"not js or css", "react 18.2.0 umd/react.map " + good + "\n", "neither .js nor .css", 0},
		{"sha512", "react 18.2.0 umd/react.js sha512-" + strings.Repeat("A", 88) + "\n", "not sha256", 0},
		{"short hash", "react 18.2.0 umd/react.js sha256-AAAA\n", "not sha256", 0},
		{"duplicate", "react 18.2.0 a.js " + good + "\nreact 18.2.0 a.js " + good + "\n", "listed twice", 0},
		{"empty", "# nothing\n", "no files", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseManifest([]byte(tt.text))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || len(got) != tt.want {
				t.Fatalf("got %d entries, err %v; want %d", len(got), err, tt.want)
			}
		})
	}
}

// The committed manifest pins exactly the six files the page needs, in load
// order, with the hashes gqlgen pins for jsDelivr (but the explorer's CSS).
func TestCommittedManifest(t *testing.T) {
	data, err := embedded.ReadFile("assets/manifest.txt")
	if err != nil {
		t.Fatal(err)
	}
	entries, err := parseManifest(data)
	if err != nil {
		t.Fatal(err)
	}
	want := []manifestEntry{
		{"react", "18.2.0", "umd/react.production.min.js", "sha256-S0lp+k7zWUMk2ixteM6HZvu8L9Eh//OVrt+ZfbCpmgY="},
		{"react-dom", "18.2.0", "umd/react-dom.production.min.js", "sha256-IXWO0ITNDjfnNXIu5POVfqlgYoop36bDzhodR6LW5Pc="},
		{"graphiql", "4.1.2", "graphiql.min.js", "sha256-hnImuor1znlJkD/FOTL3jayfS/xsyNoP04abi8bFJWs="},
		{"graphiql", "4.1.2", "graphiql.min.css", "sha256-MEh+B2NdMSpj9kexQNN3QKc8UzMrCXW/Sx/phcpuyIU="},
		{"@graphiql/plugin-explorer", "4.0.6", "dist/index.umd.js", "sha256-UM8sWOS0Xa9yLY85q6Clh0pF4qpxX+TOcJ41flECqBs="},
		{"@graphiql/plugin-explorer", "4.0.6", "dist/style.css", "sha256-aJCaSuI7+t/EWRrLTis8jU9EFTua5/o7fnwxnroxDvE="},
	}
	if !slices.Equal(entries, want) {
		t.Fatalf("manifest entries:\n got %v\nwant %v", entries, want)
	}
}

// ---- page -------------------------------------------------------------------

func TestPageRendersExamples(t *testing.T) {
	b := fakeBundle(t)
	tests := []struct {
		name     string
		opts     Options
		wantTabs []tab
		wantHdrs string
	}{
		{
			name: "no examples",
			opts: Options{},
		},
		{
			name: "named examples get a comment line",
			opts: Options{Examples: []Example{
				{Name: "Customer by id", Query: "query CustomerById($id: ID!) { customer(id: $id) { id } }", Variables: ` {"id": "c-1"} `},
				{Query: "{ customers { id } }"},
			}},
			wantTabs: []tab{
				{Query: "# Customer by id\nquery CustomerById($id: ID!) { customer(id: $id) { id } }", Variables: `{"id": "c-1"}`},
				{Query: "{ customers { id } }"},
			},
		},
		{
			name: "comment already present is not repeated",
			opts: Options{Examples: []Example{{Name: "Orders", Query: "# Orders\nquery Orders { orders { id } }"}}},
			wantTabs: []tab{
				{Query: "# Orders\nquery Orders { orders { id } }"},
			},
		},
		{
			name: "script end tags, quotes and comments stay inside the JSON",
			opts: Options{Examples: []Example{{
				Name:      "Tricky </script><script>alert(1)</script>\nline two",
				Query:     "query Tricky { search(q: \"</script><script>alert('x')</script>\", r: \"<!-- \\\" ' ` \u2028 \u2029 &amp;\") { id } }",
				Variables: `{"q": "</SCRIPT >", "s": "it's \"quoted\""}`,
			}}},
			wantTabs: []tab{{
				Query:     "# Tricky </script><script>alert(1)</script> line two\nquery Tricky { search(q: \"</script><script>alert('x')</script>\", r: \"<!-- \\\" ' ` \u2028 \u2029 &amp;\") { id } }",
				Variables: `{"q": "</SCRIPT >", "s": "it's \"quoted\""}`,
			}},
		},
		{
			name: "default headers shown unescaped in every tab",
			opts: Options{
				Headers:  map[string]string{"X-Harmony-Client": "playground", "Authorization": "Bearer <token> & \"more\""},
				Examples: []Example{{Query: "query A { a }"}},
			},
			wantHdrs: "{\n  \"Authorization\": \"Bearer <token> & \\\"more\\\"\",\n  \"X-Harmony-Client\": \"playground\"\n}",
			wantTabs: []tab{{
				Query:   "query A { a }",
				Headers: "{\n  \"Authorization\": \"Bearer <token> & \\\"more\\\"\",\n  \"X-Harmony-Client\": \"playground\"\n}",
			}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := get(t, newHandler(tt.opts, b), "GET", "/", nil)
			if rec.Code != http.StatusOK {
				t.Fatalf("status %d: %s", rec.Code, rec.Body)
			}
			page := rec.Body.String()
			cfg := pageConfigOf(t, page)
			if cfg.Endpoint != "/graphql" || cfg.StoragePrefix != storagePrefix || cfg.StyleNonce == "" {
				t.Errorf("config = %+v", cfg)
			}
			if !slices.Equal(cfg.Tabs, tt.wantTabs) {
				t.Errorf("tabs:\n got %q\nwant %q", cfg.Tabs, tt.wantTabs)
			}
			if cfg.DefaultHeaders != tt.wantHdrs {
				t.Errorf("defaultHeaders:\n got %q\nwant %q", cfg.DefaultHeaders, tt.wantHdrs)
			}
			// Exactly the JSON block and the six vendor + one own scripts.
			if n, want := strings.Count(page, "<script"), 1+len(b.scripts); n != want {
				t.Errorf("%d <script> tags, want %d:\n%s", n, want, page)
			}
			if n := strings.Count(page, "</script>"); n != 1+len(b.scripts) {
				t.Errorf("%d </script> tags, want %d", n, 1+len(b.scripts))
			}
			if !strings.Contains(page, "<title>"+defaultTitle+"</title>") {
				t.Errorf("default title missing")
			}
		})
	}
}

func TestPageTitleEscaped(t *testing.T) {
	rec := get(t, newHandler(Options{Title: `A <b>"bold"</b> title`}, fakeBundle(t)), "GET", "/", nil)
	if page := rec.Body.String(); !strings.Contains(page, "<title>A &lt;b&gt;&#34;bold&#34;&lt;/b&gt; title</title>") {
		t.Errorf("title not escaped:\n%s", page)
	}
}

func TestPageLoadsEveryAssetInOrderWithSRI(t *testing.T) {
	b := fakeBundle(t)
	page := get(t, newHandler(Options{}, b), "GET", "/playground", nil).Body.String()
	refs := pageRefs(page)
	var want []pageRef
	for _, a := range b.styles {
		want = append(want, pageRef{"link", a.Path, a.SRI})
	}
	for _, a := range b.scripts {
		want = append(want, pageRef{"script", a.Path, a.SRI})
	}
	if !slices.Equal(refs, want) {
		t.Fatalf("page references:\n got %v\nwant %v", refs, want)
	}
	wantOrder := []string{
		"/playground/assets/react@18.2.0/umd/react.production.min.js",
		"/playground/assets/react-dom@18.2.0/umd/react-dom.production.min.js",
		"/playground/assets/graphiql@4.1.2/graphiql.min.js",
		"/playground/assets/@graphiql/plugin-explorer@4.0.6/dist/index.umd.js",
	}
	for i, p := range wantOrder {
		if b.scripts[i].Path != p {
			t.Errorf("script %d = %s, want %s", i, b.scripts[i].Path, p)
		}
	}
	if last := b.scripts[len(b.scripts)-1].Path; !regexp.MustCompile(`^/playground/assets/harmony/boot\.[0-9a-f]{12}\.js$`).MatchString(last) {
		t.Errorf("last script = %s, want the boot script", last)
	}
}

// The SRI attributes of the real page are the hashes of the embedded bytes,
// and the handler serves exactly those bytes.
func TestSRIMatchesEmbeddedFiles(t *testing.T) {
	b := realBundle(t)
	h := newHandler(Options{}, b)
	refs := pageRefs(get(t, h, "GET", "/", nil).Body.String())
	if len(refs) != 8 {
		t.Fatalf("%d referenced assets, want 6 from npm + 2 own: %v", len(refs), refs)
	}
	for _, ref := range refs {
		t.Run(ref.url, func(t *testing.T) {
			var embeddedBytes []byte
			var err error
			if name, ok := strings.CutPrefix(ref.url, AssetsPrefix+"harmony/"); ok {
				base, _, _ := strings.Cut(name, ".")
				ext := name[strings.LastIndex(name, "."):]
				embeddedBytes, err = ownFiles.ReadFile("static/" + base + ext)
			} else {
				embeddedBytes, err = embedded.ReadFile("assets/dist/" + strings.TrimPrefix(ref.url, AssetsPrefix))
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := sriOf(embeddedBytes); got != ref.sri {
				t.Errorf("integrity %s, embedded file hashes to %s", ref.sri, got)
			}
			rec := get(t, h, "GET", ref.url, nil)
			if rec.Code != http.StatusOK || !bytes.Equal(rec.Body.Bytes(), embeddedBytes) {
				t.Errorf("served %d, %d bytes; want 200 with the embedded %d bytes", rec.Code, rec.Body.Len(), len(embeddedBytes))
			}
		})
	}
}

func TestPageHasNoExternalURL(t *testing.T) {
	bundles := map[string]*bundle{"fake": fakeBundle(t)}
	if AssetsPresent() == nil {
		bundles["real"] = defaultBundle()
	}
	for name, b := range bundles {
		t.Run(name, func(t *testing.T) {
			page := get(t, newHandler(Options{Examples: []Example{{Name: "x", Query: "{ a }"}}}, b), "GET", "/", nil).Body.String()
			lower := strings.ToLower(page)
			for _, bad := range []string{"http:", "https:", "//cdn", "jsdelivr", "unpkg", "cdnjs", "esm.sh", "src=\"//", "href=\"//"} {
				if strings.Contains(lower, bad) {
					t.Errorf("page contains %q:\n%s", bad, page)
				}
			}
			for _, ref := range pageRefs(page) {
				if !strings.HasPrefix(ref.url, AssetsPrefix) {
					t.Errorf("asset %s is not served by the playground", ref.url)
				}
			}
		})
	}
}

// ---- security headers ---------------------------------------------------------

func TestPageSecurityHeaders(t *testing.T) {
	h := newHandler(Options{}, fakeBundle(t))
	rec := get(t, h, "GET", "http://gateway.example:8080/", nil)
	hdr := rec.Header()
	for k, want := range map[string]string{
		"Content-Type":           "text/html; charset=utf-8",
		"X-Content-Type-Options": "nosniff",
		"Referrer-Policy":        "no-referrer",
		"X-Frame-Options":        "DENY",
		"Cache-Control":          "no-store",
	} {
		if got := hdr.Get(k); got != want {
			t.Errorf("%s = %q, want %q", k, got, want)
		}
	}
	csp := cspOf(t, hdr.Get("Content-Security-Policy"))
	nonce := pageConfigOf(t, rec.Body.String()).StyleNonce
	want := map[string][]string{
		"default-src":     {"'none'"},
		"script-src":      {"'self'"},
		"style-src":       {"'self'", "'nonce-" + nonce + "'"},
		"style-src-elem":  {"'self'", "'nonce-" + nonce + "'"},
		"style-src-attr":  {"'unsafe-inline'"},
		"img-src":         {"'self'", "data:"},
		"font-src":        {"'self'", "data:"},
		"connect-src":     {"'self'", "ws://gateway.example:8080", "wss://gateway.example:8080"},
		"base-uri":        {"'none'"},
		"form-action":     {"'none'"},
		"frame-ancestors": {"'none'"},
	}
	for d, sources := range want {
		if !slices.Equal(csp[d], sources) {
			t.Errorf("CSP %s = %v, want %v", d, csp[d], sources)
		}
	}
	if len(csp) != len(want) {
		t.Errorf("CSP has %d directives, want %d: %v", len(csp), len(want), csp)
	}

	// A fresh nonce per response.
	again := get(t, h, "GET", "/", nil)
	if n2 := pageConfigOf(t, again.Body.String()).StyleNonce; n2 == nonce || len(n2) < 22 {
		t.Errorf("nonce %q reused or short (previous %q)", n2, nonce)
	}
}

func TestCSPConnectSrc(t *testing.T) {
	b := fakeBundle(t)
	tests := []struct {
		name, endpoint, host string
		want                 []string
	}{
		{"same origin", "", "localhost:8080", []string{"'self'", "ws://localhost:8080", "wss://localhost:8080"}},
		{"ipv6 host", "/graphql", "[::1]:8080", []string{"'self'", "ws://[::1]:8080", "wss://[::1]:8080"}},
		{"hostile host header", "/graphql", "a.example; script-src *", []string{"'self'"}},
		{"host with path", "/graphql", "a.example/x", []string{"'self'"}},
		{"absolute endpoint", "https://api.example.com/graphql", "gw.example", []string{"'self'", "ws://gw.example", "wss://gw.example", "https://api.example.com", "wss://api.example.com"}},
		{"absolute http endpoint with port", "http://127.0.0.1:9000/graphql", "gw.example", []string{"'self'", "ws://gw.example", "wss://gw.example", "http://127.0.0.1:9000", "ws://127.0.0.1:9000"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := httptest.NewRequestWithContext(t.Context(), http.MethodGet, "/", nil)
			req.Host = tt.host
			rec := httptest.NewRecorder()
			newHandler(Options{Endpoint: tt.endpoint}, b).ServeHTTP(rec, req)
			if rec.Code != http.StatusOK {
				t.Fatalf("status %d: %s", rec.Code, rec.Body)
			}
			if got := cspOf(t, rec.Header().Get("Content-Security-Policy"))["connect-src"]; !slices.Equal(got, tt.want) {
				t.Errorf("connect-src = %v, want %v", got, tt.want)
			}
			wantEndpoint := tt.endpoint
			if wantEndpoint == "" {
				wantEndpoint = "/graphql"
			}
			if got := pageConfigOf(t, rec.Body.String()).Endpoint; got != wantEndpoint {
				t.Errorf("endpoint = %q, want %q", got, wantEndpoint)
			}
		})
	}
}

func TestBadEndpointIsAnErrorNotAPanic(t *testing.T) {
	for _, endpoint := range []string{"javascript:alert(1)", "//evil.example/graphql", "ftp://x.example/graphql", "http://", "http://a b/graphql", "%zz"} {
		t.Run(endpoint, func(t *testing.T) {
			rec := get(t, newHandler(Options{Endpoint: endpoint}, fakeBundle(t)), "GET", "/", nil)
			if rec.Code != http.StatusInternalServerError || !strings.Contains(rec.Body.String(), "misconfigured") {
				t.Errorf("status %d, body %q; want 500 misconfigured", rec.Code, rec.Body)
			}
			if strings.Contains(rec.Body.String(), "<script") {
				t.Error("error page contains markup")
			}
		})
	}
}

// ---- assets -------------------------------------------------------------------

func TestAssetsServed(t *testing.T) {
	bundles := map[string]*bundle{"fake": fakeBundle(t)}
	if AssetsPresent() == nil {
		bundles["real"] = defaultBundle()
	}
	for bname, b := range bundles {
		h := newHandler(Options{}, b)
		paths := slices.Sorted(func(yield func(string) bool) {
			for p := range b.assets {
				if !yield(p) {
					return
				}
			}
		})
		if len(paths) != 8 {
			t.Fatalf("%s: %d assets, want 8", bname, len(paths))
		}
		for _, p := range paths {
			a := b.assets[p]
			wantType := map[bool]string{true: "text/css; charset=utf-8", false: "text/javascript; charset=utf-8"}[strings.HasSuffix(p, ".css")]
			t.Run(bname+p, func(t *testing.T) {
				tests := []struct {
					name       string
					method     string
					header     map[string]string
					wantStatus int
					wantGzip   bool
				}{
					{"plain GET", "GET", nil, http.StatusOK, false},
					{"HEAD", "HEAD", nil, http.StatusOK, false},
					{"gzip", "GET", map[string]string{"Accept-Encoding": "br, gzip;q=0.8"}, http.StatusOK, true},
					{"gzip refused", "GET", map[string]string{"Accept-Encoding": "gzip;q=0, identity"}, http.StatusOK, false},
					{"revalidation", "GET", map[string]string{"If-None-Match": a.ETag}, http.StatusNotModified, false},
					{"gzip revalidation", "GET", map[string]string{"If-None-Match": a.GzipETag(), "Accept-Encoding": "gzip"}, http.StatusNotModified, true},
					{"stale etag", "GET", map[string]string{"If-None-Match": `"0000"`}, http.StatusOK, false},
				}
				for _, tt := range tests {
					rec := get(t, h, tt.method, p, tt.header)
					hdr := rec.Header()
					if rec.Code != tt.wantStatus {
						t.Errorf("%s: status %d, want %d", tt.name, rec.Code, tt.wantStatus)
						continue
					}
					if got := hdr.Get("Cache-Control"); got != "public, max-age=31536000, immutable" {
						t.Errorf("%s: Cache-Control %q", tt.name, got)
					}
					if hdr.Get("X-Content-Type-Options") != "nosniff" || hdr.Get("Vary") != "Accept-Encoding" {
						t.Errorf("%s: headers %v", tt.name, hdr)
					}
					wantETag := a.ETag
					if tt.wantGzip {
						wantETag = a.GzipETag()
					}
					if got := hdr.Get("ETag"); got != wantETag || !strings.HasPrefix(got, `"`) {
						t.Errorf("%s: ETag %q, want %q", tt.name, got, wantETag)
					}
					if rec.Code == http.StatusNotModified {
						if rec.Body.Len() != 0 {
							t.Errorf("%s: body on 304", tt.name)
						}
						continue
					}
					if got := hdr.Get("Content-Type"); got != wantType {
						t.Errorf("%s: Content-Type %q, want %q", tt.name, got, wantType)
					}
					body := rec.Body.Bytes()
					if tt.method == "HEAD" {
						if len(body) != 0 {
							t.Errorf("HEAD returned a body")
						}
						continue
					}
					if tt.wantGzip {
						if hdr.Get("Content-Encoding") != "gzip" {
							t.Fatalf("%s: Content-Encoding %q", tt.name, hdr.Get("Content-Encoding"))
						}
						zr, err := gzip.NewReader(bytes.NewReader(body))
						if err != nil {
							t.Fatal(err)
						}
						if body, err = io.ReadAll(zr); err != nil {
							t.Fatal(err)
						}
					} else if hdr.Get("Content-Encoding") != "" {
						t.Errorf("%s: unexpected Content-Encoding %q", tt.name, hdr.Get("Content-Encoding"))
					}
					if sriOf(body) != a.SRI {
						t.Errorf("%s: served body does not match its SRI", tt.name)
					}
				}
			})
		}
	}
}

func TestAssetPathsAreVersioned(t *testing.T) {
	b := fakeBundle(t)
	versioned := regexp.MustCompile(`^/playground/assets/((@[a-z0-9._-]+/)?[a-z0-9._-]+@[0-9]+\.[0-9]+\.[0-9]+|harmony)/`)
	ownHashed := regexp.MustCompile(`^/playground/assets/harmony/[a-z]+\.[0-9a-f]{12}\.(js|css)$`)
	for p := range b.assets {
		if !versioned.MatchString(p) || (strings.Contains(p, "/harmony/") && !ownHashed.MatchString(p)) {
			t.Errorf("asset path %s carries no version or content hash", p)
		}
	}
}

func TestUnknownPaths(t *testing.T) {
	h := newHandler(Options{}, fakeBundle(t))
	tests := []struct {
		method, path string
		want         int
	}{
		{"GET", "/", 200},
		{"HEAD", "/", 200},
		{"GET", "/playground", 200},
		{"GET", "/playground/", 200},
		{"GET", "/playground/assets/", 404},
		{"GET", "/playground/assets/react@18.2.0/umd/react.development.js", 404},
		{"GET", "/playground/assets/../assets/manifest.txt", 404},
		{"GET", "/playground/assets/harmony/boot.js", 404},
		{"GET", "/graphql", 404},
		{"POST", "/", 405},
		{"PUT", "/playground/assets/react@18.2.0/umd/react.production.min.js", 405},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			rec := get(t, h, tt.method, tt.path, nil)
			if rec.Code != tt.want {
				t.Errorf("status %d, want %d", rec.Code, tt.want)
			}
			if tt.want == 405 && rec.Header().Get("Allow") != "GET, HEAD" {
				t.Errorf("Allow = %q", rec.Header().Get("Allow"))
			}
		})
	}
}

func TestMount(t *testing.T) {
	mux := http.NewServeMux()
	Mount(mux, Options{})
	wantPage := http.StatusOK
	if AssetsPresent() != nil {
		wantPage = http.StatusServiceUnavailable
	}
	tests := []struct {
		method, path string
		want         int
	}{
		{"GET", "/", wantPage},
		{"HEAD", "/", wantPage},
		{"GET", "/playground", wantPage},
		{"GET", "/other", 404},
		{"POST", "/", 405},
		{"GET", "/playground/assets/nope.js", 404},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			if rec := get(t, mux, tt.method, tt.path, nil); rec.Code != tt.want {
				t.Errorf("status %d, want %d", rec.Code, tt.want)
			}
		})
	}
	if AssetsPresent() == nil {
		for p := range defaultBundle().assets {
			if rec := get(t, mux, "GET", p, nil); rec.Code != 200 {
				t.Errorf("GET %s through Mount: %d", p, rec.Code)
			}
		}
	}
}

// ---- missing or altered assets --------------------------------------------------

func TestMissingAssetsAnswer503(t *testing.T) {
	files, entries := fakeFiles(t)
	without := func(drop string) fstest.MapFS {
		m := fstest.MapFS{}
		for k, v := range files {
			if k != drop {
				m[k] = v
			}
		}
		return m
	}
	altered := without("")
	altered["graphiql@4.1.2/graphiql.min.js"] = &fstest.MapFile{Data: []byte("/* tampered */")}
	badManifest := slices.Clone(entries)
	badManifest[0].version = "latest"

	tests := []struct {
		name     string
		files    fs.FS
		manifest []byte
		wantErr  []string
	}{
		{"fresh clone, nothing fetched", fstest.MapFS{}, manifestText(entries), []string{"react@18.2.0/umd/react.production.min.js: missing", "graphiql@4.1.2/graphiql.min.js: missing", "make assets"}},
		{"one file missing", without("@graphiql/plugin-explorer@4.0.6/dist/style.css"), manifestText(entries), []string{"@graphiql/plugin-explorer@4.0.6/dist/style.css: missing"}},
		{"one file altered", altered, manifestText(entries), []string{"graphiql@4.1.2/graphiql.min.js: sha256 is", "manifest pins " + entries[2].sri}},
		{"bad manifest", files, manifestText(badManifest), []string{"manifest.txt", "not exact"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := loadBundle(tt.files, tt.manifest, ownFS(t))
			if b.err == nil {
				t.Fatal("no error")
			}
			for _, want := range tt.wantErr {
				if !strings.Contains(b.err.Error(), want) {
					t.Errorf("error %q does not mention %q", b.err, want)
				}
			}
			h := newHandler(Options{Examples: []Example{{Query: "{ a }"}}}, b)
			for _, path := range []string{"/", "/playground"} {
				rec := get(t, h, "GET", path, nil)
				body := rec.Body.String()
				if rec.Code != http.StatusServiceUnavailable {
					t.Errorf("%s: status %d, want 503", path, rec.Code)
				}
				if ct := rec.Header().Get("Content-Type"); ct != "text/plain; charset=utf-8" {
					t.Errorf("%s: Content-Type %q", path, ct)
				}
				if !strings.Contains(body, "make assets") || strings.Contains(body, "<") || strings.Contains(strings.ToLower(body), "http") {
					t.Errorf("%s: body %q", path, body)
				}
				if rec.Header().Get("X-Content-Type-Options") != "nosniff" {
					t.Errorf("%s: no nosniff", path)
				}
			}
			// Files that are missing or altered are not served either.
			for _, e := range entries {
				data, err := fs.ReadFile(tt.files, e.dir())
				rec := get(t, h, "GET", AssetsPrefix+e.dir(), nil)
				intact := err == nil && sriOf(data) == e.sri && !strings.Contains(tt.name, "manifest")
				if intact != (rec.Code == http.StatusOK) {
					t.Errorf("%s: status %d (intact %v)", e.dir(), rec.Code, intact)
				}
			}
		})
	}
}

func TestAssetsPresent(t *testing.T) {
	err := AssetsPresent()
	if err != nil {
		if !strings.Contains(err.Error(), "make assets") || !strings.Contains(err.Error(), "missing") {
			t.Errorf("AssetsPresent error is not descriptive: %v", err)
		}
		t.Skipf("real assets not fetched, which AssetsPresent reports: %v", err)
	}
	if len(defaultBundle().assets) != 8 {
		t.Errorf("%d assets loaded", len(defaultBundle().assets))
	}
}
