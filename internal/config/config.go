package config

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/harmonyhq/harmony/connectors"
)

// Config is the whole configuration.
type Config struct {
	Server   Server   `yaml:"server"`
	Store    Store    `yaml:"store"`
	Identity Identity `yaml:"identity"`
	Profile  Profile  `yaml:"profile"`
	// Connectors are the channel systems, in priority order where a rule
	// needs one.
	Connectors []Connector `yaml:"connectors"`
	Auth       Auth        `yaml:"auth"`
	Bus        Bus         `yaml:"bus"`
	Privacy    Privacy     `yaml:"privacy"`
	Journey    Journey     `yaml:"journey"`
	// Journeys are the automated journeys (docs/automation.md).
	Journeys []JourneyRule `yaml:"journeys"`
	// Cache chooses where the connectors' read caches live (each
	// connector's cache block turns its cache on).
	Cache Cache `yaml:"cache"`

	// File is the path the configuration was read from.
	File string `yaml:"-"`
}

// Server configures the HTTP surface.
type Server struct {
	// Addr is the listen address.
	Addr string `yaml:"addr"`
	// Introspection enables GraphQL schema introspection.
	Introspection bool `yaml:"introspection"`
	// Playground serves GraphiQL at / and /playground. It reads the schema
	// by introspection, so it defaults to introspection's value, and true
	// without introspection is refused.
	Playground *bool `yaml:"playground"`
	// Examples is a directory, relative to the configuration file, whose
	// NAME.graphql files (with their variables in NAME.json) the playground
	// opens as tabs on a first visit, sorted by the number NAME starts
	// with. None when empty.
	Examples string `yaml:"examples"`
	// MaxBodyBytes bounds a request body; larger ones get 413.
	MaxBodyBytes int64 `yaml:"max_body_bytes"`
	// MaxDepth bounds how deep an operation's selections nest.
	MaxDepth int `yaml:"max_depth"`
	// MaxComplexity bounds an operation's cost, list sizes counted.
	MaxComplexity int `yaml:"max_complexity"`
	// ShutdownTimeout bounds the wait for in-flight operations at shutdown.
	ShutdownTimeout time.Duration `yaml:"shutdown_timeout"`
	// MaxAliases bounds the aliased fields of an operation, counted where
	// their fragments are spread. Default 30.
	MaxAliases int `yaml:"max_aliases"`
	// MaxRootFields bounds the top-level fields of an operation. Default 20.
	MaxRootFields int `yaml:"max_root_fields"`
	// MaxTokens bounds the lexer tokens of a query, counted before it is
	// parsed. Default 5000.
	MaxTokens int `yaml:"max_tokens"`
	// MaxBatchOperations bounds the operations of a batched POST (a JSON
	// array of operations). Default 10.
	MaxBatchOperations int `yaml:"max_batch_operations"`
	// RequestTimeout bounds a request to /graphql (one operation, or a
	// whole batch), from its headers to its answer: its reads of the
	// channel systems and of the store stop then, and what is not read is
	// reported as an error. Websockets and SSE subscriptions have none.
	// Default 30s.
	RequestTimeout time.Duration `yaml:"request_timeout"`
	// BodyTimeout bounds how long a client may take to send a request's
	// body once its headers arrived; a slower one gets 408 and the
	// connection is closed. Default 10s.
	BodyTimeout time.Duration `yaml:"body_timeout"`
	// PersistedQueries chooses how operations may be sent by hash, and
	// whether only registered ones run.
	PersistedQueries PersistedQueries `yaml:"persisted_queries"`
	// RateLimit bounds each caller's requests. Off unless
	// requests_per_second is set.
	RateLimit RateLimit `yaml:"rate_limit"`
	// CORS lists the other origins browsers may call /graphql from. None by
	// default: same origin only.
	CORS CORS `yaml:"cors"`
	// Tracing configures OpenTelemetry traces. Off by default.
	Tracing Tracing `yaml:"tracing"`

	// keyLines maps keys under server ("server.cors.allowed_origins[0]")
	// to their line in the file, for errors.
	keyLines map[string]int
}

