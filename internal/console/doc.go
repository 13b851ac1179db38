// Package console serves the Customer 360 console, a TypeScript app built
// with Vite from console/ at the repository root, from the gateway binary:
// no CDN, no request to any other host.
//
// # What it serves
//
// Mount registers, for GET and HEAD:
//
//	/console, /console/    the console page (Vite's index.html, with a
//	                       Subresource Integrity hash added to each asset)
//	/console/assets/<file> the hashed script and stylesheet Vite emits
//
// Asset names carry a content hash, so they are served with
// "Cache-Control: public, max-age=31536000, immutable", an ETag, and gzip
// when the client accepts it. The page is sent with a strict
// Content-Security-Policy: scripts, styles and connections to the gateway's
// own origin only, no inline script or style, no frames, no form posts.
//
// The console itself holds no data: it talks to /graphql like any client
// (POST with JSON; the live panel runs the customerActivity subscription as
// server-sent events), so the gateway's authentication, scopes and masking
// apply to it unchanged. When the gateway asks for credentials the console
// asks the user for an API key and keeps it in the browser tab's
// sessionStorage.
//
// # Where the assets come from
//
// scripts/build-console.sh (make assets) runs npm ci and vite build in
// console/ when its sources changed, writing assets/dist/, which is
// git-ignored and embedded by go:embed. A binary built without it still
// runs: /console answers 503 asking the operator to run make assets, and
// AssetsPresent says what is missing so that the caller can log it.
package console
