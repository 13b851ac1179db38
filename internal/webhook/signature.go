package webhook

import (
	"crypto/hmac"
	"crypto/sha1" //nolint:gosec // G505: some systems still sign with HMAC-SHA1; HMAC-SHA1 is not broken
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/harmonyhq/harmony/connectors"
	"github.com/harmonyhq/harmony/internal/config"
)

// Signature errors. Their messages name no header value.
var (
	ErrMissingSignature = errors.New("the delivery is not signed")
	ErrBadSignature     = errors.New("the delivery's signature is not valid")
	ErrStaleSignature   = errors.New("the delivery's signed timestamp is outside the accepted window")
)

// Signature schemes.
const (
	SchemeHMAC   = "hmac"
	SchemeGitHub = "github"
	SchemeSlack  = "slack"
	SchemeStripe = "stripe"
)

// Defaults of a signature.
const (
	DefaultSignatureHeader = "X-Signature"
	DefaultTolerance       = 5 * time.Minute
)

// Verifier checks one system's signatures. It is safe for concurrent use.
type Verifier struct {
	secret    []byte
	stripe    bool
	header    string
	tsHeader  string
	prefix    string
	newHash   func() hash.Hash
	base64    bool
	before    string // payload before {body}, may hold {timestamp}
	after     string // payload after {body}
	tolerance time.Duration
}

// NewVerifier compiles a webhook's signature configuration. Errors are
// *connectors.ConfigError with keys relative to the webhook block.
func NewVerifier(w config.Webhook) (*Verifier, error) {
	if w.Secret.Reveal() == "" {
		return nil, connectors.Invalid("secret", "required (the signing secret the system shares, from the environment)")
	}
	if len(w.Secret.Reveal()) < 16 {
		return nil, connectors.Invalid("secret", "too short: use at least 16 characters")
	}
	s := w.Signature
	v := &Verifier{secret: []byte(w.Secret.Reveal()), tolerance: s.Tolerance}
	def := func(field *string, value string) {
		if *field == "" {
			*field = value
		}
	}
	switch s.Scheme {
	case "", SchemeHMAC:
	case SchemeGitHub:
		if strings.EqualFold(s.Algorithm, "sha1") {
			def(&s.Header, "X-Hub-Signature")
			def(&s.Prefix, "sha1=")
		}
		def(&s.Header, "X-Hub-Signature-256")
		def(&s.Prefix, "sha256=")
	case SchemeSlack:
		def(&s.Header, "X-Slack-Signature")
		def(&s.Prefix, "v0=")
		def(&s.TimestampHeader, "X-Slack-Request-Timestamp")
		def(&s.Payload, "v0:{timestamp}:{body}")
	case SchemeStripe:
		v.stripe = true
		def(&s.Header, "Stripe-Signature")
		def(&s.Payload, "{timestamp}.{body}")
		if s.TimestampHeader != "" || s.Prefix != "" || s.Encoding != "" {
			return nil, connectors.Invalid("signature", "scheme stripe reads t= and v1= from its header: timestamp_header, prefix and encoding do not apply")
		}
	default:
		return nil, connectors.Invalid("signature.scheme", "must be hmac, github, slack or stripe")
	}
	def(&s.Header, DefaultSignatureHeader)
	if !validHeaderName(s.Header) {
		return nil, connectors.Invalid("signature.header", "not a valid header name")
	}
	if s.TimestampHeader != "" && !validHeaderName(s.TimestampHeader) {
		return nil, connectors.Invalid("signature.timestamp_header", "not a valid header name")
	}
	v.header, v.tsHeader, v.prefix = s.Header, s.TimestampHeader, s.Prefix
	switch strings.ToLower(s.Algorithm) {
	case "", "sha256":
		v.newHash = sha256.New
	case "sha1":
		v.newHash = sha1.New
	default:
		return nil, connectors.Invalid("signature.algorithm", "must be sha256 or sha1")
	}
	switch strings.ToLower(s.Encoding) {
	case "", "hex":
	case "base64":
		v.base64 = true
	default:
		return nil, connectors.Invalid("signature.encoding", "must be hex or base64")
	}
	timed := v.stripe || v.tsHeader != ""
	if s.Payload == "" {
		s.Payload = "{body}"
		if timed {
			s.Payload = "{timestamp}.{body}"
		}
	}
	if strings.Count(s.Payload, "{body}") != 1 {
		return nil, connectors.Invalid("signature.payload", "must contain {body} once")
	}
	if strings.Contains(s.Payload, "{timestamp}") != timed {
		if timed {
			return nil, connectors.Invalid("signature.payload", "must contain {timestamp}: the timestamp is signed")
		}
		return nil, connectors.Invalid("signature.payload", "uses {timestamp}: set timestamp_header")
	}
	v.before, v.after, _ = strings.Cut(s.Payload, "{body}")
	if v.tolerance == 0 {
		v.tolerance = DefaultTolerance
	}
	if v.tolerance < 0 || v.tolerance > 24*time.Hour {
		return nil, connectors.Invalid("signature.tolerance", "must be between 1s and 24h")
	}
	return v, nil
}

