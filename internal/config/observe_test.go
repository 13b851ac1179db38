package config

import (
	"strings"
	"testing"
	"time"
)

func TestTracingAndCacheKeys(t *testing.T) {
	file := `server:
  tracing: {exporter: otlp, endpoint: "http://127.0.0.1:4318/v1/traces", sample_ratio: 0.25}
cache: {backend: redis, redis_url: "${CACHE_REDIS}", salt: "${CACHE_SALT}"}
connectors:
  - name: crm
    kind: configtest
    cache: {ttl: 30s}
    config:
      url: http://x
`
	c, err := Parse("cfg.yaml", []byte(file), env(map[string]string{"CACHE_REDIS": "redis://:hunter2@127.0.0.1:6379/0", "CACHE_SALT": "0123456789abcdef0123"}))
	if err != nil {
		t.Fatal(err)
	}
	tr := c.Server.Tracing
	if !tr.Enabled() || tr.Exporter != TracingOTLP || tr.Ratio() != 0.25 || tr.ServiceName != "harmony" {
		t.Errorf("tracing = %+v", tr)
	}
	if c.Cache.Backend != CacheRedis || c.Cache.KeyPrefix != DefaultCacheKeyPrefix || c.Cache.Salt.Reveal() != "0123456789abcdef0123" {
		t.Errorf("cache = %+v", c.Cache)
	}
	if cc := c.Connectors[0].Cache; !cc.Enabled() || cc.TTL != 30*time.Second || cc.MaxEntries != DefaultCacheMaxEntries {
		t.Errorf("connector cache = %+v", cc)
	}

	c, err = Parse("cfg.yaml", []byte(oneConnector), env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if c.Server.Tracing.Enabled() || c.Server.Tracing.Ratio() != 1 || c.Cache.Backend != CacheMemory || c.Connectors[0].Cache.Enabled() {
		t.Errorf("defaults: tracing %+v, cache %+v, connector cache %+v", c.Server.Tracing, c.Cache, c.Connectors[0].Cache)
	}
}

func TestTracingAndCacheErrors(t *testing.T) {
	srv := func(s string) string { return "server:\n" + s + oneConnector }
	conn := func(cache string) string {
		return "connectors:\n  - name: crm\n    kind: configtest\n    cache: " + cache + "\n    config:\n      url: http://x\n"
	}
	tests := []struct{ name, file, want string }{
		{"exporter", srv("  tracing:\n    exporter: jaeger\n"), `cfg.yaml:3: server.tracing.exporter: unknown exporter "jaeger" (known: none, otlp, stdout)`},
		{"otlp without endpoint", srv("  tracing:\n    exporter: otlp\n"), `cfg.yaml:3: server.tracing.endpoint: must be the collector's OTLP/HTTP URL`},
		{"otlp endpoint scheme", srv("  tracing:\n    exporter: otlp\n    endpoint: grpc://c:4317\n"), `cfg.yaml:4: server.tracing.endpoint: must be the collector's OTLP/HTTP URL`},
		{"ratio", srv("  tracing:\n    exporter: stdout\n    sample_ratio: 1.5\n"), `cfg.yaml:4: server.tracing.sample_ratio: must be between 0 and 1`},
		{"nan ratio", srv("  tracing:\n    sample_ratio: .nan\n"), `cfg.yaml:3: server.tracing.sample_ratio: must be between 0 and 1`},
		{"service name", srv("  tracing:\n    service_name: My Gateway\n"), `cfg.yaml:3: server.tracing.service_name: must be lower case`},
		{"backend", "cache: {backend: memcached}\n" + oneConnector, `cfg.yaml: cache.backend: unknown backend "memcached" (known: memory, redis)`},
		{"redis without url", "cache: {backend: redis, salt: 0123456789abcdef}\n" + oneConnector, `cfg.yaml: cache.redis_url: must be a redis:// or rediss:// URL`},
		{"redis url hides it", "cache: {backend: redis, redis_url: \"http://u:hunter2@x\", salt: 0123456789abcdef}\n" + oneConnector, `cfg.yaml: cache.redis_url: must be`},
		{"redis without salt", "cache: {backend: redis, redis_url: \"redis://u:hunter2@x:6379\"}\n" + oneConnector, `cfg.yaml: cache.salt: is required with backend redis`},
		{"short salt hides it", "cache: {salt: hunter2}\n" + oneConnector, `cfg.yaml: cache.salt: must be at least 16 characters`},
		{"prefix", "cache: {key_prefix: \"a b\"}\n" + oneConnector, `cfg.yaml: cache.key_prefix: must be 1 to 64`},
		{"negative ttl", conn("{ttl: -1s}"), `cfg.yaml:2: connectors[0].cache.ttl: must be 0 (off) or a duration up to 24h`},
		{"long ttl", conn("{ttl: 25h}"), `cfg.yaml:2: connectors[0].cache.ttl: must be 0 (off) or a duration up to 24h`},
		{"short ttl", conn("{ttl: 500ms}"), `cfg.yaml:2: connectors[0].cache.ttl: must be at least 1s`},
		{"max entries", conn("{ttl: 1m, max_entries: -5}"), `cfg.yaml:2: connectors[0].cache.max_entries: must be between 1 and 10000000`},
		{"unknown key", conn("{ttl: 1m, size: 5}"), `cfg.yaml:4: connectors[0].cache.size: unknown key (known: max_entries, ttl)`},
		{"short suppression salt hides it", "privacy: {suppression_salt: hunter2}\n" + oneConnector, `cfg.yaml: privacy.suppression_salt: must be at least 32 characters`},
		{"manual check interval", "privacy: {manual_check_interval: 10ms}\n" + oneConnector, `cfg.yaml: privacy.manual_check_interval: must be 0 (the default, 15m) or at least 1s`},
		{"negative attempts", "privacy: {max_attempts: -1}\n" + oneConnector, `cfg.yaml: privacy.max_attempts: must not be negative`},
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
