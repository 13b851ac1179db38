// Package playground serves GraphiQL, the analysts' GraphQL playground, from
// the gateway binary alone: no CDN, no request to any other host.
//
// # What it serves
//
// Mount (or Handler, mounted at the root of the origin) answers GET and HEAD:
//
//	/                 the playground page
//	/playground       the same page
//	/playground/assets/<package>@<version>/<file>
//	                  the npm files the page loads, e.g.
//	                  /playground/assets/graphiql@4.1.2/graphiql.min.js
//	                  /playground/assets/react@18.2.0/umd/react.production.min.js
//	                  /playground/assets/react-dom@18.2.0/umd/react-dom.production.min.js
//	                  /playground/assets/@graphiql/plugin-explorer@4.0.6/dist/index.umd.js
//	                  (and the two stylesheets)
//	/playground/assets/harmony/<name>.<content hash>.<ext>
//	                  the package's own boot script and stylesheet
//
// Asset paths carry a version or a content hash, so assets are served with
// "Cache-Control: public, max-age=31536000, immutable", an ETag, and gzip when
// the client accepts it. The page loads each of them with a Subresource
// Integrity hash.
//
// The page mounts GraphiQL 4 (React 18) with the explorer plugin, sends
// queries and mutations over HTTP to Options.Endpoint and subscriptions over
// graphql-transport-ws to the same path (ws: or wss:, following the page),
// and opens Options.Examples as tabs on an analyst's first visit; after that
// GraphiQL restores the analyst's own saved tabs from localStorage.
//
// The page is sent with a strict Content-Security-Policy (scripts, styles and
// connections to the gateway's own origin only; no inline script; inline
// <style> only with a per-response nonce, which GraphiQL's dialogs use),
// X-Frame-Options DENY, Referrer-Policy no-referrer and nosniff.
//
// # Where the assets come from
//
// assets/manifest.txt pins each npm file with its sha256. The script
// scripts/fetch-playground-assets.sh (make assets) downloads them from the npm
// registry into assets/dist/, which is git-ignored and embedded by go:embed.
// A binary built without them still runs: the page answers 503 with a message
// asking the operator to run make assets, and AssetsPresent reports what is
// missing so that the caller can log it at startup.
package playground
