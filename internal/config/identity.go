package config

import (
	"fmt"
	"maps"
	"path"
	"slices"
	"strings"
	"time"

	"github.com/nyaruka/phonenumbers"
)

// Identity configures identity resolution.
type Identity struct {
	// DefaultRegion is the ISO 3166-1 region for phone numbers written
	// without a country code, unless Regions names another for the system
	// the number comes from. Default FR.
	DefaultRegion string `yaml:"default_region"`
	// Regions sets the phone region of some systems, by connector name
	// ({crm_us: US}): their numbers written without a country code are
	// read there instead of in DefaultRegion. Numbers typed by a person in
	// a query (customerByIdentifier) have no system and are read in
	// DefaultRegion.
	Regions map[string]string `yaml:"regions"`
	// SyncOnStart links every listing source's records at startup.
	SyncOnStart *bool `yaml:"sync_on_start"`
	// SyncInterval re-links every listing source's records periodically:
	// 0 (the default) disables it, otherwise at least 1m.
	SyncInterval time.Duration `yaml:"sync_interval"`
	// FullSyncEvery is how often a sync lists every record of a system
	// that can list its changes (a list_profiles request using
	// {{.Since}}); the syncs in between read only the records changed
	// since the last one. Default 24h; at least 1m.
	FullSyncEvery time.Duration `yaml:"full_sync_every"`
	// SnapshotMaxAge is the age up to which a system's last complete
	// listing stands in for a listing that fails, so that the sync still
	// links the other systems' records. Default 24h; 0s never.
	SnapshotMaxAge *time.Duration `yaml:"snapshot_max_age"`
	// Email holds e-mail provider rules, per domain. None apply by default.
	Email EmailRules `yaml:"email"`
	// Rules are the deterministic match rules, highest priority first. Two
	// records are one person when they share an identifier of a kind some
	// rule names. Defaults: DefaultRules.
	Rules []MatchRule `yaml:"rules"`
	// Blocked lists identifier values that never match anyone (shared
	// inboxes, test numbers), by kind, as glob patterns on the normalised
	// value ("info@*"). Defaults: DefaultBlocked, unless ReplaceBlocked.
	Blocked map[string][]string `yaml:"blocked"`
	// ReplaceBlocked makes Blocked replace the default list instead of
	// adding to it. The built-in placeholder rules (see docs/identity.md,
	// "Values that never join") apply either way.
	ReplaceBlocked bool `yaml:"replace_blocked"`
	// AllowReservedDomains lets e-mail addresses under the domains
	// reserved for documentation and tests (example.com, example.net,
	// example.org and the .example, .test, .invalid and .localhost
	// top-level domains) join records. They are placeholders in real data
	// and never join by default; the demo's made-up people live there.
	AllowReservedDomains bool `yaml:"allow_reserved_domains"`
	// MaxIdentitiesPerCustomer caps the links of one customer; a merge or
	// link beyond it is refused. Default 50.
	MaxIdentitiesPerCustomer int `yaml:"max_identities_per_customer"`
	// AlertCustomersPerIdentifier raises an alert (log and metric) when one
	// identifier value would join more than this many people. Default 3.
	AlertCustomersPerIdentifier int `yaml:"alert_customers_per_identifier"`

	// keyLines maps keys under identity ("identity.rules[0].name") to
	// their line in the file, for errors.
	keyLines map[string]int
}

// EmailRules configures e-mail normalisation beyond case and whitespace.
type EmailRules struct {
	// Domains maps a domain (lower case) to its provider's rules.
	Domains map[string]EmailDomain `yaml:"domains"`
}

// EmailDomain is one e-mail provider's addressing rules. All are off unless
// set: applying them to a domain that does not follow them would merge
// different people.
type EmailDomain struct {
	// IgnoreDots drops dots from the local part (Gmail).
	IgnoreDots bool `yaml:"ignore_dots"`
	// StripPlus drops a "+tag" suffix from the local part.
	StripPlus bool `yaml:"strip_plus"`
	// SameAs names the domain this one is an alias of (googlemail.com is
	// gmail.com).
	SameAs string `yaml:"same_as"`
}

