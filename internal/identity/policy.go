package identity

import (
	"fmt"
	"maps"
	"path"
	"slices"
	"strings"

	"github.com/nyaruka/phonenumbers"

	"github.com/harmonyhq/harmony/internal/config"
	"github.com/harmonyhq/harmony/internal/store"
)

// Rule is one deterministic match rule: two records are one person when
// they share a normalised identifier of one of its kinds.
type Rule struct {
	// Name is recorded on the links the rule makes.
	Name string
	// Kinds are store.Kind* identifier kinds. Phone and WhatsApp match each
	// other.
	Kinds []string
	// Confidence is recorded on the links, in (0, 1].
	Confidence float64
}

// Policy is how identities are matched: the normaliser, the match rules in
// priority order, blocked values and the guardrails.
type Policy struct {
	Normalizer     Normalizer
	Rules          []Rule // priority order
	MaxIdentities  int    // cap of links per customer
	AlertThreshold int    // alert when one identifier would join more people than this

	// blocked holds glob patterns on normalised values, by kind, in the
	// case the kind normalises to.
	blocked map[string][]string
	// allowReserved lets addresses under reserved domains (example.com,
	// .test...) join: see config.Identity.AllowReservedDomains.
	allowReserved bool
}

// NewPolicy validates and compiles the identity configuration. Zero fields
// take the configuration defaults, so config.Identity{} is the default
// policy in region config.DefaultRegion.
func NewPolicy(cfg config.Identity) (*Policy, error) {
	region := strings.ToUpper(strings.TrimSpace(cfg.DefaultRegion))
	if region == "" {
		region = config.DefaultRegion
	}
	if !phonenumbers.GetSupportedRegions()[region] {
		return nil, fmt.Errorf("identity: default region %q is not a phone numbering region", cfg.DefaultRegion)
	}
	var regions map[string]string
	for _, system := range slices.Sorted(maps.Keys(cfg.Regions)) {
		r := strings.ToUpper(strings.TrimSpace(cfg.Regions[system]))
		if !phonenumbers.GetSupportedRegions()[r] {
			return nil, fmt.Errorf("identity: region %q of %q is not a phone numbering region", cfg.Regions[system], system)
		}
		if regions == nil {
			regions = make(map[string]string, len(cfg.Regions))
		}
		regions[system] = r
	}
	p := &Policy{
		Normalizer:     Normalizer{DefaultRegion: region, Regions: regions},
		MaxIdentities:  cfg.MaxIdentitiesPerCustomer,
		AlertThreshold: cfg.AlertCustomersPerIdentifier,
		allowReserved:  cfg.AllowReservedDomains,
	}
	if p.MaxIdentities == 0 {
		p.MaxIdentities = config.DefaultMaxIdentitiesPerCustomer
	}
	if p.AlertThreshold == 0 {
		p.AlertThreshold = config.DefaultAlertCustomersPerIdentifier
	}
	if p.MaxIdentities < 2 {
		return nil, fmt.Errorf("identity: max identities per customer %d: must be at least 2", p.MaxIdentities)
	}
	if p.AlertThreshold < 2 {
		return nil, fmt.Errorf("identity: alert threshold %d: must be at least 2", p.AlertThreshold)
	}

	domains := make(map[string]config.EmailDomain, len(cfg.Email.Domains))
	for d, rules := range cfg.Email.Domains {
		d = strings.ToLower(strings.TrimSpace(d))
		rules.SameAs = strings.ToLower(strings.TrimSpace(rules.SameAs))
		if !strings.Contains(d, ".") || strings.ContainsAny(d, "@ ") {
			return nil, fmt.Errorf("identity: e-mail domain %q: not a domain name", d)
		}
		domains[d] = rules
	}
	for d, rules := range domains {
		if rules.SameAs == "" {
			continue
		}
		if rules.SameAs == d || !strings.Contains(rules.SameAs, ".") || domains[rules.SameAs].SameAs != "" {
			return nil, fmt.Errorf("identity: e-mail domain %q: same_as must name another domain that is not itself an alias", d)
		}
	}
	if len(domains) > 0 {
		p.Normalizer.Email = config.EmailRules{Domains: domains}
	}

	rules := cfg.Rules
	if len(rules) == 0 {
		rules = config.DefaultRules()
	}
	names := map[string]bool{}
	for i, r := range rules {
		switch {
		case r.Name == "" || r.Name == RuleNew || r.Name == RuleRecord:
			return nil, fmt.Errorf("identity: rule %d: name %q is empty or reserved", i, r.Name)
		case names[r.Name]:
			return nil, fmt.Errorf("identity: rule %d: name %q is used by another rule", i, r.Name)
		case len(r.Kinds) == 0:
			return nil, fmt.Errorf("identity: rule %q: no identifier kinds", r.Name)
		case r.Confidence < 0 || r.Confidence > 1:
			return nil, fmt.Errorf("identity: rule %q: confidence must be in (0, 1]", r.Name)
		}
		names[r.Name] = true
		for _, k := range r.Kinds {
			if !slices.Contains(config.MatchKinds, k) {
				return nil, fmt.Errorf("identity: rule %q: unknown identifier kind %q", r.Name, k)
			}
		}
		c := r.Confidence
		if c == 0 {
			c = 1
		}
		p.Rules = append(p.Rules, Rule{Name: r.Name, Kinds: slices.Clone(r.Kinds), Confidence: c})
	}

	blocked := cfg.Blocked
	if !cfg.ReplaceBlocked {
		blocked = config.DefaultBlocked()
		for k, v := range cfg.Blocked {
			blocked[k] = append(blocked[k], v...)
		}
	}
	for kind, patterns := range blocked {
		if !slices.Contains(config.MatchKinds, kind) {
			return nil, fmt.Errorf("identity: blocked: unknown identifier kind %q", kind)
		}
		for i, pat := range patterns {
			if strings.TrimSpace(pat) == "" {
				return nil, fmt.Errorf("identity: blocked %s[%d]: empty pattern", kind, i)
			}
			if _, err := path.Match(pat, ""); err != nil {
				return nil, fmt.Errorf("identity: blocked %s[%d]: not a valid glob pattern", kind, i)
			}
		}
	}
	p.blocked = compileBlocked(blocked)
	return p, nil
}

