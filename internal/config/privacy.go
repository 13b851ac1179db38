package config

import "time"

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
}