// MatchRule is one deterministic match rule.
type MatchRule struct {
	// Name is recorded on every link the rule makes.
	Name string `yaml:"name"`
	// Kinds are the identifier kinds the rule matches on: email, phone,
	// whatsapp, loyalty_card, social_handle. Phone and whatsapp match each
	// other.
	Kinds []string `yaml:"kinds" jsonschema_extras:"x-choices=identifier_kind"`
	// Confidence recorded on the link, 0 < c <= 1. Default 1.
	Confidence float64 `yaml:"confidence"`
}

// Identity defaults.
const (
	DefaultRegion                      = "FR"
	DefaultMaxIdentitiesPerCustomer    = 50
	DefaultAlertCustomersPerIdentifier = 3
)

// Identifier kinds a match rule can name.
var MatchKinds = []string{"email", "phone", "whatsapp", "loyalty_card", "social_handle"}

// DefaultRules match on loyalty cards, then e-mail, then phone numbers
// (WhatsApp IDs included). Social handles link but never match by default:
// people change and recycle them.
func DefaultRules() []MatchRule {
	return []MatchRule{
		{Name: "loyalty_card", Kinds: []string{"loyalty_card"}, Confidence: 1},
		{Name: "email", Kinds: []string{"email"}, Confidence: 1},
		{Name: "phone", Kinds: []string{"phone", "whatsapp"}, Confidence: 1},
	}
}

// DefaultBlocked are shared inboxes and reserved test numbers: values many
// people use, which must never join them.
func DefaultBlocked() map[string][]string {
	return map[string][]string{
		"email": {"info@*", "contact@*", "hello@*", "noreply@*", "no-reply@*", "support@*",
			"sales@*", "admin@*", "office@*", "team@*", "test@*", "postmaster@*"},
		// French fiction range, UK drama range, US 555-01xx, and obvious fillers.
		"phone": {"+3363998*", "+447700900*", "+1???55501??", "+33600000000", "+33100000000", "+10000000000"},
	}
}

func (id *Identity) defaults() {
	if id.DefaultRegion == "" {
		id.DefaultRegion = DefaultRegion
	}
	if id.SyncOnStart == nil {
		t := true
		id.SyncOnStart = &t
	}
	if len(id.Rules) == 0 {
		id.Rules = DefaultRules()
	}
	for i := range id.Rules {
		if id.Rules[i].Confidence == 0 {
			id.Rules[i].Confidence = 1
		}
	}
	if !id.ReplaceBlocked {
		merged := DefaultBlocked()
		for k, v := range id.Blocked {
			merged[k] = append(merged[k], v...)
		}
		id.Blocked = merged
	}
	if id.MaxIdentitiesPerCustomer == 0 {
		id.MaxIdentitiesPerCustomer = DefaultMaxIdentitiesPerCustomer
	}
	if id.AlertCustomersPerIdentifier == 0 {
		id.AlertCustomersPerIdentifier = DefaultAlertCustomersPerIdentifier
	}
}

