// Package webasset serves the static files of the gateway's web pages (the
// playground and the console) from memory: each with its Subresource
// Integrity hash, a strong ETag, gzip when it pays, and long-lived
// immutable caching, since every file's name or path carries its version.
package webasset

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"net/http"
	"path"
	"strings"
	"sync"
	"time"
)

// Asset is one file served at Path.
type Asset struct {
	// Path is the URL path.
	Path string
	// SRI is the body's sha256 in Subresource-Integrity form.
	SRI string
	// ETag is the strong validator of the uncompressed body.
	ETag string
	// ContentType is what ContentType gives for Path, or
	// application/octet-stream.
	ContentType string

	body     []byte
	gzipOnce sync.Once
	gzBody   []byte // nil when gzip does not make it smaller
}

// New makes the asset served at urlPath with body.
func New(urlPath string, body []byte) *Asset {
	sum := sha256.Sum256(body)
	ct := ContentType(urlPath)
	if ct == "" {
		ct = "application/octet-stream"
	}
	return &Asset{
		Path:        urlPath,
		SRI:         "sha256-" + base64.StdEncoding.EncodeToString(sum[:]),
		ETag:        `"` + hex.EncodeToString(sum[:12]) + `"`,
		ContentType: ct,
		body:        body,
	}
}

// ContentType is the media type of the file kinds the pages use, by
// extension; "" for any other.
func ContentType(name string) string {
	switch path.Ext(name) {
	case ".js":
		return "text/javascript; charset=utf-8"
	case ".css":
		return "text/css; charset=utf-8"
	case ".svg":
		return "image/svg+xml"
	case ".png":
		return "image/png"
	case ".woff2":
		return "font/woff2"
	case ".json":
		return "application/json"
	}
	return ""
}

// GzipETag is the validator of the gzip-compressed body.
func (a *Asset) GzipETag() string { return strings.TrimSuffix(a.ETag, `"`) + `-gzip"` }

// gzipped returns the body gzip-compressed, computed on first use, or nil
// when compression does not pay.
func (a *Asset) gzipped() []byte {
	a.gzipOnce.Do(func() {
		var buf bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
		if _, err := zw.Write(a.body); err != nil {
			return
		}
		if err := zw.Close(); err != nil {
			return
		}
		if buf.Len() < len(a.body) {
			a.gzBody = buf.Bytes()
		}
	})
	return a.gzBody
}

// Serve answers r with the asset: immutable caching, no sniffing, same
// origin only, gzip when the client takes it and it pays; ServeContent
// answers If-None-Match (304), Range and HEAD.
func (a *Asset) Serve(w http.ResponseWriter, r *http.Request) {
	hdr := w.Header()
	hdr.Set("Content-Type", a.ContentType)
	hdr.Set("Cache-Control", "public, max-age=31536000, immutable")
	hdr.Set("X-Content-Type-Options", "nosniff")
	hdr.Set("Cross-Origin-Resource-Policy", "same-origin")
	hdr.Add("Vary", "Accept-Encoding")
	body, etag := a.body, a.ETag
	if AcceptsGzip(r.Header.Get("Accept-Encoding")) {
		if gz := a.gzipped(); gz != nil {
			body, etag = gz, a.GzipETag()
			hdr.Set("Content-Encoding", "gzip")
		}
	}
	hdr.Set("ETag", etag)
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(body))
}

// AcceptsGzip reports whether an Accept-Encoding header value allows gzip.
func AcceptsGzip(header string) bool {
	for part := range strings.SplitSeq(header, ",") {
		coding, params, _ := strings.Cut(part, ";")
		coding = strings.ToLower(strings.TrimSpace(coding))
		if coding != "gzip" && coding != "x-gzip" {
			continue
		}
		q, ok := strings.CutPrefix(strings.ReplaceAll(params, " ", ""), "q=")
		return !ok || strings.Trim(q, "0.") != ""
	}
	return false
}
