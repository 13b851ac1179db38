// Package auth says who calls the gateway: it checks API keys (stored as
// SHA-256 hashes, compared in constant time) and JWT bearer tokens
// (signature against the identity provider's cached JWKS, expiry, issuer
// and audience) and turns them into a caller.Caller with scopes from its
// role and claims. It never logs or echoes a credential.
package auth