func validHeaderName(name string) bool {
	if name == "" {
		return false
	}
	for _, r := range name {
		if r > 127 || (r != '-' && r != '_' && (r < '0' || r > '9') && (r < 'a' || r > 'z') && (r < 'A' || r > 'Z')) {
			return false
		}
	}
	return true
}

// Verify checks a delivery's signature over its raw body, in constant time,
// and its signed timestamp against now.
func (v *Verifier) Verify(h http.Header, body []byte, now time.Time) error {
	raw := strings.TrimSpace(h.Get(v.header))
	if raw == "" {
		return ErrMissingSignature
	}
	var ts string
	var sigs []string
	if v.stripe {
		for part := range strings.SplitSeq(raw, ",") {
			k, val, _ := strings.Cut(strings.TrimSpace(part), "=")
			switch k {
			case "t":
				ts = val
			case "v1":
				sigs = append(sigs, val)
			}
		}
		if ts == "" || len(sigs) == 0 {
			return ErrBadSignature
		}
		if len(sigs) > 8 {
			return ErrBadSignature
		}
	} else {
		sig, ok := strings.CutPrefix(raw, v.prefix)
		if !ok {
			return ErrBadSignature
		}
		sigs = []string{sig}
		if v.tsHeader != "" {
			if ts = strings.TrimSpace(h.Get(v.tsHeader)); ts == "" {
				return ErrMissingSignature
			}
		}
	}
	if v.stripe || v.tsHeader != "" {
		at, err := parseTimestamp(ts)
		if err != nil {
			return ErrBadSignature
		}
		if d := now.Sub(at); d > v.tolerance || d < -v.tolerance {
			// Checked before the MAC only changes which 401 a forger gets.
			if !v.matches(sigs, ts, body) {
				return ErrBadSignature
			}
			return ErrStaleSignature
		}
	}
	if !v.matches(sigs, ts, body) {
		return ErrBadSignature
	}
	return nil
}

// matches reports whether one of sigs is the MAC of the payload.
func (v *Verifier) matches(sigs []string, ts string, body []byte) bool {
	mac := hmac.New(v.newHash, v.secret)
	mac.Write([]byte(strings.ReplaceAll(v.before, "{timestamp}", ts)))
	mac.Write(body)
	mac.Write([]byte(strings.ReplaceAll(v.after, "{timestamp}", ts)))
	want := mac.Sum(nil)
	ok := false
	for _, s := range sigs {
		got, err := v.decode(strings.TrimSpace(s))
		if err == nil && hmac.Equal(got, want) {
			ok = true
		}
	}
	return ok
}

func (v *Verifier) decode(s string) ([]byte, error) {
	if v.base64 {
		if b, err := base64.StdEncoding.DecodeString(s); err == nil {
			return b, nil
		}
		return base64.RawURLEncoding.DecodeString(strings.TrimRight(s, "="))
	}
	return hex.DecodeString(s)
}

// Sign returns the header values that sign body at t, as the system would
// send them: for simulators and tests.
func (v *Verifier) Sign(body []byte, t time.Time) http.Header {
	h := http.Header{}
	ts := strconv.FormatInt(t.Unix(), 10)
	mac := hmac.New(v.newHash, v.secret)
	mac.Write([]byte(strings.ReplaceAll(v.before, "{timestamp}", ts)))
	mac.Write(body)
	mac.Write([]byte(strings.ReplaceAll(v.after, "{timestamp}", ts)))
	sum := mac.Sum(nil)
	enc := hex.EncodeToString(sum)
	if v.base64 {
		enc = base64.StdEncoding.EncodeToString(sum)
	}
	if v.stripe {
		h.Set(v.header, "t="+ts+",v1="+enc)
		return h
	}
	h.Set(v.header, v.prefix+enc)
	if v.tsHeader != "" {
		h.Set(v.tsHeader, ts)
	}
	return h
}

// parseTimestamp reads Unix seconds (or milliseconds), or RFC 3339.
func parseTimestamp(s string) (time.Time, error) {
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		if n > 1e12 || n < -1e12 {
			if n > math.MaxInt64/int64(time.Millisecond) || n < math.MinInt64/int64(time.Millisecond) {
				return time.Time{}, errors.New("timestamp out of range")
			}
			return time.UnixMilli(n), nil
		}
		return time.Unix(n, 0), nil
	}
	return time.Parse(time.RFC3339, s)
}

// Format implements fmt.Formatter: every verb prints the scheme's shape,
// never the secret.
func (v *Verifier) Format(f fmt.State, _ rune) {
	_, _ = fmt.Fprintf(f, "webhook verifier{header: %s, timestamp_header: %s, stripe: %t}", v.header, v.tsHeader, v.stripe)
}
