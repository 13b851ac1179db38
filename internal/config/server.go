package config

import (
	"fmt"
	"math"
	"net/url"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/harmonyhq/harmony/connectors"
)

// Defaults of the server's operation limits.
const (
	DefaultMaxAliases         = 30
	DefaultMaxRootFields      = 20
	DefaultMaxTokens          = 5000
	DefaultMaxBatchOperations = 10
	DefaultRequestTimeout     = 30 * time.Second
	DefaultBodyTimeout        = 10 * time.Second
)

// Persisted query modes.
const (
	// PersistedAPQ accepts any operation and lets clients send known ones
	// by hash (automatic persisted queries). The default.
	PersistedAPQ = "apq"
	// PersistedSafelist runs only the operations listed in a file, sent by
	// hash or in full.
	PersistedSafelist = "safelist"
	// PersistedOff accepts any operation, in full only.
	PersistedOff = "off"
)

// PersistedQueries configures operations sent by hash.
type PersistedQueries struct {
	// Mode is apq (default), safelist or off.
	Mode string `yaml:"mode" jsonschema:"enum=apq,enum=safelist,enum=off"`
	// File is the safelist, relative to the configuration file: a JSON
	// object mapping the lower-case hex SHA-256 of each query to the
	// query, or a directory whose .graphql files are the queries. Required
	// in safelist mode.
	File string `yaml:"file"`
}

// RateLimit bounds each caller's requests: an authenticated caller by name,
// an anonymous one by remote address.
type RateLimit struct {
	// RequestsPerSecond is the sustained rate per caller; 0 turns rate
	// limiting off.
	RequestsPerSecond float64 `yaml:"requests_per_second"`
	// Burst is how many requests a caller may make at once. Default twice
	// the rate, and at least max_batch_operations (a batch of n
	// operations costs n).
	Burst int `yaml:"burst"`
	// RedisURL, when set, keeps the budgets in Redis so replicas share
	// them (redis:// or rediss://). Empty keeps them in memory, per
	// replica.
	RedisURL connectors.Secret `yaml:"redis_url"`
}

// Enabled reports whether rate limiting is on.
func (r RateLimit) Enabled() bool { return r.RequestsPerSecond > 0 }

// CORS configures cross-origin browser access to /graphql.
type CORS struct {
	// AllowedOrigins are origins such as https://app.example.com; one "*"
	// in the host matches a subdomain (https://*.example.com); "*" alone
	// allows every origin. The websocket origin check uses the same list.
	AllowedOrigins []string `yaml:"allowed_origins"`
	// AllowCredentials lets browsers send cookies and HTTP authentication
	// to the allowed origins. Not with "*".
	AllowCredentials bool `yaml:"allow_credentials"`
}

// defaults fills the server's operation limits, timeouts, persisted query
// mode and rate-limit burst.
func (s *Server) defaults() {
	if s.MaxAliases == 0 {
		s.MaxAliases = DefaultMaxAliases
	}
	if s.MaxRootFields == 0 {
		s.MaxRootFields = DefaultMaxRootFields
	}
	if s.MaxTokens == 0 {
		s.MaxTokens = DefaultMaxTokens
	}
	if s.MaxBatchOperations == 0 {
		s.MaxBatchOperations = DefaultMaxBatchOperations
	}
	if s.PersistedQueries.Mode == "" {
		s.PersistedQueries.Mode = PersistedAPQ
	}
	if s.RequestTimeout == 0 {
		s.RequestTimeout = DefaultRequestTimeout
	}
	if s.BodyTimeout == 0 {
		s.BodyTimeout = DefaultBodyTimeout
	}
	if r := &s.RateLimit; r.Enabled() && r.Burst == 0 && r.RequestsPerSecond < 1e6 {
		r.Burst = max(int(math.Ceil(2*r.RequestsPerSecond)), s.MaxBatchOperations)
	}
}

// PlaygroundOn reports whether the playground is served: asked for (or
// not refused) and able to read the schema by introspection.
func (s *Server) PlaygroundOn() bool {
	return s.Introspection && (s.Playground == nil || *s.Playground)
}

