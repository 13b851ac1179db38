package auth_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v3/jwa"
	"github.com/lestrrat-go/jwx/v3/jwk"
	"github.com/lestrrat-go/jwx/v3/jwt"

	"github.com/harmonyhq/harmony/internal/auth"
	"github.com/harmonyhq/harmony/internal/caller"
	"github.com/harmonyhq/harmony/internal/config"
)

const (
	issuer   = "https://idp.example.com/"
	audience = "harmony"
	appKey   = "hk_live_storefront_0123456789abcdef"
)

func hash(key string) string {
	sum := sha256.Sum256([]byte(key))
	return hex.EncodeToString(sum[:])
}

// signer is a private key whose public half an httptest JWKS server
// publishes under kid.
type signer struct {
	key jwk.Key
}

func newSigner(t *testing.T, kid string) signer {
	t.Helper()
	raw, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	k, err := jwk.Import(raw)
	if err != nil {
		t.Fatal(err)
	}
	_ = k.Set(jwk.KeyIDKey, kid)
	_ = k.Set(jwk.AlgorithmKey, jwa.ES256())
	return signer{key: k}
}

func (s signer) sign(t *testing.T, mutate func(*jwt.Builder)) string {
	t.Helper()
	b := jwt.NewBuilder().Issuer(issuer).Audience([]string{audience}).Subject("agent-42").
		IssuedAt(time.Now()).Expiration(time.Now().Add(5*time.Minute)).
		Claim("scope", "customers:read pii:read").Claim("role", "analyst")
	if mutate != nil {
		mutate(b)
	}
	tok, err := b.Build()
	if err != nil {
		t.Fatal(err)
	}
	if exp, ok := tok.Expiration(); ok && exp.Unix() <= 0 {
		_ = tok.Remove(jwt.ExpirationKey) // the test asks for no expiry
	}
	out, err := jwt.Sign(tok, jwt.WithKey(jwa.ES256(), s.key))
	if err != nil {
		t.Fatal(err)
	}
	return string(out)
}

// jwks serves the public halves of signers.
func jwks(t *testing.T, signers ...signer) *httptest.Server {
	t.Helper()
	set := jwk.NewSet()
	for _, s := range signers {
		pub, err := jwk.PublicKeyOf(s.key)
		if err != nil {
			t.Fatal(err)
		}
		_ = set.AddKey(pub)
	}
	body, err := json.Marshal(set)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(body)
	}))
	t.Cleanup(ts.Close)
	return ts
}

func newAuth(t *testing.T, jwksURL string) *auth.Authenticator {
	t.Helper()
	cfg := config.Auth{
		APIKeys: []config.APIKey{
			{ID: "storefront", SHA256: hash(appKey), Role: "app"},
			{ID: "ops", SHA256: strings.ToUpper(hash("ops-key")), Scopes: []string{caller.ScopeAdmin}},
		},
		Roles: map[string][]string{"analyst": {caller.ScopeRead}},
	}
	if jwksURL != "" {
		cfg.JWT = &config.JWT{JWKSURL: jwksURL, Issuer: issuer, Audience: audience, RoleClaim: "role"}
	}
	a, err := auth.New(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(a.Close)
	return a
}

func request(headers ...string) *http.Request {
	r := httptest.NewRequestWithContext(context.Background(), http.MethodPost, "/graphql", nil)
	for i := 0; i+1 < len(headers); i += 2 {
		r.Header.Set(headers[i], headers[i+1])
	}
	return r
}

func TestJWT(t *testing.T) {
	good, other := newSigner(t, "k1"), newSigner(t, "k1")
	stranger := newSigner(t, "k9")
	ts := jwks(t, good)
	a := newAuth(t, ts.URL+"/.well-known/jwks.json")

	tests := []struct {
		name   string
		token  string
		want   caller.Caller
		reason string
	}{
		{"valid: scopes from the claim and the role", good.sign(t, nil),
			caller.Caller{Name: "agent-42", Scopes: []string{"customers:read", "pii:read"}}, ""},
		{"scope claim as an array, no role", good.sign(t, func(b *jwt.Builder) {
			b.Claim("scope", []string{"segments:write"}).Claim("role", "")
		}), caller.Caller{Name: "agent-42", Scopes: []string{"segments:write"}}, ""},
		{"role claim alone", good.sign(t, func(b *jwt.Builder) { b.Claim("scope", "").Claim("role", "agent") }),
			caller.Caller{Name: "agent-42", Scopes: []string{"consent:write", "customers:read", "identity:write", "interactions:write", "messages:send", "pii:read"}}, ""},
		{"expired beyond the skew", good.sign(t, func(b *jwt.Builder) { b.Expiration(time.Now().Add(-2 * time.Minute)) }),
			caller.Caller{}, "token expired"},
		{"expired within the skew", good.sign(t, func(b *jwt.Builder) { b.Expiration(time.Now().Add(-5 * time.Second)) }),
			caller.Caller{Name: "agent-42", Scopes: []string{"customers:read", "pii:read"}}, ""},
		{"not yet valid", good.sign(t, func(b *jwt.Builder) { b.NotBefore(time.Now().Add(10 * time.Minute)) }),
			caller.Caller{}, "token not yet valid"},
		{"no expiry", good.sign(t, func(b *jwt.Builder) { b.Expiration(time.Time{}) }), caller.Caller{}, "missing claim"},
		{"wrong issuer", good.sign(t, func(b *jwt.Builder) { b.Issuer("https://evil.example.com/") }), caller.Caller{}, "wrong issuer"},
		{"wrong audience", good.sign(t, func(b *jwt.Builder) { b.Audience([]string{"billing"}) }), caller.Caller{}, "wrong audience"},
		{"no subject", good.sign(t, func(b *jwt.Builder) { b.Subject("") }), caller.Caller{}, "token has no subject"},
		{"bad signature (same kid, other key)", other.sign(t, nil), caller.Caller{}, "signature not verified"},
		{"unknown kid", stranger.sign(t, nil), caller.Caller{}, "signature not verified"},
		{"tampered payload", tamper(good.sign(t, nil)), caller.Caller{}, ""},
		{"not a token", "a.b.c", caller.Caller{}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := a.Authenticate(request("Authorization", "Bearer "+tt.token))
			if tt.want.Name != "" {
				if err != nil {
					t.Fatalf("err = %v", err)
				}
				if got.Name != tt.want.Name || !slices.Equal(got.Scopes, tt.want.Scopes) {
					t.Fatalf("caller = %+v, want %+v", got, tt.want)
				}
				return
			}
			if !errors.Is(err, auth.ErrInvalidCredential) {
				t.Fatalf("err = %v, want ErrInvalidCredential", err)
			}
			if tt.reason != "" && !strings.HasSuffix(err.Error(), tt.reason) {
				t.Errorf("err = %q, want reason %q", err, tt.reason)
			}
			noSecret(t, err.Error(), tt.token)
		})
	}
}

