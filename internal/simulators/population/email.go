package population

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"unicode"
)

var fold = map[rune]string{
	'à': "a", 'á': "a", 'â': "a", 'ã': "a", 'å': "a", 'ä': "ae",
	'ç': "c", 'è': "e", 'é': "e", 'ê': "e", 'ë': "e",
	'ì': "i", 'í': "i", 'î': "i", 'ï': "i", 'ñ': "n",
	'ò': "o", 'ó': "o", 'ô': "o", 'õ': "o", 'ö': "oe",
	'ù': "u", 'ú': "u", 'û': "u", 'ü': "ue", 'ß': "ss",
}

// asciiFold lower-cases a name and keeps only a-z and 0-9, transliterating
// accents ("Müller" -> "mueller", "Le Gall" -> "legall").
func asciiFold(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		if f, ok := fold[r]; ok {
			b.WriteString(f)
			continue
		}
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// newEmail makes a canonical address not yet in taken, and records it.
func newEmail(r *rand.Rand, given, family string, domains []string, taken map[string]bool) string {
	g, f := asciiFold(given), asciiFold(family)
	var local string
	switch r.IntN(6) {
	case 0, 1:
		local = g + "." + f
	case 2:
		local = g + f
	case 3:
		local = g[:1] + "." + f
	case 4:
		local = g + "_" + f
	default:
		local = fmt.Sprintf("%s.%s%d", g, f, 1+r.IntN(99))
	}
	domain := domains[r.IntN(len(domains))]
	addr := local + "@" + domain
	for taken[addr] {
		addr = fmt.Sprintf("%s%d@%s", local, 1+r.IntN(999), domain)
	}
	taken[addr] = true
	return addr
}

// mixedCase capitalises each part of the local part and the first label of
// the domain: "marie.dupont@example.com" -> "Marie.Dupont@Example.com".
func mixedCase(addr string) string {
	local, domain, _ := strings.Cut(addr, "@")
	first, rest, dotted := strings.Cut(domain, ".")
	out := capitalizeParts(local) + "@" + capitalizeParts(first)
	if dotted {
		out += "." + rest
	}
	return out
}

func capitalizeParts(s string) string {
	rs := []rune(s)
	up := true
	for i, r := range rs {
		if up && unicode.IsLetter(r) {
			rs[i] = unicode.ToUpper(r)
		}
		up = r == '.' || r == '_' || r == '-'
	}
	return string(rs)
}