// Store configures the profile store.
type Store struct {
	// URI of a MongoDB deployment. Empty runs the embedded store.
	URI connectors.Secret `yaml:"uri"`
	// Database name.
	Database string `yaml:"database"`
	// DataDir holds the embedded store's files, relative to the working
	// directory.
	DataDir string `yaml:"data_dir"`
	// Cache is the in-process cache of what a read of a customer needs
	// from the store (its identities, merges, consents and stored
	// activity), which the store's writes invalidate through the bus.
	Cache StoreCache `yaml:"cache"`
	// MaxInFlight bounds the profile store reads the request path runs at
	// once. Default 4 on the embedded store, 32 on MongoDB.
	MaxInFlight int `yaml:"max_in_flight"`
	// MaxQueue bounds the reads waiting for one of those places; a request
	// whose read finds the queue full is answered 503 with Retry-After.
	// Default 256 on the embedded store, 512 on MongoDB.
	MaxQueue int `yaml:"max_queue"`
	// QueueTimeout is the longest a read waits for a place before its
	// request is answered 503 with Retry-After. Default 1s on the embedded
	// store, 2s on MongoDB.
	QueueTimeout time.Duration `yaml:"queue_timeout"`
}

// StoreCache configures the profile store's read cache.
type StoreCache struct {
	// MaxCustomers bounds the customers held (least recently used go
	// first). Default 10000.
	MaxCustomers int `yaml:"max_customers"`
	// TTL bounds how long a customer is served from the cache without an
	// invalidation: the most a replica that missed one (cut from the bus)
	// can lag. Default 5m; 30s when the store is a MongoDB URI and the bus
	// is in-process, since replicas sharing that store would hear nothing
	// of each other's changes.
	TTL time.Duration `yaml:"ttl"`
}

// Embedded reports whether the store is the embedded one (no URI).
func (s Store) Embedded() bool { return s.URI.Reveal() == "" }

// Profile configures the golden profile.
type Profile struct {
	// Priority lists connector names in profile priority order: the
	// source_priority rule takes the first that has a value; the other rules
	// break ties by it.
	Priority []string `yaml:"priority"`
	// Survivorship chooses, per field, how the golden value is picked:
	// source_priority (default), most_recent or most_frequent. The key
	// "default" sets the rule of fields not listed.
	Survivorship map[string]string `yaml:"survivorship" jsonschema_extras:"x-choices=survivorship"`
	// StaleAfter marks a field stale when its value was fetched longer ago
	// than this (a cached or fallback value). Default 15m.
	StaleAfter time.Duration `yaml:"stale_after"`

	// keyLines maps keys under profile to their line, for errors.
	keyLines map[string]int
}

// Connector is one connector instance.
type Connector struct {
	// Name names the instance in errors, metrics, logs and the `source` of
	// every value it gives; unique: lower-case letters, digits, '_' and
	// '-', starting with a letter, at most 40.
	Name string `yaml:"name"`
	// Kind is the connector kind: rest, graphql, sql, mongodb, or a Go
	// connector's.
	Kind string `yaml:"kind"`
	// Timeout bounds each upstream call, all its attempts and the waits
	// between them included: a retry spends what is left. Default 5s.
	Timeout time.Duration `yaml:"timeout"`
	// MaxBatch is the most keys in one upstream call; bigger batches are
	// split. Default 100.
	MaxBatch int `yaml:"max_batch"`
	// MaxConcurrency is the most chunks of one batch in flight at once.
	// Default 4.
	MaxConcurrency int `yaml:"max_concurrency"`
	// Retries is the most retries of a failed read (unavailable, timed
	// out, rate limited); 0 disables. Default 2. Mutations never retry.
	Retries *int `yaml:"retries"`
	// Breaker configures the connector's circuit breaker.
	Breaker ConnectorBreaker `yaml:"breaker"`
	// MaxInFlight caps the connector's upstream calls in flight at once,
	// across all operations. Default 32.
	MaxInFlight int `yaml:"max_in_flight"`
	// StaleFor is how long a last good value may answer a read the system
	// fails; 0 disables the fallback. Default 1h.
	StaleFor *time.Duration `yaml:"stale_for"`
	// Webhook, when set, accepts the system's signed deliveries at
	// POST /webhooks/{name}.
	Webhook *Webhook `yaml:"webhook"`
	// Cache caches the connector's reads for a while; off unless ttl is
	// set. An accepted webhook event drops its customer's entries.
	Cache ConnectorCache `yaml:"cache"`
	// Config is the kind's own configuration, decoded by the kind.
	Config connectors.Block `yaml:"config"`

	// Line is where the instance starts in the file.
	Line int `yaml:"-"`
}

