package identity

import (
	"strings"

	"github.com/harmonyhq/harmony/internal/store"
)

// Placeholder reports whether a normalised value is a placeholder: what a
// person types when a form insists and the customer has no value to give
// (06 66 66 66 66, no@nomail.com, "NONE"). Such values are held by many
// strangers, so they never join records, like blocked values. The rules
// are built in, by the value's shape; docs/identity.md ("Values that never
// join") lists them. They err towards never joining: a real value that
// looks like a placeholder only costs a missed link.
//
// A social handle may be given as "network:handle" or as the handle alone.
func (p *Policy) Placeholder(kind, normalized string) bool {
	switch kind {
	case store.KindEmail:
		return p.placeholderEmail(normalized)
	case store.KindPhone, store.KindWhatsApp:
		return placeholderNumber(normalized)
	case store.KindLoyaltyCard:
		return placeholderCard(normalized)
	case store.KindSocial:
		if _, handle, ok := strings.Cut(normalized, ":"); ok {
			normalized = handle
		}
		return placeholderWords[strings.ToLower(normalized)] || repeated(normalized, 3)
	}
	return false
}

// placeholderWords are the values (e-mail local parts, loyalty cards in
// lower case, social handles) that say "none", "unknown" or "test" in
// English and French, or that are keyboard fillers. An e-mail local part
// is compared without trailing digits ("test1", "noemail123").
var placeholderWords = setOf(
	"no", "non", "none", "nope", "nothing", "nobody", "noone", "no-one", "nomail", "no-mail", "no_mail", "no.mail",
	"noemail", "no-email", "no_email", "no.email", "nomailaddress", "na", "n/a", "n-a", "n.a", "nil", "null", "void",
	"unknown", "inconnu", "inconnue", "aucun", "aucune", "pasdemail", "pas-de-mail", "pas.de.mail", "sansmail",
	"declined", "refused", "refuse", "test", "tests", "testing", "essai", "email", "e-mail", "mail", "courriel",
	"fake", "dummy", "sample", "example", "exemple", "anonymous", "anonyme", "abc", "asdf", "qwerty", "azerty",
	"foo", "bar", "foobar", "changeme", "donotreply", "do-not-reply", "do_not_reply", "nocard", "no-card",
)

// placeholderLabels are domain labels (any but the top-level one) that
// mark a made-up domain: nomail.com, noemail.fr, test.com, fake.net.
var placeholderLabels = setOf(
	"nomail", "no-mail", "noemail", "no-email", "pasdemail", "none", "nobody", "noone", "unknown", "inconnu",
	"test", "fake", "invalid", "example", "exemple", "domain", "domaine", "yourdomain", "mydomain", "votredomaine",
)

// placeholderSecondLevel are names that are placeholders as the domain
// itself ("email.com", "email.fr") but ordinary as a subdomain
// ("email.shop.fr").
var placeholderSecondLevel = setOf("email", "e-mail")

// reservedSuffixes are the domains reserved for documentation and tests
// (RFC 2606, RFC 6761): no mailbox exists there.
var reservedSuffixes = []string{"example.com", "example.net", "example.org", "example", "test", "invalid", "localhost"}

func (p *Policy) placeholderEmail(addr string) bool {
	local, domain, ok := strings.Cut(addr, "@")
	if !ok {
		return false
	}
	if placeholderWords[strings.TrimRight(local, "0123456789")] || repeated(local, 3) {
		return true
	}
	if !p.allowReserved && reservedDomain(domain) {
		return true
	}
	labels := strings.Split(domain, ".")
	if len(labels) == 2 && placeholderSecondLevel[labels[0]] {
		return true
	}
	for _, l := range labels[:len(labels)-1] {
		if l == "example" && reservedDomain(domain) {
			continue // reserved: the rule above decides
		}
		if placeholderLabels[l] || repeated(l, 3) {
			return true
		}
	}
	return false
}

// reservedDomain reports whether domain is, or is under, a reserved one.
func reservedDomain(domain string) bool {
	for _, r := range reservedSuffixes {
		if domain == r || strings.HasSuffix(domain, "."+r) {
			return true
		}
	}
	return false
}

// placeholderNumber reports whether an E.164 number ends in a filler: its
// last 7 digits one digit repeated (+33 6 66 66 66 66, +33 1 11 11 11
// 11), or counting up or down (06 12 34 56 78, 01 23 45 67 89,
// 09 87 65 43 21), or its last 8 digits two digits alternating
// (06 06 06 06 06) or counting up or down in pairs (01 02 03 04 05).
// Seven digits are a whole subscriber number in most
// numbering plans, so the rules hold whatever the country.
func placeholderNumber(e164 string) bool {
	digits := strings.TrimPrefix(e164, "+")
	if len(digits) < 8 {
		return false
	}
	tail := digits[len(digits)-7:]
	if repeated(tail, 7) || run(tail) {
		return true
	}
	t8 := digits[len(digits)-8:]
	return alternating(t8) || pairsRun(t8)
}

// alternating reports whether s is two different digits alternating.
func alternating(s string) bool {
	for i := 2; i < len(s); i++ {
		if s[i] != s[i-2] {
			return false
		}
	}
	return s[0] != s[1]
}

// pairsRun reports whether s is two-digit numbers counting up or down by
// one (01 02 03 04 05, 12 13 14 15).
func pairsRun(s string) bool {
	if len(s)%2 != 0 || len(s) < 6 {
		return false
	}
	up, down := true, true
	prev := -1
	for i := 0; i < len(s); i += 2 {
		if s[i] < '0' || s[i] > '9' || s[i+1] < '0' || s[i+1] > '9' {
			return false
		}
		n := int(s[i]-'0')*10 + int(s[i+1]-'0')
		if prev >= 0 {
			up = up && n == prev+1
			down = down && n == prev-1
		}
		prev = n
	}
	return up || down
}

// placeholderCard reports whether a loyalty card number is a filler: a
// word of placeholderWords, one character repeated ("0000", "X") or
// digits counting up or down ("123456").
func placeholderCard(card string) bool {
	return placeholderWords[strings.ToLower(card)] || repeated(card, 1) || (len(card) >= 4 && run(card))
}

// repeated reports whether s is one character repeated at least n times.
func repeated(s string, n int) bool {
	if len(s) < n {
		return false
	}
	for i := 1; i < len(s); i++ {
		if s[i] != s[0] {
			return false
		}
	}
	return true
}

// run reports whether s is digits counting up or down by one, wrapping
// from 9 to 0 ("7890123") or from 0 to 9.
func run(s string) bool {
	up, down := true, true
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
		if i == 0 {
			continue
		}
		d := (int(s[i]) - int(s[i-1]) + 10) % 10
		up = up && d == 1
		down = down && d == 9
	}
	return up || down
}

func setOf(words ...string) map[string]bool {
	m := make(map[string]bool, len(words))
	for _, w := range words {
		m[w] = true
	}
	return m
}