// DefaultPolicy is the policy of the configuration defaults, with phone
// numbers read in France: for tests and callers without configuration.
func DefaultPolicy() *Policy {
	rules := config.DefaultRules()
	p := &Policy{
		Normalizer:     Normalizer{DefaultRegion: config.DefaultRegion},
		MaxIdentities:  config.DefaultMaxIdentitiesPerCustomer,
		AlertThreshold: config.DefaultAlertCustomersPerIdentifier,
		blocked:        compileBlocked(config.DefaultBlocked()),
	}
	for _, r := range rules {
		p.Rules = append(p.Rules, Rule{Name: r.Name, Kinds: r.Kinds, Confidence: r.Confidence})
	}
	return p
}

// NormalizeFor normalises a value read from system (a connector name):
// phone numbers without a country code are read in the system's region.
// See Normalizer.NormalizeFor.
func (p *Policy) NormalizeFor(system, kind, raw string) (string, error) {
	return p.Normalizer.NormalizeFor(system, kind, raw)
}

// compileBlocked puts patterns in the case their kind normalises to and
// drops duplicates.
func compileBlocked(in map[string][]string) map[string][]string {
	out := make(map[string][]string, len(in))
	for _, kind := range slices.Sorted(maps.Keys(in)) {
		var list []string
		for _, pat := range in[kind] {
			pat = strings.TrimSpace(pat)
			switch kind {
			case store.KindEmail, store.KindSocial:
				pat = strings.ToLower(pat)
			case store.KindLoyaltyCard:
				pat = strings.ToUpper(pat)
			}
			if pat != "" && !slices.Contains(list, pat) {
				list = append(list, pat)
			}
		}
		out[kind] = list
	}
	return out
}

// Classify normalises a value read from system (a connector name; "" for
// none) and says how it links: store.StatusMatch with the normalised
// value when it can join records, store.StatusBlocked with the normalised
// value when it never joins (a blocked pattern or a placeholder), or
// store.StatusUnnormalized with the value as given, trimmed, when it does
// not normalise. It is what linking asks of every identifier it reads.
func (p *Policy) Classify(system, kind, raw string) (value, status string) {
	raw = strings.TrimSpace(raw)
	v, err := p.NormalizeFor(system, kind, raw)
	switch {
	case err != nil:
		return raw, store.StatusUnnormalized
	case p.Blocked(kind, v):
		return v, store.StatusBlocked
	default:
		return v, store.StatusMatch
	}
}

// Blocked reports whether a normalised value never matches: it matches a
// blocked pattern of its kind, or it is a placeholder (see Placeholder).
// Phone numbers and WhatsApp IDs are one numbering space: each is checked
// against the patterns of both.
func (p *Policy) Blocked(kind, normalized string) bool {
	return p.blockedPattern(kind, normalized) || p.Placeholder(kind, normalized)
}

// blockedPattern reports whether a normalised value matches a blocked
// pattern of its kind (or of the other phone-like kind).
func (p *Policy) blockedPattern(kind, normalized string) bool {
	kinds := []string{kind}
	if phoneLike(kind) {
		kinds = []string{store.KindPhone, store.KindWhatsApp}
	}
	for _, k := range kinds {
		for _, pat := range p.blocked[k] {
			if ok, _ := path.Match(pat, normalized); ok {
				return true
			}
		}
	}
	return false
}

// RuleFor returns the highest-priority rule naming kind; false when no rule
// does (the kind links but never matches). Phone and WhatsApp are
// interchangeable.
func (p *Policy) RuleFor(kind string) (Rule, bool) {
	i := p.ruleIndex(kind)
	if i < 0 {
		return Rule{}, false
	}
	return p.Rules[i], true
}

// ruleIndex is RuleFor's position in Rules, -1 when none: a lower index is
// a higher priority.
func (p *Policy) ruleIndex(kind string) int {
	for i, r := range p.Rules {
		for _, k := range r.Kinds {
			if k == kind || (phoneLike(k) && phoneLike(kind)) {
				return i
			}
		}
	}
	return -1
}

func phoneLike(kind string) bool { return kind == store.KindPhone || kind == store.KindWhatsApp }