// ConnectorBreaker configures a connector's circuit breaker.
type ConnectorBreaker struct {
	// Failures is how many consecutive failed calls open the breaker.
	// Default 10.
	Failures int `yaml:"failures"`
	// CoolDown is how long the breaker stays open before a probe call.
	// Default 30s.
	CoolDown time.Duration `yaml:"cool_down"`
}

// Connector resilience defaults.
const (
	DefaultConnectorRetries  = 2
	DefaultBreakerFailures   = 10
	DefaultBreakerCoolDown   = 30 * time.Second
	DefaultMaxInFlight       = 32
	DefaultConnectorStaleFor = time.Hour
)

// Defaults.
const (
	DefaultAddr          = "127.0.0.1:8080"
	DefaultMaxBodyBytes  = 1 << 20
	DefaultMaxDepth      = 12
	DefaultMaxComplexity = 50_000
	DefaultDatabase      = "harmony"
	DefaultDataDir       = "harmony-data"

	DefaultStoreCacheCustomers = 10_000
	DefaultStoreCacheTTL       = 5 * time.Minute
	// DefaultStoreCacheTTLUnshared is the ttl when replicas could share a
	// MongoDB store without a bus to tell each other of changes.
	DefaultStoreCacheTTLUnshared = 30 * time.Second
	// The embedded store answers about 3,000 _id lookups a second on two
	// cores; reads beyond a few at once only queue inside it.
	DefaultEmbeddedStoreInFlight = 4
	DefaultEmbeddedStoreQueue    = 256
	DefaultEmbeddedStoreTimeout  = time.Second
	DefaultStoreInFlight         = 32
	DefaultStoreQueue            = 512
	DefaultStoreTimeout          = 2 * time.Second

	DefaultStaleAfter = 15 * time.Minute
)

// defaults fills the connector's resilience settings left out.
func (cn *Connector) defaults() {
	if cn.Retries == nil {
		r := DefaultConnectorRetries
		cn.Retries = &r
	}
	if cn.Breaker.Failures == 0 {
		cn.Breaker.Failures = DefaultBreakerFailures
	}
	if cn.Breaker.CoolDown == 0 {
		cn.Breaker.CoolDown = DefaultBreakerCoolDown
	}
	if cn.MaxInFlight == 0 {
		cn.MaxInFlight = DefaultMaxInFlight
	}
	if cn.StaleFor == nil {
		d := DefaultConnectorStaleFor
		cn.StaleFor = &d
	}
	cn.Cache.defaults()
}

// validateResilience checks the connector's resilience settings; key is
// the connector's key ("connectors[2]").
func (cn *Connector) validateResilience(key string, bad func(int, string, string, ...any) error) error {
	switch {
	case cn.Retries != nil && (*cn.Retries < 0 || *cn.Retries > 10):
		return bad(cn.Line, key+".retries", "must be between 0 and 10")
	case cn.Breaker.Failures < 0 || cn.Breaker.Failures > 1000:
		return bad(cn.Line, key+".breaker.failures", "must be between 1 and 1000")
	case cn.Breaker.CoolDown < 0 || (cn.Breaker.CoolDown > 0 && cn.Breaker.CoolDown < 100*time.Millisecond) || cn.Breaker.CoolDown > time.Hour:
		return bad(cn.Line, key+".breaker.cool_down", "must be between 100ms and 1h")
	case cn.MaxInFlight < 0 || cn.MaxInFlight > 4096:
		return bad(cn.Line, key+".max_in_flight", "must be between 1 and 4096")
	case cn.StaleFor != nil && *cn.StaleFor < 0:
		return bad(cn.Line, key+".stale_for", "must be 0 (off) or a positive duration")
	case cn.StaleFor != nil && *cn.StaleFor > 7*24*time.Hour:
		return bad(cn.Line, key+".stale_for", "must be at most 168h (a week)")
	}
	return nil
}

