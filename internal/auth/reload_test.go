package auth_test

import (
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v3/jwt"

	"github.com/harmonyhq/harmony/internal/caller"
	"github.com/harmonyhq/harmony/internal/config"
)

// closed reports whether ch is closed (a nil channel never is).
func closed(ch <-chan struct{}) bool {
	select {
	case <-ch:
		return true
	default:
		return false
	}
}

// API keys reload without a restart: a key removed is refused from then
// on and its watchers are told, as are those of a key whose scopes
// changed; a key kept as it was stays, and a new one works.
func TestAPIKeysReload(t *testing.T) {
	a := newAuth(t, "")
	store, err := a.Authenticate(request("X-API-Key", appKey))
	if err != nil {
		t.Fatal(err)
	}
	ops, err := a.Authenticate(request("X-API-Key", "ops-key"))
	if err != nil {
		t.Fatal(err)
	}
	if store.Credential == "" || store.Credential == ops.Credential || !store.Expires.IsZero() {
		t.Fatalf("callers = %+v, %+v: want distinct credentials that do not expire", store, ops)
	}
	storeGone, stopStore := a.Revoked(store)
	defer stopStore()
	opsGone, stopOps := a.Revoked(ops)
	defer stopOps()

	// The storefront's key goes; ops keeps its key, with another scope.
	revoked, err := a.SetAPIKeys(config.Auth{APIKeys: []config.APIKey{
		{ID: "ops", SHA256: hash("ops-key"), Scopes: []string{caller.ScopeRead}},
		{ID: "crm-sync", SHA256: hash("new-key"), Role: "integrator"},
	}})
	if err != nil || revoked != 2 {
		t.Fatalf("revoked %d (%v), want 2", revoked, err)
	}
	if !closed(storeGone) || !closed(opsGone) {
		t.Errorf("watchers told: storefront %v, ops %v; want both", closed(storeGone), closed(opsGone))
	}
	if _, err := a.Authenticate(request("X-API-Key", appKey)); err == nil {
		t.Error("a removed key is still accepted")
	}
	if c, err := a.Authenticate(request("X-API-Key", "new-key")); err != nil || c.Name != "crm-sync" {
		t.Errorf("new key: %+v, %v", c, err)
	}
	// A watch started with the old scopes ends at once; with the new ones
	// it waits.
	if ch, stop := a.Revoked(ops); !closed(ch) {
		t.Error("a caller of the old scopes is watched as if current")
		stop()
	}
	ops2, _ := a.Authenticate(request("X-API-Key", "ops-key"))
	ch, stop := a.Revoked(ops2)
	defer stop()
	if closed(ch) {
		t.Fatal("a current caller is revoked")
	}
	// Reloading the same keys revokes nothing.
	if n, _ := a.SetAPIKeys(config.Auth{APIKeys: []config.APIKey{
		{ID: "ops", SHA256: hash("ops-key"), Scopes: []string{caller.ScopeRead}},
		{ID: "crm-sync", SHA256: hash("new-key"), Role: "integrator"},
	}}); n != 0 || closed(ch) {
		t.Errorf("an unchanged reload revoked %d keys", n)
	}
}

// A token's caller says when it stops being accepted: its exp, with the
// skew tolerated; it cannot be revoked (it expires).
func TestJWTCallerExpires(t *testing.T) {
	good := newSigner(t, "k1")
	a := newAuth(t, jwks(t, good).URL)
	exp := time.Now().Add(2 * time.Minute).Truncate(time.Second)
	c, err := a.Authenticate(request("Authorization", "Bearer "+good.sign(t, func(b *jwt.Builder) { b.Expiration(exp) })))
	if err != nil {
		t.Fatal(err)
	}
	if want := exp.Add(30 * time.Second); !c.Expires.Equal(want) {
		t.Errorf("expires %v, want %v (exp and the skew)", c.Expires, want)
	}
	if ch, stop := a.Revoked(c); ch != nil {
		stop()
		t.Error("a token is watched for revocation")
	}
}
