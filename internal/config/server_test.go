package config

import (
	"strings"
	"testing"
	"time"
)

const oneConnector = "connectors:\n  - name: crm\n    kind: configtest\n    config:\n      url: http://x\n"

func TestServerDefaults(t *testing.T) {
	c, err := Parse("cfg.yaml", []byte(oneConnector), env(nil))
	if err != nil {
		t.Fatal(err)
	}
	s := c.Server
	if s.MaxAliases != DefaultMaxAliases || s.MaxRootFields != DefaultMaxRootFields || s.MaxTokens != DefaultMaxTokens ||
		s.MaxBatchOperations != DefaultMaxBatchOperations || s.PersistedQueries.Mode != PersistedAPQ ||
		s.RateLimit.Enabled() || len(s.CORS.AllowedOrigins) != 0 ||
		s.RequestTimeout != DefaultRequestTimeout || s.BodyTimeout != DefaultBodyTimeout {
		t.Errorf("defaults: %+v", s)
	}
}

func TestServerKeys(t *testing.T) {
	file := `server:
  max_aliases: 5
  max_root_fields: 3
  max_tokens: 800
  max_batch_operations: 4
  request_timeout: 12s
  body_timeout: 2s
  persisted_queries: {mode: safelist, file: queries.json}
  rate_limit:
    requests_per_second: 2.5
    redis_url: ${REDIS_URL}
  cors:
    allowed_origins: [https://app.example.com, "https://*.example.org", "http://127.0.0.1:5173"]
    allow_credentials: true
` + oneConnector
	c, err := Parse("cfg.yaml", []byte(file), env(map[string]string{"REDIS_URL": "rediss://:hunter2@redis.internal:6380/0"}))
	if err != nil {
		t.Fatal(err)
	}
	s := c.Server
	if s.MaxAliases != 5 || s.MaxRootFields != 3 || s.MaxTokens != 800 || s.MaxBatchOperations != 4 ||
		s.RequestTimeout != 12*time.Second || s.BodyTimeout != 2*time.Second ||
		s.PersistedQueries != (PersistedQueries{Mode: PersistedSafelist, File: "queries.json"}) ||
		s.RateLimit.RequestsPerSecond != 2.5 || s.RateLimit.Burst != 5 || s.RateLimit.RedisURL.Reveal() != "rediss://:hunter2@redis.internal:6380/0" ||
		len(s.CORS.AllowedOrigins) != 3 || !s.CORS.AllowCredentials {
		t.Errorf("server = %+v", s)
	}
	// The burst is at least a batch.
	c, err = Parse("cfg.yaml", []byte("server:\n  rate_limit: {requests_per_second: 1}\n"+oneConnector), env(nil))
	if err != nil || c.Server.RateLimit.Burst != DefaultMaxBatchOperations {
		t.Errorf("burst %d, %v", c.Server.RateLimit.Burst, err)
	}
}

func TestServerErrors(t *testing.T) {
	srv := func(s string) string { return "server:\n" + s + oneConnector }
	tests := []struct{ name, file, want string }{
		{"aliases", srv("  max_aliases: -1\n"), `cfg.yaml:2: server.max_aliases: must be between 1 and 10000`},
		{"root fields", srv("  max_root_fields: 5000\n"), `cfg.yaml:2: server.max_root_fields: must be between 1 and 1000`},
		{"tokens", srv("  addr: 127.0.0.1:1\n  max_tokens: 10\n"), `cfg.yaml:3: server.max_tokens: must be between 100 and 1000000`},
		{"batch", srv("  max_batch_operations: 101\n"), `cfg.yaml:2: server.max_batch_operations: must be between 1 and 100`},
		{"request timeout", srv("  request_timeout: 500ms\n"), `cfg.yaml:2: server.request_timeout: must be between 1s and 10m`},
		{"body timeout", srv("  body_timeout: 1h\n"), `cfg.yaml:2: server.body_timeout: must be between 100ms and 5m`},
		{"mode", srv("  persisted_queries:\n    mode: strict\n"), `cfg.yaml:3: server.persisted_queries.mode: unknown mode "strict"`},
		{"safelist without file", srv("  persisted_queries:\n    mode: safelist\n"), `cfg.yaml:2: server.persisted_queries.file: is required in safelist mode`},
		{"negative rate", srv("  rate_limit:\n    requests_per_second: -1\n"), `cfg.yaml:3: server.rate_limit.requests_per_second: must be between 0 (off) and 1000000`},
		{"nan rate", srv("  rate_limit:\n    requests_per_second: .nan\n"), `cfg.yaml:3: server.rate_limit.requests_per_second: must be between`},
		{"burst below a batch", srv("  rate_limit:\n    requests_per_second: 5\n    burst: 3\n"), `cfg.yaml:4: server.rate_limit.burst: must be at least server.max_batch_operations (10)`},
		{"redis without a rate", srv("  rate_limit:\n    redis_url: redis://x:6379\n"), `cfg.yaml:2: server.rate_limit.requests_per_second: is required`},
		{"bad redis url hides it", srv("  rate_limit:\n    requests_per_second: 5\n    redis_url: http://user:hunter2@x\n"), `cfg.yaml:4: server.rate_limit.redis_url: must be a redis:// or rediss:// URL`},
		{"unparsable redis url hides it", srv("  rate_limit:\n    requests_per_second: 5\n    redis_url: \"redis://user:hunter2@[x\"\n"), `cfg.yaml:4: server.rate_limit.redis_url: must be`},
		{"star with credentials", srv("  cors:\n    allow_credentials: true\n    allowed_origins:\n      - \"*\"\n"), `cfg.yaml:5: server.cors.allowed_origins[0]: "*" cannot be used with allow_credentials`},
		{"origin with a path", srv("  cors:\n    allowed_origins: [https://a.example, https://b.example/app]\n"), `cfg.yaml:3: server.cors.allowed_origins[1]: must be an origin`},
		{"origin without scheme", srv("  cors:\n    allowed_origins: [app.example.com]\n"), `cfg.yaml:3: server.cors.allowed_origins[0]: must be an origin`},
		{"wildcard in the middle", srv("  cors:\n    allowed_origins: [\"https://app.*.com\"]\n"), `cfg.yaml:3: server.cors.allowed_origins[0]: must be an origin`},
		{"upper case origin", srv("  cors:\n    allowed_origins: [https://App.example.com]\n"), `cfg.yaml:3: server.cors.allowed_origins[0]: must be lower case`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("cfg.yaml", []byte(tt.file), env(nil))
			if err == nil || !strings.HasPrefix(err.Error(), tt.want) {
				t.Fatalf("err = %v\nwant prefix %s", err, tt.want)
			}
			if strings.Contains(err.Error(), "hunter2") {
				t.Fatalf("error repeats a secret: %v", err)
			}
		})
	}
}