// Survivorship rules of the golden profile.
const (
	SurvivorshipPriority     = "source_priority"
	SurvivorshipMostRecent   = "most_recent"
	SurvivorshipMostFrequent = "most_frequent"
)

// Error points at a key of a configuration file.
type Error struct {
	File   string
	Line   int
	Key    string
	Reason string
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d", e.Line)
	}
	b.WriteString(": ")
	if e.Key != "" {
		b.WriteString(e.Key + ": ")
	}
	b.WriteString(e.Reason)
	return b.String()
}

// Lookup finds an environment variable; os.LookupEnv in production.
type Lookup func(name string) (string, bool)

// Load reads and validates the file at path, expanding ${NAME} and
// ${NAME:-default} from the environment.
func Load(path string, env Lookup) (*Config, error) {
	data, err := os.ReadFile(path) //nolint:gosec // G304: the operator names the configuration file; reading it is the point
	if err != nil {
		return nil, fmt.Errorf("read configuration: %w", err)
	}
	return Parse(path, data, env)
}

// Parse reads a configuration from data; file names it in errors.
func Parse(file string, data []byte, env Lookup) (*Config, error) {
	if env == nil {
		env = os.LookupEnv
	}
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return nil, syntaxError(file, data, err)
	}
	if root.Kind == 0 {
		return nil, &Error{File: file, Reason: "the file is empty"}
	}
	if err := expand(file, &root, "", env); err != nil {
		return nil, err
	}
	var doc connectors.Block
	if err := root.Decode(&doc); err != nil {
		return nil, wrap(file, "", err)
	}
	var c Config
	if err := doc.Decode(&c); err != nil {
		return nil, wrap(file, "", err)
	}
	c.File = file
	lines(&root, &c)
	c.defaults()
	if err := c.validate(); err != nil {
		return nil, err
	}
	// Last, the published schema: it also covers the connectors' own
	// blocks, which their kinds decode later.
	if err := checkSchema(file, &root); err != nil {
		return nil, err
	}
	return &c, nil
}

// Dir is the directory of the configuration file, for relative paths.
func (c *Config) Dir() string { return filepath.Dir(c.File) }

