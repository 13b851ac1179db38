package identity

import (
	"slices"
	"strings"
	"unicode"
)

// foldName case- and accent-folds a given name and drops the marks that
// join or separate its parts (hyphens, spaces, apostrophes, dots), so that
// "Jean-Pierre", "Jean Pierre", "jean pierre" and "JEAN-PIERRE" are all
// "jeanpierre", and " Hélène " is "helene". Accents written as combining
// marks fold like precomposed ones.
func foldName(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		if f, ok := nameFold[r]; ok {
			b.WriteString(f)
			continue
		}
		if nameSeparator(r) || unicode.Is(unicode.Mn, r) {
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// nameSeparator reports whether r joins or separates the parts of a name:
// spaces, hyphens and dashes, apostrophes, dots and underscores.
func nameSeparator(r rune) bool {
	if unicode.IsSpace(r) || unicode.Is(unicode.Pd, r) {
		return true
	}
	switch r {
	case '\'', '’', '‘', 'ʼ', 'ʻ', '`', '´', '.', '_':
		return true
	}
	return false
}

var nameFold = func() map[rune]string {
	m := map[rune]string{'ß': "ss", 'æ': "ae", 'œ': "oe", 'ø': "o", 'ł': "l", 'đ': "d"}
	for base, accented := range map[string]string{
		"a": "àáâãäåāăą", "c": "çćĉċč", "e": "èéêëēĕėęě", "i": "ìíîïĩīĭįı", "n": "ñńņňŉ",
		"o": "òóôõöōŏő", "u": "ùúûüũūŭůűų", "y": "ýÿŷ", "s": "śŝşš", "z": "źżž", "g": "ĝğġģ", "r": "ŕŗř", "t": "ţťŧ",
	} {
		for _, r := range accented {
			m[r] = base
		}
	}
	return m
}()

// typoApart reports whether two different names, both of at least four
// runes, are one edit apart (Damerau–Levenshtein: one substitution,
// insertion, deletion or swap of neighbours).
func typoApart(a, b string) bool {
	x, y := []rune(a), []rune(b)
	if len(x) < 4 || len(y) < 4 || a == b {
		return false
	}
	if len(x) > len(y) {
		x, y = y, x
	}
	switch len(y) - len(x) {
	case 0:
		var diff []int
		for i := range x {
			if x[i] != y[i] {
				diff = append(diff, i)
				if len(diff) > 2 {
					return false
				}
			}
		}
		return len(diff) == 1 ||
			(len(diff) == 2 && diff[1] == diff[0]+1 && x[diff[0]] == y[diff[1]] && x[diff[1]] == y[diff[0]])
	case 1:
		i := 0
		for i < len(x) && x[i] == y[i] {
			i++
		}
		return slices.Equal(x[i:], y[i+1:])
	default:
		return false
	}
}
