package search_test

import (
	"slices"
	"testing"

	"github.com/harmonyhq/harmony/internal/search"
)

func TestFold(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Marie", "marie"},
		{"Márquez", "marquez"},
		{"MÜLLER", "muller"},
		{"Lefèvre", "lefevre"},
		{"Niccolò", "niccolo"},
		{"Straße", "strasse"},
		{"Øster", "oster"},
		{"  Le   Gall ", "le gall"},
		{"Jean-Pierre", "jean-pierre"},
		{"O'Brien", "o'brien"},
		{"", ""},
		{"   ", ""},
	}
	for _, tt := range tests {
		if got := search.Fold(tt.in); got != tt.want {
			t.Errorf("Fold(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestNameTokens(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"Marie", []string{"marie"}},
		{"Le Gall", []string{"gall", "le", "le gall", "legall"}},
		{"Jean-Pierre", []string{"jean", "jean-pierre", "jeanpierre", "pierre"}},
		{"O'Brien", []string{"brien", "o'brien", "obrien"}},
		{"De Luca", []string{"de", "de luca", "deluca", "luca"}},
		{"Chloé Dupont", []string{"chloe", "chloe dupont", "chloedupont", "dupont"}},
		{"", nil},
	}
	for _, tt := range tests {
		if got := search.NameTokens(tt.in); !slices.Equal(got, tt.want) {
			t.Errorf("NameTokens(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
