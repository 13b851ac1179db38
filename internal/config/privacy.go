package config

import (
	"time"

	"github.com/harmonyhq/harmony/connectors"
)

// MinSuppressionSalt is the shortest privacy.suppression_salt accepted.
const MinSuppressionSalt = 32

// Privacy tunes privacy requests and the audit log. Zero values take the
// defaults below.
type Privacy struct {
	// MaxAttempts is how many times a system is asked before its part of
	// a request stays failed for a person to handle (default 8).
	MaxAttempts int `yaml:"max_attempts"`
	// RetryBase is the wait before the first retry; each retry doubles it
	// (default 30s).
	RetryBase time.Duration `yaml:"retry_base"`
	// RetryMax caps the wait between retries (default 1h).
	RetryMax time.Duration `yaml:"retry_max"`
	// PollInterval is how often the background worker looks for retries
	// that are due (default 5s).
	PollInterval time.Duration `yaml:"poll_interval"`
	// AuditQueue is how many audit entries may wait to be written before
	// new ones are dropped and counted (default 4096).
	AuditQueue int `yaml:"audit_queue"`
	// ManualCheckInterval is how often an erasure asks a system that must
	// be erased by hand (no erase capability) whether it still holds the
	// customer's records, when its connector can read them: the system is
	// done once it holds none (default 15m, at least 1s).
	ManualCheckInterval time.Duration `yaml:"manual_check_interval"`
	// SuppressionSalt keys the salted hashes of the suppression list (the
	// identifiers and keys of erased people): a secret, at least 32
	// characters, the same on every replica, and never changed once an
	// erasure used it (the list would match nobody). Unset, the first
	// replica generates one and keeps it in the profile store, beside the
	// list.
	SuppressionSalt connectors.Secret `yaml:"suppression_salt"`
}

func (c *Config) validatePrivacy(bad func(int, string, string, ...any) error) error {
	p := &c.Privacy
	switch {
	case p.MaxAttempts < 0:
		return bad(0, "privacy.max_attempts", "must not be negative")
	case p.RetryBase < 0:
		return bad(0, "privacy.retry_base", "must not be negative")
	case p.RetryMax < 0:
		return bad(0, "privacy.retry_max", "must not be negative")
	case p.PollInterval < 0:
		return bad(0, "privacy.poll_interval", "must not be negative")
	case p.AuditQueue < 0:
		return bad(0, "privacy.audit_queue", "must not be negative")
	case p.ManualCheckInterval < 0 || (p.ManualCheckInterval > 0 && p.ManualCheckInterval < time.Second):
		return bad(0, "privacy.manual_check_interval", "must be 0 (the default, 15m) or at least 1s")
	}
	if s := p.SuppressionSalt.Reveal(); s != "" && len(s) < MinSuppressionSalt {
		return bad(0, "privacy.suppression_salt", "must be at least %d characters (a random secret, from the environment)", MinSuppressionSalt)
	}
	return nil
}