func (c *Config) defaults() {
	c.Journey.defaults()
	if c.Server.Addr == "" {
		c.Server.Addr = DefaultAddr
	}
	if c.Server.MaxBodyBytes == 0 {
		c.Server.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if c.Server.MaxDepth == 0 {
		c.Server.MaxDepth = DefaultMaxDepth
	}
	if c.Server.MaxComplexity == 0 {
		c.Server.MaxComplexity = DefaultMaxComplexity
	}
	if c.Server.ShutdownTimeout == 0 {
		c.Server.ShutdownTimeout = 15 * time.Second
	}
	if c.Server.Playground == nil {
		on := c.Server.Introspection
		c.Server.Playground = &on
	}
	c.Server.defaults()
	c.Server.Tracing.defaults()
	c.Cache.defaults()
	if c.Store.Database == "" {
		c.Store.Database = DefaultDatabase
	}
	if c.Store.DataDir == "" {
		c.Store.DataDir = DefaultDataDir
	}
	c.storeDefaults()
	c.Identity.defaults()
	if c.Profile.StaleAfter == 0 {
		c.Profile.StaleAfter = DefaultStaleAfter
	}
	for i := range c.Connectors {
		c.Connectors[i].defaults()
	}
	if c.Auth.JWT != nil && c.Auth.JWT.ScopesClaim == "" {
		c.Auth.JWT.ScopesClaim = DefaultScopesClaim
	}
}

var nameRE = regexp.MustCompile(`^[a-z][a-z0-9_-]{0,39}$`)

func (c *Config) validate() error {
	bad := func(line int, key, format string, args ...any) error {
		return &Error{File: c.File, Line: line, Key: key, Reason: fmt.Sprintf(format, args...)}
	}
	if c.Server.MaxBodyBytes < 1024 {
		return bad(0, "server.max_body_bytes", "must be at least 1024")
	}
	if err := c.Journey.validate(c.File); err != nil {
		return err
	}
	if c.Server.MaxDepth < 2 {
		return bad(0, "server.max_depth", "must be at least 2")
	}
	if c.Server.MaxComplexity < 10 {
		return bad(0, "server.max_complexity", "must be at least 10")
	}
	if err := c.validateServer(bad); err != nil {
		return err
	}
	if err := c.validateTracing(bad); err != nil {
		return err
	}
	if err := c.validateStore(bad); err != nil {
		return err
	}
	if err := c.validateIdentity(bad); err != nil {
		return err
	}
	if err := c.validateAuth(bad); err != nil {
		return err
	}
	if err := c.validatePrivacy(bad); err != nil {
		return err
	}
	if err := c.validateJourneys(bad); err != nil {
		return err
	}
	if c.Profile.StaleAfter < 0 {
		return bad(0, "profile.stale_after", "must not be negative")
	}
	profileFields := []string{"default", connectors.FieldGivenName, connectors.FieldFamilyName, connectors.FieldEmail,
		connectors.FieldPhone, connectors.FieldWhatsApp, connectors.FieldLoyaltyCard, connectors.FieldBirthDate,
		connectors.FieldCity, connectors.FieldCountry, connectors.FieldLanguage}
	for field, rule := range c.Profile.Survivorship {
		at := lineOf(c.Profile.keyLines, "profile.survivorship."+field)
		if !slices.Contains(profileFields, field) {
			return bad(at, "profile.survivorship."+field, "not a profile field (known: %s)", strings.Join(profileFields, ", "))
		}
		switch rule {
		case SurvivorshipPriority, SurvivorshipMostRecent, SurvivorshipMostFrequent:
		default:
			return bad(at, "profile.survivorship."+field, "unknown rule %q (known: %s, %s, %s)", rule,
				SurvivorshipPriority, SurvivorshipMostRecent, SurvivorshipMostFrequent)
		}
	}
	if len(c.Connectors) == 0 {
		return bad(0, "connectors", "at least one connector is required")
	}
	seen := map[string]bool{}
	for i, cn := range c.Connectors {
		key := fmt.Sprintf("connectors[%d]", i)
		switch {
		case cn.Name == "":
			return bad(cn.Line, key+".name", "is required")
		case !nameRE.MatchString(cn.Name):
			return bad(cn.Line, key+".name", "must be lower case letters, digits, '-' or '_', starting with a letter")
		case seen[cn.Name]:
			return bad(cn.Line, key+".name", "%q is used by another connector", cn.Name)
		case cn.Kind == "":
			return bad(cn.Line, key+".kind", "is required")
		case cn.Timeout < 0:
			return bad(cn.Line, key+".timeout", "must not be negative")
		case cn.MaxBatch < 0 || cn.MaxBatch > 10_000:
			return bad(cn.Line, key+".max_batch", "must be between 1 and 10000")
		case cn.MaxConcurrency < 0 || cn.MaxConcurrency > 256:
			return bad(cn.Line, key+".max_concurrency", "must be between 1 and 256")
		}
		if err := cn.validateResilience(key, bad); err != nil {
			return err
		}
		if _, ok := connectors.Lookup(cn.Kind); !ok {
			return bad(cn.Line, key+".kind", "unknown connector kind %q (known: %s)", cn.Kind, strings.Join(connectors.KindIDs(), ", "))
		}
		seen[cn.Name] = true
	}
	if err := c.validateCache(bad); err != nil {
		return err
	}
	for i, name := range c.Profile.Priority {
		if !seen[name] {
			return bad(0, fmt.Sprintf("profile.priority[%d]", i), "no connector is named %q", name)
		}
	}
	return nil
}

// ConnectorError places an error from building connector i (a
// *connectors.ConfigError relative to its config block) in the file.
func (c *Config) ConnectorError(i int, err error) error {
	return wrap(c.File, fmt.Sprintf("connectors[%d].config", i), err)
}

// wrap turns a *connectors.ConfigError under prefix into an *Error.
func wrap(file, prefix string, err error) error {
	var ce *connectors.ConfigError
	if !errors.As(err, &ce) {
		return &Error{File: file, Key: prefix, Reason: err.Error()}
	}
	key := ce.Key
	if prefix != "" {
		key = strings.TrimSuffix(prefix+"."+ce.Key, ".")
	}
	return &Error{File: file, Line: ce.Line, Key: key, Reason: ce.Reason}
}

var yamlLine = regexp.MustCompile(`line (\d+): (.*)`)

func syntaxError(file string, data []byte, err error) error {
	e := &Error{File: file, Reason: "invalid YAML"}
	if m := yamlLine.FindStringSubmatch(err.Error()); m != nil {
		_, _ = fmt.Sscan(m[1], &e.Line) // m[1] is digits; on overflow Line stays 0 (unknown)
		e.Reason = "invalid YAML: " + m[2]
		if line := problemLine(data, m[2]); line > 0 {
			e.Line = line
		}
	}
	return e
}

// maxProblemScan bounds the lines problemLine re-reads.
const maxProblemScan = 5000

// problemLine finds the line where a YAML syntax error is. yaml.v3 reports
// the line of the block the error is in (a mis-indented key six lines into
// a list is reported at the list's first line), so this finds the first
// line at which the document, cut after it, stops parsing with the same
// complaint: the line that broke it. It returns 0 when none does (a
// complaint only the whole document raises).
func problemLine(data []byte, reason string) int {
	lines := bytes.SplitAfter(data, []byte("\n"))
	if len(lines) > maxProblemScan {
		return 0
	}
	var prefix []byte
	for i, l := range lines {
		prefix = append(prefix, l...)
		var n yaml.Node
		err := yaml.Unmarshal(prefix, &n)
		if err == nil {
			continue
		}
		if m := yamlLine.FindStringSubmatch(err.Error()); m != nil && m[2] == reason {
			return i + 1
		}
	}
	return 0
}

// lines records where each connector, API key and the JWT block start, and
// the line of every key under server and identity, for later errors.
func lines(root *yaml.Node, c *Config) {
	doc := root
	if doc.Kind == yaml.DocumentNode && len(doc.Content) > 0 {
		doc = doc.Content[0]
	}
	for i := 0; i+1 < len(doc.Content); i += 2 {
		if doc.Content[i].Value == "auth" {
			authLines(doc.Content[i+1], &c.Auth)
		}
		if doc.Content[i].Value == "server" {
			c.Server.keyLines = keyLines(doc.Content[i+1], "server", nil)
		}
		if doc.Content[i].Value == "profile" {
			c.Profile.keyLines = keyLines(doc.Content[i+1], "profile", nil)
		}
		if doc.Content[i].Value == "identity" {
			c.Identity.keyLines = keyLines(doc.Content[i+1], "identity", nil)
		}
		if doc.Content[i].Value != "connectors" || doc.Content[i+1].Kind != yaml.SequenceNode {
			continue
		}
		for j, item := range doc.Content[i+1].Content {
			if j < len(c.Connectors) {
				c.Connectors[j].Line = item.Line
			}
		}
	}
}

var envRef = regexp.MustCompile(`\$\{([A-Za-z_][A-Za-z0-9_]*)(:-([^}]*))?\}`)

// expand replaces ${NAME} and ${NAME:-default} in scalar values. A plain
// scalar's type is resolved again after expansion, so `port: ${PORT}` is a
// number. Keys are never expanded.
func expand(file string, n *yaml.Node, path string, env Lookup) error {
	switch n.Kind {
	case yaml.DocumentNode, yaml.SequenceNode:
		for i, ch := range n.Content {
			p := path
			if n.Kind == yaml.SequenceNode {
				p = fmt.Sprintf("%s[%d]", path, i)
			}
			if err := expand(file, ch, p, env); err != nil {
				return err
			}
		}
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			p := n.Content[i].Value
			if path != "" {
				p = path + "." + p
			}
			if err := expand(file, n.Content[i+1], p, env); err != nil {
				return err
			}
		}
	case yaml.ScalarNode:
		if !strings.Contains(n.Value, "${") {
			return nil
		}
		var missing string
		n.Value = envRef.ReplaceAllStringFunc(n.Value, func(ref string) string {
			m := envRef.FindStringSubmatch(ref)
			if v, ok := env(m[1]); ok {
				return v
			}
			if m[2] != "" {
				return m[3]
			}
			if missing == "" {
				missing = m[1]
			}
			return ""
		})
		if missing != "" {
			return &Error{File: file, Line: n.Line, Key: path, Reason: fmt.Sprintf("environment variable %s is not set", missing)}
		}
		if n.Style == 0 {
			n.Tag = ""
		}
	}
	return nil
}