// tamper changes the payload of a signed token.
func tamper(tok string) string {
	parts := strings.Split(tok, ".")
	parts[1] = strings.Replace(parts[1], parts[1][4:6], "QQ", 1)
	return strings.Join(parts, ".")
}

func TestJWTKeyRotation(t *testing.T) {
	old, rotated := newSigner(t, "old"), newSigner(t, "new")
	var published []signer
	published = append(published, old)
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		set := jwk.NewSet()
		for _, s := range published {
			pub, _ := jwk.PublicKeyOf(s.key)
			_ = set.AddKey(pub)
		}
		_ = json.NewEncoder(w).Encode(set)
	}))
	defer ts.Close()
	a := newAuth(t, ts.URL)
	if _, err := a.Authenticate(request("Authorization", "Bearer "+old.sign(t, nil))); err != nil {
		t.Fatal(err)
	}
	if !a.KeysLoaded(t.Context()) {
		t.Error("keys not reported loaded")
	}
	published = []signer{old, rotated} // read by the server goroutine only after this write (HTTP orders it)
	if _, err := a.Authenticate(request("Authorization", "Bearer "+rotated.sign(t, nil))); err != nil {
		t.Fatalf("a key rotated in is not picked up: %v", err)
	}
}

func TestJWKSUnavailable(t *testing.T) {
	ts := httptest.NewServer(http.NotFoundHandler())
	defer ts.Close()
	a := newAuth(t, ts.URL)
	tok := newSigner(t, "k1").sign(t, nil)
	_, err := a.Authenticate(request("Authorization", "Bearer "+tok))
	if !errors.Is(err, auth.ErrInvalidCredential) {
		t.Fatalf("err = %v", err)
	}
	noSecret(t, err.Error(), tok)
	if a.KeysLoaded(t.Context()) {
		t.Error("keys reported loaded")
	}
	if !newAuth(t, "").KeysLoaded(t.Context()) {
		t.Error("keys-only authenticator not ready")
	}
}

func TestAPIKey(t *testing.T) {
	a := newAuth(t, "")
	tests := []struct {
		name    string
		headers []string
		want    caller.Caller
		err     error
	}{
		{"bearer key", []string{"Authorization", "Bearer " + appKey}, caller.Caller{Name: "storefront", Scopes: []string{"customers:read"}}, nil},
		{"x-api-key", []string{"X-API-Key", appKey}, caller.Caller{Name: "storefront", Scopes: []string{"customers:read"}}, nil},
		{"upper-case hash in config, scopes", []string{"X-API-Key", "ops-key"}, caller.Caller{Name: "ops", Scopes: []string{"admin"}}, nil},
		{"wrong key", []string{"X-API-Key", appKey + "x"}, caller.Caller{}, auth.ErrInvalidCredential},
		{"the hash is not the key", []string{"X-API-Key", hash(appKey)}, caller.Caller{}, auth.ErrInvalidCredential},
		{"basic auth", []string{"Authorization", "Basic " + appKey}, caller.Caller{}, auth.ErrInvalidCredential},
		{"empty bearer", []string{"Authorization", "Bearer "}, caller.Caller{}, auth.ErrInvalidCredential},
		{"jwt without jwt configured", []string{"Authorization", "Bearer a.b.c"}, caller.Caller{}, auth.ErrInvalidCredential},
		{"none", nil, caller.Caller{}, auth.ErrNoCredential},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := a.Authenticate(request(tt.headers...))
			if tt.err != nil {
				if !errors.Is(err, tt.err) {
					t.Fatalf("err = %v, want %v", err, tt.err)
				}
				noSecret(t, err.Error(), appKey)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.Name != tt.want.Name || !slices.Equal(got.Scopes, tt.want.Scopes) {
				t.Fatalf("caller = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestNewRejectsABadHash(t *testing.T) {
	_, err := auth.New(config.Auth{APIKeys: []config.APIKey{{ID: "x", SHA256: "plain-secret-key", Role: "app"}}}, nil)
	if err == nil || strings.Contains(err.Error(), "plain-secret-key") {
		t.Fatalf("err = %v", err)
	}
}

// noSecret fails when text holds the secret or a part of a token.
func noSecret(t *testing.T, text, secret string) {
	t.Helper()
	for _, part := range append([]string{secret}, strings.Split(secret, ".")...) {
		if len(part) >= 8 && bytes.Contains([]byte(text), []byte(part)) {
			t.Fatalf("%q holds the credential", text)
		}
	}
}