func (c *Config) validateServer(bad func(int, string, string, ...any) error) error {
	s := &c.Server
	at := func(key string) int { return s.keyLines[key] }
	if s.Playground != nil && *s.Playground && !s.Introspection {
		return bad(at("server.playground"), "server.playground",
			"needs server.introspection: true (GraphiQL reads the schema by introspection, and without it opens on an error)")
	}
	if s.Examples != "" && !s.PlaygroundOn() {
		return bad(at("server.examples"), "server.examples", "needs the playground (server.introspection: true)")
	}
	between := func(key string, v, lo, hi int) error {
		if v < lo || v > hi {
			return bad(at(key), key, "must be between %d and %d", lo, hi)
		}
		return nil
	}
	for _, l := range []struct {
		key    string
		v      int
		lo, hi int
	}{
		{"server.max_aliases", s.MaxAliases, 1, 10_000},
		{"server.max_root_fields", s.MaxRootFields, 1, 1000},
		{"server.max_tokens", s.MaxTokens, 100, 1_000_000},
		{"server.max_batch_operations", s.MaxBatchOperations, 1, 100},
	} {
		if err := between(l.key, l.v, l.lo, l.hi); err != nil {
			return err
		}
	}

	if s.RequestTimeout < time.Second || s.RequestTimeout > 10*time.Minute {
		return bad(at("server.request_timeout"), "server.request_timeout", "must be between 1s and 10m")
	}
	if s.BodyTimeout < 100*time.Millisecond || s.BodyTimeout > 5*time.Minute {
		return bad(at("server.body_timeout"), "server.body_timeout", "must be between 100ms and 5m")
	}

	pq := s.PersistedQueries
	switch pq.Mode {
	case PersistedAPQ, PersistedOff:
	case PersistedSafelist:
		if strings.TrimSpace(pq.File) == "" {
			return bad(at("server.persisted_queries"), "server.persisted_queries.file", "is required in safelist mode: a JSON map of sha256 to query, or a directory of .graphql files")
		}
	default:
		return bad(at("server.persisted_queries.mode"), "server.persisted_queries.mode", "unknown mode %q (known: %s, %s, %s)", pq.Mode, PersistedAPQ, PersistedSafelist, PersistedOff)
	}

	rl := s.RateLimit
	switch {
	case math.IsNaN(rl.RequestsPerSecond) || math.IsInf(rl.RequestsPerSecond, 0) || rl.RequestsPerSecond < 0 || rl.RequestsPerSecond > 1e6:
		return bad(at("server.rate_limit.requests_per_second"), "server.rate_limit.requests_per_second", "must be between 0 (off) and 1000000")
	case rl.Burst < 0 || rl.Burst > 1_000_000:
		return bad(at("server.rate_limit.burst"), "server.rate_limit.burst", "must be between 1 and 1000000")
	case rl.Enabled() && rl.Burst < s.MaxBatchOperations:
		return bad(at("server.rate_limit.burst"), "server.rate_limit.burst", "must be at least server.max_batch_operations (%d): a batch of n operations costs n", s.MaxBatchOperations)
	case !rl.Enabled() && (rl.Burst != 0 || rl.RedisURL != ""):
		return bad(at("server.rate_limit"), "server.rate_limit.requests_per_second", "is required when rate_limit is configured")
	}
	if rl.RedisURL != "" {
		// Never quote the URL: it may hold a password.
		u, err := url.Parse(rl.RedisURL.Reveal())
		if err != nil || (u.Scheme != "redis" && u.Scheme != "rediss") || u.Host == "" {
			return bad(at("server.rate_limit.redis_url"), "server.rate_limit.redis_url", "must be a redis:// or rediss:// URL with a host")
		}
	}

	cors := s.CORS
	for i, o := range cors.AllowedOrigins {
		key := fmt.Sprintf("server.cors.allowed_origins[%d]", i)
		if o == "*" {
			if cors.AllowCredentials {
				return bad(at(key), key, `"*" cannot be used with allow_credentials: list the origins`)
			}
			continue
		}
		if reason := badOrigin(o); reason != "" {
			return bad(at(key), key, "%s", reason)
		}
	}
	return nil
}

// badOrigin says why o is not an origin pattern, or "" when it is one.
func badOrigin(o string) string {
	const want = "must be an origin such as https://app.example.com (scheme, host and optional port; one * in the host for subdomains)"
	scheme, host, ok := strings.Cut(o, "://")
	if !ok || (scheme != "http" && scheme != "https") || host == "" || strings.ContainsAny(host, "/?#@ ") || strings.Count(o, "*") > 1 {
		return want
	}
	if strings.Contains(host, "*") && !strings.HasPrefix(host, "*.") {
		return want
	}
	u, err := url.Parse(scheme + "://" + strings.Replace(host, "*", "x", 1))
	if err != nil || u.Host != strings.Replace(host, "*", "x", 1) || u.Hostname() == "" {
		return want
	}
	if o != strings.ToLower(o) {
		return "must be lower case, as browsers send it"
	}
	return ""
}

// keyLines records the line of every key under n, by dotted path.
func keyLines(n *yaml.Node, path string, out map[string]int) map[string]int {
	if out == nil {
		out = map[string]int{path: n.Line}
	}
	switch n.Kind {
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			p := path + "." + n.Content[i].Value
			out[p] = n.Content[i].Line
			keyLines(n.Content[i+1], p, out)
		}
	case yaml.SequenceNode:
		for i, ch := range n.Content {
			p := fmt.Sprintf("%s[%d]", path, i)
			out[p] = ch.Line
			keyLines(ch, p, out)
		}
	}
	return out
}
