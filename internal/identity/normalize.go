package identity

import (
	"errors"
	"fmt"
	"net/mail"
	"net/url"
	"strings"
	"unicode"

	"github.com/nyaruka/phonenumbers"

	"github.com/harmonyhq/harmony/internal/config"
	"github.com/harmonyhq/harmony/internal/store"
)

// ErrInvalid is returned for a value that is not an identifier of its kind.
var ErrInvalid = errors.New("not a valid identifier")

// Normalizer turns identifiers as systems write them into one canonical form
// per kind, so that equal identifiers compare equal. NewPolicy builds one
// from the configuration.
type Normalizer struct {
	// DefaultRegion is the ISO 3166-1 region for phone numbers written
	// without a country code ("FR": "06 12 34 56 78" is +33612345678).
	DefaultRegion string
	// Regions overrides DefaultRegion for the numbers of some systems, by
	// connector name ({"crm_us": "US"}).
	Regions map[string]string
	// Email holds e-mail provider rules per domain (ignore dots, strip
	// "+tags", aliases). A domain not listed gets none: addresses are only
	// trimmed and lower-cased.
	Email config.EmailRules
}

// Normalize returns the canonical form of value for kind (a store.Kind*
// constant), or an error wrapping ErrInvalid. It reads phone numbers in
// DefaultRegion: for values a person typed; values read from a system go
// through NormalizeFor.
//
//   - email: the address of "marie@x.fr", "<marie@x.fr>", "Marie Dupont
//     <marie@x.fr>", "\"Dupont, Marie\" <marie@x.fr>" or
//     "mailto:marie@x.fr?subject=…"; trimmed, lower-cased, checked;
//     provider rules for configured domains only.
//   - phone: E.164, numbers without a country code read in DefaultRegion
//     (NormalizeFor: in the system's region); a "tel:", "sms:" or Twilio's
//     "whatsapp:" prefix is dropped.
//   - whatsapp: an international number, digits with an optional "+",
//     "whatsapp:" before (Twilio) or "@s.whatsapp.net" or "@c.us" after,
//     spaces and dashes allowed; E.164 with "+".
//   - loyalty_card: upper case, without spaces, dashes and dots.
//   - social_handle: "network:handle" (or "network:@handle"), lower case,
//     without "@".
//   - external_id: trimmed.
func (n Normalizer) Normalize(kind, value string) (string, error) {
	return n.normalize(n.DefaultRegion, kind, value)
}

// NormalizeFor is Normalize for a value read from system (a connector
// name): phone numbers without a country code are read in the system's
// region, DefaultRegion when Regions names none.
func (n Normalizer) NormalizeFor(system, kind, value string) (string, error) {
	return n.normalize(n.Region(system), kind, value)
}

// Region is the phone region of system's numbers.
func (n Normalizer) Region(system string) string {
	if r, ok := n.Regions[system]; ok {
		return r
	}
	return n.DefaultRegion
}

func (n Normalizer) normalize(region, kind, value string) (string, error) {
	switch kind {
	case store.KindEmail, store.KindPhone, store.KindWhatsApp, store.KindLoyaltyCard, store.KindSocial, store.KindExternalID:
	default:
		return "", fmt.Errorf("unknown identifier kind %q", kind)
	}
	value = strings.TrimSpace(value)
	if value == "" {
		return "", fmt.Errorf("%s: empty: %w", kind, ErrInvalid)
	}
	switch kind {
	case store.KindEmail:
		return n.normalizeEmail(value)
	case store.KindPhone:
		return n.normalizePhone(value, region)
	case store.KindWhatsApp:
		return n.normalizeWhatsApp(value)
	case store.KindLoyaltyCard:
		return normalizeLoyaltyCard(value)
	case store.KindSocial:
		return normalizeSocial(value)
	default: // store.KindExternalID
		return value, nil
	}
}

