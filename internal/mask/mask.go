package mask

import (
	"strings"
	"unicode/utf8"
)

// Hidden replaces whatever is masked.
const Hidden = "***"

// Email keeps the first character of the local part and the domain:
// `jane@example.com` gives `j***@example.com`. A value without `@` is
// hidden whole.
func Email(s string) string {
	if s == "" {
		return ""
	}
	at := strings.LastIndexByte(s, '@')
	if at < 0 {
		return Hidden
	}
	local, domain := s[:at], s[at:]
	if local == "" {
		return Hidden + domain
	}
	_, n := utf8.DecodeRuneInString(local)
	return local[:n] + Hidden + domain
}

// Phone keeps the last two digits and, for an international number (`+`
// and at least 8 digits), the `+` and the first two digits; every other
// digit becomes `*` and separators are kept: `+33754415897` gives
// `+33*******97`, `06 12 34 56 78` gives `** ** ** ** 78`. Numbers of fewer
// than 6 digits keep no digit.
func Phone(s string) string {
	if s == "" {
		return ""
	}
	digits := 0
	for _, r := range s {
		if isDigit(r) {
			digits++
		}
	}
	keepHead, keepTail := 0, 0
	if digits >= 6 {
		keepTail = 2
	}
	if digits >= 8 && strings.HasPrefix(strings.TrimSpace(s), "+") {
		keepHead = 2
	}
	var b strings.Builder
	b.Grow(len(s))
	i := 0
	for _, r := range s {
		switch {
		case !isDigit(r):
			b.WriteRune(r)
		case i < keepHead || i >= digits-keepTail:
			b.WriteRune(r)
			i++
		default:
			b.WriteByte('*')
			i++
		}
	}
	return b.String()
}

// Name keeps the first letter: `Marie` gives `M***`.
func Name(s string) string {
	s = strings.TrimSpace(s)
	if s == "" {
		return ""
	}
	_, n := utf8.DecodeRuneInString(s)
	return s[:n] + Hidden
}

// ID keeps the first two characters of an identifier longer than three:
// `LC-123456` gives `LC***`. Shorter ones are hidden whole.
func ID(s string) string {
	if s == "" {
		return ""
	}
	if utf8.RuneCountInString(s) <= 3 {
		return Hidden
	}
	_, a := utf8.DecodeRuneInString(s)
	_, b := utf8.DecodeRuneInString(s[a:])
	return s[:a+b] + Hidden
}

// Text hides free text whole.
func Text(s string) string {
	if s == "" {
		return ""
	}
	return Hidden
}

// Date keeps the year of a date written year first (`1985-04-12` gives
// `1985`); anything else is hidden whole.
func Date(s string) string {
	if s == "" {
		return ""
	}
	if len(s) >= 4 && isDigit(rune(s[0])) && isDigit(rune(s[1])) && isDigit(rune(s[2])) && isDigit(rune(s[3])) &&
		(len(s) == 4 || !isDigit(rune(s[4]))) {
		return s[:4]
	}
	return Hidden
}

func isDigit(r rune) bool { return r >= '0' && r <= '9' }
