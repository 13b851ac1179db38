package identity

import (
	"errors"
	"fmt"
	"net/mail"
	"strings"
	"unicode"

	"github.com/nyaruka/phonenumbers"

	"github.com/harmonyhq/harmony/internal/store"
)

// ErrInvalid is returned for a value that is not an identifier of its kind.
var ErrInvalid = errors.New("not a valid identifier")

// Normalizer turns identifiers as systems write them into one canonical form
// per kind, so that equal identifiers compare equal.
type Normalizer struct {
	// DefaultRegion is the ISO 3166-1 region for phone numbers written
	// without a country code ("FR": "06 12 34 56 78" is +33612345678).
	DefaultRegion string
}

// Normalize returns the canonical form of value for kind (a store.Kind*
// constant), or an error wrapping ErrInvalid.
func (n Normalizer) Normalize(kind, value string) (string, error) {
	value = strings.TrimSpace(value)
	if value == "" {
		return "", fmt.Errorf("%s: empty: %w", kind, ErrInvalid)
	}
	switch kind {
	case store.KindEmail:
		return normalizeEmail(value)
	case store.KindPhone:
		return n.normalizePhone(value)
	case store.KindWhatsApp:
		// A WhatsApp ID is the international number without "+".
		digits := strings.TrimPrefix(value, "+")
		digits = strings.TrimSuffix(digits, "@s.whatsapp.net")
		return n.normalizePhone("+" + digits)
	case store.KindLoyaltyCard:
		var b strings.Builder
		for _, r := range value {
			if r == ' ' || r == '-' || r == '.' {
				continue
			}
			if !unicode.IsLetter(r) && !unicode.IsDigit(r) {
				return "", fmt.Errorf("loyalty card: %w", ErrInvalid)
			}
			b.WriteRune(unicode.ToUpper(r))
		}
		return b.String(), nil
	case store.KindExternalID:
		return value, nil
	default:
		return "", fmt.Errorf("unknown identifier kind %q", kind)
	}
}

// normalizeEmail lower-cases and trims an address. Provider rules such as
// dropping dots or "+tags" are not applied: they are unsafe in general.
func normalizeEmail(v string) (string, error) {
	addr, err := mail.ParseAddress(v)
	if err != nil || addr.Name != "" {
		return "", fmt.Errorf("email: %w", ErrInvalid)
	}
	local, domain, ok := strings.Cut(addr.Address, "@")
	if !ok || local == "" || !strings.Contains(domain, ".") {
		return "", fmt.Errorf("email: %w", ErrInvalid)
	}
	return strings.ToLower(addr.Address), nil
}

func (n Normalizer) normalizePhone(v string) (string, error) {
	num, err := phonenumbers.Parse(v, n.DefaultRegion)
	if err != nil || !phonenumbers.IsPossibleNumber(num) {
		return "", fmt.Errorf("phone: %w", ErrInvalid)
	}
	return phonenumbers.Format(num, phonenumbers.E164), nil
}
