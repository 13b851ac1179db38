package identity

import "testing"

func TestFoldName(t *testing.T) {
	same := [][]string{
		{"Jean-Pierre", "Jean Pierre", "jean pierre", "JEAN-PIERRE", " jean  pierre ", "Jean\u2011Pierre", "Jean–Pierre", "Jeanpierre"},
		{"D'Angelo", "D\u2019Angelo", "d angelo", "Dangelo", "D.Angelo"},
		{"Hélène", "HELENE", "He\u0301le\u0300ne", "hélène"}, // precomposed, and combining accents
		{"Marie-Thérèse", "marie therese", "MARIE.THERESE"},
		{"Jürgen", "JURGEN"},
	}
	for _, group := range same {
		want := foldName(group[0])
		for _, n := range group[1:] {
			if got := foldName(n); got != want {
				t.Errorf("foldName(%q) = %q, foldName(%q) = %q; want them equal", n, got, group[0], want)
			}
		}
	}
	different := [][2]string{
		{"Jean-Pierre", "Jean-Paul"},
		{"Jean-Pierre", "Jean"},
		{"Marie", "Marie-Claire"},
		{"Anne", "Anna"},
	}
	for _, d := range different {
		if foldName(d[0]) == foldName(d[1]) {
			t.Errorf("foldName(%q) = foldName(%q) = %q; want them different", d[0], d[1], foldName(d[0]))
		}
	}
	if got := foldName(" - "); got != "" {
		t.Errorf("foldName of separators = %q, want \"\" (no name)", got)
	}
}

// TestTypoApartFolded keeps one-letter typo detection on folded names, and
// never takes two different compound names for a typo.
func TestTypoApartFolded(t *testing.T) {
	tests := []struct {
		a, b string
		want bool
	}{
		{"Jean-Pierre", "Jean Piere", true},
		{"Jean-Pierre", "jean-peirre", true},
		{"Marie-Thérèse", "Marie Therese", false}, // equal once folded: not a typo
		{"Jean-Pierre", "Jean-Paul", false},
		{"Jean-Luc", "Jean-Lou", false},
	}
	for _, tt := range tests {
		if got := typoApart(foldName(tt.a), foldName(tt.b)); got != tt.want {
			t.Errorf("typoApart(fold %q, fold %q) = %v, want %v", tt.a, tt.b, got, tt.want)
		}
	}
}
