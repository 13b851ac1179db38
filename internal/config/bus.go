package config

import "github.com/harmonyhq/harmony/connectors"

// Bus configures the event bus webhooks publish on and subscriptions read
// from. Without a NATS URL it is in-process: enough for one gateway, not for
// replicas.
type Bus struct {
	// NATSURL, when set, runs the bus on NATS ("nats://127.0.0.1:4222") so
	// that an event received by one replica reaches subscribers of every
	// replica. It may carry credentials, so it is a secret.
	NATSURL connectors.Secret `yaml:"nats_url"`
	// SubjectPrefix prefixes the NATS subjects ("harmony" by default);
	// replicas of one gateway share it, different gateways on one NATS do
	// not.
	SubjectPrefix string `yaml:"subject_prefix"`
	// Buffer is how many events wait for a slow subscriber before the oldest
	// are dropped (default 256).
	Buffer int `yaml:"buffer"`
}

// Bus defaults.
const (
	DefaultBusSubjectPrefix = "harmony"
	DefaultBusBuffer        = 256
)
