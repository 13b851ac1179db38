package search

import (
	"slices"
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// letters without a canonical decomposition, folded by hand.
var special = map[rune]string{
	'ß': "ss", 'æ': "ae", 'œ': "oe", 'ø': "o", 'ł': "l", 'đ': "d", 'ð': "d", 'þ': "th", 'ı': "i",
}

// Fold lower-cases s, strips accents ("Márquez" -> "marquez", "Müller" ->
// "muller"), and trims and collapses white space. Names are indexed and
// prefixes compared in this form.
func Fold(s string) string {
	var b strings.Builder
	space := false
	for _, r := range norm.NFD.String(strings.ToLower(s)) {
		switch {
		case unicode.Is(unicode.Mn, r):
			continue
		case unicode.IsSpace(r):
			space = b.Len() > 0
			continue
		}
		if space {
			b.WriteByte(' ')
			space = false
		}
		if f, ok := special[r]; ok {
			b.WriteString(f)
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// NameTokens returns what a name is found by: the folded name, each of its
// words of two letters or more, and the name with its separators dropped
// ("Le Gall" -> "le gall", "le", "gall", "legall"; "Jean-Pierre" ->
// "jean-pierre", "jean", "pierre", "jeanpierre").
func NameTokens(name string) []string {
	full := Fold(name)
	if full == "" {
		return nil
	}
	out := []string{full}
	words := strings.FieldsFunc(full, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
	for _, w := range words {
		if len([]rune(w)) >= 2 {
			out = append(out, w)
		}
	}
	if joined := strings.Join(words, ""); len(words) > 1 {
		out = append(out, joined)
	}
	slices.Sort(out)
	return slices.Compact(out)
}
