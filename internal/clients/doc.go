// Package clients tests the client snippets of docs/clients.md (Apollo
// Client, urql with graphcache, Relay's conventions, graphql-ws and SSE):
// TestClientSnippets runs docs/clients/clients.test.mjs in Node, with the
// npm packages pinned by docs/clients/package-lock.json, against the demo
// gateway. It has no code of its own.
package clients
