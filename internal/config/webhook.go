package config

import (
	"time"

	"github.com/harmonyhq/harmony/connectors"
)

// Webhook configures a connector instance's webhook endpoint,
// POST /webhooks/{name}: how the system signs its deliveries. The
// connector's kind parses them (the rest kind's `events` block).
type Webhook struct {
	// Secret is the shared signing secret, from the environment
	// (${HELPDESK_WEBHOOK_SECRET}). Required.
	Secret connectors.Secret `yaml:"secret"`
	// Signature says where the signature is and what it covers.
	Signature WebhookSignature `yaml:"signature"`
	// MaxBodyBytes bounds a delivery; larger ones get 413 (default 1 MiB).
	MaxBodyBytes int64 `yaml:"max_body_bytes"`
	// MaxEvents bounds the events of one delivery; more get 413 (default
	// 500).
	MaxEvents int `yaml:"max_events"`
}

// WebhookSignature describes an HMAC signature scheme.
type WebhookSignature struct {
	// Scheme is a preset: hmac (the default: the fields below), github
	// (X-Hub-Signature-256: sha256=<hex> over the body), slack
	// (X-Slack-Signature: v0=<hex> over "v0:{timestamp}:{body}", timestamp
	// in X-Slack-Request-Timestamp) or stripe (Stripe-Signature:
	// t=<unix>,v1=<hex> over "{timestamp}.{body}"). Fields set explicitly
	// override the preset's.
	Scheme string `yaml:"scheme" jsonschema:"enum=hmac,enum=github,enum=slack,enum=stripe"`
	// Header carries the signature (default X-Signature).
	Header string `yaml:"header"`
	// Algorithm is sha256 (default) or sha1, for systems that still use it.
	Algorithm string `yaml:"algorithm" jsonschema:"enum=sha256,enum=sha1"`
	// Encoding of the MAC in the header: hex (default) or base64.
	Encoding string `yaml:"encoding" jsonschema:"enum=hex,enum=base64"`
	// Prefix precedes the encoded MAC in the header ("sha256=").
	Prefix string `yaml:"prefix"`
	// TimestampHeader carries the time the system signed the delivery (Unix
	// seconds or RFC 3339). When set, the timestamp is signed with the body
	// and deliveries older (or newer) than Tolerance are refused: a replay
	// of a captured delivery fails.
	TimestampHeader string `yaml:"timestamp_header"`
	// Payload is what is signed: a template of {timestamp} and {body}.
	// Default "{body}", or "{timestamp}.{body}" with a timestamp.
	Payload string `yaml:"payload"`
	// Tolerance is the accepted clock distance of a signed timestamp
	// (default 5m).
	Tolerance time.Duration `yaml:"tolerance"`
}