// validateIdentity checks the identity block. Its errors name the key and,
// when the file has it, its line.
func (c *Config) validateIdentity(bad func(int, string, string, ...any) error) error {
	id := &c.Identity
	at := func(key string) int { return lineOf(id.keyLines, key) }
	fail := func(key, format string, args ...any) error { return bad(at(key), key, format, args...) }
	if id.SyncInterval < 0 || (id.SyncInterval > 0 && id.SyncInterval < time.Minute) {
		return fail("identity.sync_interval", "must be 0 (off) or at least 1m")
	}
	if id.FullSyncEvery < 0 || (id.FullSyncEvery > 0 && id.FullSyncEvery < time.Minute) {
		return fail("identity.full_sync_every", "must be at least 1m (default 24h)")
	}
	if id.SnapshotMaxAge != nil && *id.SnapshotMaxAge < 0 {
		return fail("identity.snapshot_max_age", "must not be negative (0s: a failed listing is never replaced)")
	}
	if !phoneRegion(id.DefaultRegion) {
		return fail("identity.default_region", "%s", regionReason)
	}
	for _, name := range slices.Sorted(maps.Keys(id.Regions)) {
		key := "identity.regions." + name
		if !slices.ContainsFunc(c.Connectors, func(cn Connector) bool { return cn.Name == name }) {
			return fail(key, "no connector is named %q", name)
		}
		if !phoneRegion(id.Regions[name]) {
			return fail(key, "%s", regionReason)
		}
	}
	if id.MaxIdentitiesPerCustomer < 2 || id.MaxIdentitiesPerCustomer > 10_000 {
		return fail("identity.max_identities_per_customer", "must be between 2 and 10000")
	}
	if id.AlertCustomersPerIdentifier < 2 {
		return fail("identity.alert_customers_per_identifier", "must be at least 2")
	}
	names := map[string]bool{}
	for i, r := range id.Rules {
		key := fmt.Sprintf("identity.rules[%d]", i)
		switch {
		case !nameRE.MatchString(r.Name):
			return fail(key+".name", "must be lower case letters, digits, '-' or '_', starting with a letter")
		case names[r.Name]:
			return fail(key+".name", "%q is used by another rule", r.Name)
		case len(r.Kinds) == 0:
			return fail(key+".kinds", "at least one identifier kind is required")
		case r.Confidence <= 0 || r.Confidence > 1:
			return fail(key+".confidence", "must be in (0, 1]")
		}
		names[r.Name] = true
		for j, k := range r.Kinds {
			if !slices.Contains(MatchKinds, k) {
				return fail(fmt.Sprintf("%s.kinds[%d]", key, j), "unknown identifier kind %q (known: %s)", k, strings.Join(MatchKinds, ", "))
			}
		}
	}
	defaults := DefaultBlocked()
	for _, kind := range slices.Sorted(maps.Keys(id.Blocked)) {
		if !slices.Contains(MatchKinds, kind) {
			return fail("identity.blocked."+kind, "unknown identifier kind (known: %s)", strings.Join(MatchKinds, ", "))
		}
		// Without replace_blocked the defaults come first: name the
		// pattern by its place in the file.
		skip := 0
		if !id.ReplaceBlocked {
			skip = len(defaults[kind])
		}
		for i, p := range id.Blocked[kind] {
			if _, err := path.Match(p, ""); err != nil || strings.TrimSpace(p) == "" {
				return fail(fmt.Sprintf("identity.blocked.%s[%d]", kind, i-skip), "not a valid glob pattern")
			}
		}
	}
	for _, domain := range slices.Sorted(maps.Keys(id.Email.Domains)) {
		key := "identity.email.domains." + domain
		if domain != strings.ToLower(domain) || !strings.Contains(domain, ".") {
			return fail(key, "must be a lower-case domain name")
		}
		if d := id.Email.Domains[domain]; d.SameAs != "" && id.Email.Domains[d.SameAs].SameAs != "" {
			return fail(key+".same_as", "must name a domain that is not itself an alias")
		}
	}
	return nil
}

const regionReason = "must be an ISO 3166-1 alpha-2 region with a phone numbering plan, such as FR or US"

// phoneRegion reports whether r names a phone numbering region, in any
// case ("fr" is FR).
func phoneRegion(r string) bool {
	r = strings.ToUpper(strings.TrimSpace(r))
	return len(r) == 2 && phonenumbers.GetSupportedRegions()[r]
}

// lineOf is the line of key in lines, or of its closest parent the file
// has ("identity.rules[0].kinds" is on the line of "identity.rules[0]"
// when it is missing); 0 when none.
func lineOf(lines map[string]int, key string) int {
	for key != "" {
		if l, ok := lines[key]; ok {
			return l
		}
		i := strings.LastIndexAny(key, ".[")
		if i < 0 {
			break
		}
		key = key[:i]
	}
	return 0
}
