package config

import (
	"slices"
	"strings"
	"testing"
)

const keyHash = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08" // sha256("test")

func TestParseAuth(t *testing.T) {
	const file = `
connectors:
  - name: crm
    kind: configtest
    config:
      url: http://x
auth:
  api_keys:
    - id: storefront
      sha256: ${STOREFRONT_KEY_SHA256}
      role: app
    - id: ops-bot
      sha256: 9F86D081884C7D659A2FEAA0C55AD015A3BF4F1B2B0B822CD15D6C15B0F00A09
      scopes: [admin]
  jwt:
    jwks_url: https://idp.example.com/.well-known/jwks.json
    issuer: https://idp.example.com/
    audience: harmony
  roles:
    analyst: [customers:read]
    auditor: [customers:read, pii:read]
`
	c, err := Parse("harmony.yaml", []byte(file), env(map[string]string{"STOREFRONT_KEY_SHA256": keyHash}))
	if err != nil {
		t.Fatal(err)
	}
	a := c.Auth
	if !a.Enabled() || len(a.APIKeys) != 2 || a.APIKeys[0].SHA256 != keyHash || a.APIKeys[0].Line != 9 || a.APIKeys[1].Line != 12 {
		t.Fatalf("api keys = %+v", a.APIKeys)
	}
	if a.JWT == nil || a.JWT.ScopesClaim != DefaultScopesClaim || a.JWT.RoleClaim != "" || a.JWT.Line != 16 {
		t.Fatalf("jwt = %+v", a.JWT)
	}
	roles := a.RoleScopes()
	if !slices.Equal(roles["analyst"], []string{"customers:read"}) || !slices.Equal(roles["agent"], []string{"customers:read", "pii:read", "identity:write", "consent:write", "interactions:write", "messages:send"}) || len(roles["auditor"]) != 2 {
		t.Fatalf("roles = %v", roles)
	}
}

func TestBuiltinRolesKeepPIIFromAnalysts(t *testing.T) {
	r := BuiltinRoles()
	if slices.Contains(r["analyst"], "pii:read") || !slices.Contains(r["agent"], "pii:read") || len(r) != 5 {
		t.Fatalf("roles = %v", r)
	}
}

func TestAuthErrors(t *testing.T) {
	const conns = "connectors:\n  - name: crm\n    kind: configtest\n    config:\n      url: http://x\n"
	key := func(fields string) string { return conns + "auth:\n  api_keys:\n    - id: app\n" + fields }
	const jwt = conns + "auth:\n  jwt:\n"
	tests := []struct {
		name, file, want string
	}{
		{"raw key instead of hash", key("      sha256: hunter2-live-key\n      role: app\n"),
			`cfg.yaml:8: auth.api_keys[0].sha256: must be 64 hex characters: the SHA-256 of the key (printf %s "$KEY" | sha256sum), never the key`},
		{"hash of the wrong length", key("      sha256: " + keyHash[:63] + "\n      role: app\n"), `cfg.yaml:8: auth.api_keys[0].sha256: must be 64 hex characters`},
		{"no hash", key("      role: app\n"), `cfg.yaml:8: auth.api_keys[0].sha256: is required`},
		{"no role or scopes", key("      sha256: " + keyHash + "\n"), `cfg.yaml:8: auth.api_keys[0]: needs a role or scopes`},
		{"unknown role", key("      sha256: " + keyHash + "\n      role: hunter2\n"), `cfg.yaml:8: auth.api_keys[0].role: unknown role "hunter2" (known: admin, agent, analyst, app, integrator)`},
		{"unknown scope", key("      sha256: " + keyHash + "\n      scopes: [customers:write]\n"), `cfg.yaml:8: auth.api_keys[0].scopes[0]: unknown scope "customers:write"`},
		{"no id", conns + "auth:\n  api_keys:\n    - sha256: " + keyHash + "\n      role: app\n", `cfg.yaml:8: auth.api_keys[0].id: is required`},
		{"id not name-like", conns + "auth:\n  api_keys:\n    - id: Store Front\n      sha256: " + keyHash + "\n      role: app\n", `cfg.yaml:8: auth.api_keys[0].id: must be lower case letters`},
		{"duplicate id", key("      sha256: " + keyHash + "\n      role: app\n    - id: app\n      sha256: " + strings.Repeat("0", 64) + "\n      role: app\n"),
			`cfg.yaml:11: auth.api_keys[1].id: "app" is used by another key`},
		{"duplicate hash", key("      sha256: " + keyHash + "\n      role: app\n    - id: web\n      sha256: " + strings.ToUpper(keyHash) + "\n      role: app\n"),
			`cfg.yaml:11: auth.api_keys[1].sha256: is the same hash as key "app"`},
		{"unknown key field", key("      key: hunter2\n"), `cfg.yaml:9: auth.api_keys[0].key: unknown key`},
		{"jwt without jwks_url", jwt + "    issuer: https://idp/\n    audience: harmony\n", `cfg.yaml:8: auth.jwt.jwks_url: is required`},
		{"jwt over plain http", jwt + "    jwks_url: http://idp.example.com/jwks\n    issuer: i\n    audience: a\n", `cfg.yaml:8: auth.jwt.jwks_url: must be an https URL (http only on loopback)`},
		{"jwt with credentials in the url", jwt + "    jwks_url: https://user:hunter2@idp.example.com/jwks\n    issuer: i\n    audience: a\n", `cfg.yaml:8: auth.jwt.jwks_url: must be an https URL`},
		{"jwt without issuer", jwt + "    jwks_url: http://127.0.0.1:9000/jwks\n    audience: a\n", `cfg.yaml:8: auth.jwt.issuer: is required`},
		{"jwt without audience", jwt + "    jwks_url: https://idp/jwks\n    issuer: i\n", `cfg.yaml:8: auth.jwt.audience: is required`},
		{"role with an unknown scope", conns + "auth:\n  roles:\n    analyst: [customers:read, hunter2]\n", `cfg.yaml: auth.roles.analyst[1]: unknown scope "hunter2"`},
		{"role name", conns + "auth:\n  roles:\n    Big Boss: [admin]\n", `cfg.yaml: auth.roles.Big Boss: a role name must be lower case`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("cfg.yaml", []byte(tt.file), env(nil))
			if err == nil || !strings.HasPrefix(err.Error(), tt.want) {
				t.Fatalf("err = %v\nwant prefix %s", err, tt.want)
			}
			if strings.Contains(tt.name, "raw key") || strings.Contains(tt.name, "credentials") || strings.Contains(tt.name, "unknown key field") {
				if strings.Contains(err.Error(), "hunter2") {
					t.Fatalf("error repeats the secret: %v", err)
				}
			}
		})
	}
}

func TestIsLoopback(t *testing.T) {
	for addr, want := range map[string]bool{
		"127.0.0.1:8080": true, "localhost:80": true, "[::1]:9": true, "127.1.2.3:1": true,
		":8080": false, "0.0.0.0:8080": false, "[::]:80": false, "10.0.0.1:80": false, "example.com:80": false, "127.0.0.1": false,
	} {
		if got := IsLoopback(addr); got != want {
			t.Errorf("IsLoopback(%q) = %v", addr, got)
		}
	}
}