// normalizeEmail lower-cases and checks an address. Provider rules such as
// dropping dots or "+tags" apply only to the domains configured for them:
// elsewhere they would merge different people.
//
// The value is one address as systems write it: bare, in angle brackets,
// after a display name, or a mailto: link (its query dropped). A comment
// ("marie@x.fr (Marie)"), a list of addresses or a quoted local part is
// not an identifier.
func (n Normalizer) normalizeEmail(v string) (string, error) {
	if rest, ok := cutScheme(v, "mailto:"); ok {
		rest, _, _ = strings.Cut(rest, "?")
		u, err := url.PathUnescape(rest)
		if err != nil {
			return "", fmt.Errorf("email: %w", ErrInvalid)
		}
		v = strings.TrimSpace(u)
	}
	addr, err := mail.ParseAddress(v)
	if err != nil || (addr.Address != v && !strings.HasSuffix(v, "<"+addr.Address+">")) {
		return "", fmt.Errorf("email: %w", ErrInvalid)
	}
	local, domain, ok := strings.Cut(strings.ToLower(addr.Address), "@")
	if !ok || local == "" || !strings.Contains(domain, ".") || strings.HasPrefix(domain, ".") || strings.HasSuffix(domain, ".") {
		return "", fmt.Errorf("email: %w", ErrInvalid)
	}
	if rules, ok := n.Email.Domains[domain]; ok {
		if rules.SameAs != "" {
			domain = rules.SameAs
			target := n.Email.Domains[domain]
			rules.IgnoreDots = rules.IgnoreDots || target.IgnoreDots
			rules.StripPlus = rules.StripPlus || target.StripPlus
		}
		if rules.StripPlus {
			local, _, _ = strings.Cut(local, "+")
		}
		if rules.IgnoreDots {
			local = strings.ReplaceAll(local, ".", "")
		}
		if local == "" {
			return "", fmt.Errorf("email: %w", ErrInvalid)
		}
	}
	return local + "@" + domain, nil
}

// normalizePhone reads a number in region unless it has a country code.
// A tel: or sms: URI, or a number Twilio prefixes with "whatsapp:", is
// the number (parameters and query dropped).
func (n Normalizer) normalizePhone(v, region string) (string, error) {
	for _, scheme := range []string{"tel:", "sms:", "whatsapp:"} {
		if rest, ok := cutScheme(v, scheme); ok {
			v, _, _ = strings.Cut(rest, "?")
			v, _, _ = strings.Cut(v, ";")
			break
		}
	}
	num, err := phonenumbers.Parse(v, region)
	if err != nil || !phonenumbers.IsPossibleNumber(num) {
		return "", fmt.Errorf("phone: %w", ErrInvalid)
	}
	return phonenumbers.Format(num, phonenumbers.E164), nil
}

// normalizeWhatsApp reads a WhatsApp ID: the international number, digits
// only, as WhatsApp writes it ("33612345678@s.whatsapp.net", or
// "33612345678@c.us" in WhatsApp Web clients), or as Twilio writes it
// ("whatsapp:+33612345678").
func (n Normalizer) normalizeWhatsApp(v string) (string, error) {
	if rest, ok := cutScheme(v, "whatsapp:"); ok {
		v = rest
	}
	v = strings.TrimSuffix(v, "@s.whatsapp.net")
	v = strings.TrimSuffix(v, "@c.us")
	v = strings.TrimPrefix(v, "+")
	var b strings.Builder
	b.WriteByte('+')
	for _, r := range v {
		switch {
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		case r == ' ' || r == '-':
		default:
			return "", fmt.Errorf("whatsapp: %w", ErrInvalid)
		}
	}
	if b.Len() == 1 {
		return "", fmt.Errorf("whatsapp: %w", ErrInvalid)
	}
	// The number is international: no default region applies.
	return n.normalizePhone(b.String(), "ZZ")
}

// cutScheme returns v without a leading scheme ("tel:"), in any case, and
// whether it had one.
func cutScheme(v, scheme string) (string, bool) {
	if len(v) < len(scheme) || !strings.EqualFold(v[:len(scheme)], scheme) {
		return v, false
	}
	return strings.TrimSpace(v[len(scheme):]), true
}

func normalizeLoyaltyCard(v string) (string, error) {
	var b strings.Builder
	for _, r := range v {
		if r == ' ' || r == '-' || r == '.' {
			continue
		}
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) {
			return "", fmt.Errorf("loyalty card: %w", ErrInvalid)
		}
		b.WriteRune(unicode.ToUpper(r))
	}
	if b.Len() == 0 {
		return "", fmt.Errorf("loyalty card: %w", ErrInvalid)
	}
	return b.String(), nil
}

// normalizeSocial reads "network:handle" or "network:@handle".
func normalizeSocial(v string) (string, error) {
	network, handle, ok := strings.Cut(strings.ToLower(v), ":")
	network = strings.TrimSpace(network)
	handle = strings.TrimPrefix(strings.TrimSpace(handle), "@")
	if !ok || !handleChars(network) || !handleChars(handle) {
		return "", fmt.Errorf("social handle: %w", ErrInvalid)
	}
	return network + ":" + handle, nil
}

// handleChars reports whether s is non-empty and only [a-z0-9._-].
func handleChars(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if (r < 'a' || r > 'z') && (r < '0' || r > '9') && r != '.' && r != '_' && r != '-' {
			return false
		}
	}
	return true
}
