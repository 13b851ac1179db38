package app

import (
	"testing"

	"github.com/harmonyhq/harmony/connectors"
	"github.com/harmonyhq/harmony/internal/config"
)

func TestSameConnectorComparesBlocksByContent(t *testing.T) {
	parse := func(text string) connectors.Block {
		t.Helper()
		b, err := connectors.ParseBlock([]byte(text))
		if err != nil {
			t.Fatal(err)
		}
		return *b
	}
	tests := []struct {
		name string
		a, b string
		want bool
	}{
		{"same content, other layout", "base_url: http://x\nmax: 2\n", "\n\nmax: 2\nbase_url: 'http://x'\n", true},
		{"a value changed", "base_url: http://x\n", "base_url: http://y\n", false},
		{"a key added", "base_url: http://x\n", "base_url: http://x\nmax: 2\n", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := config.Connector{Name: "crm", Kind: "rest", Config: parse(tt.a), Line: 3}
			b := config.Connector{Name: "crm", Kind: "rest", Config: parse(tt.b), Line: 9}
			if got := sameConnector(a, b); got != tt.want {
				t.Errorf("sameConnector = %v, want %v", got, tt.want)
			}
		})
	}
}
