package connectors

import (
	"errors"
	"testing"
)

func TestLocateFindsIndexedKeys(t *testing.T) {
	const doc = "orders:\n  items:\n    - sku: a\n    - sku: b\n      name: x\n  matrix: [[1, 2], [3, 4]]\n"
	root, err := ParseBlock([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		key  string
		line int
	}{
		{"orders.items[1].name", 5},
		{"orders.items[0].sku", 3},
		{"orders.items[1]", 4},
		{"orders.matrix[1][0]", 6},
		{"orders.nothing", 2}, // falls back to the deepest known parent
	}
	for _, tt := range tests {
		var ce *ConfigError
		if err := locate(root, Invalid(tt.key, "bad")); !errors.As(err, &ce) {
			t.Fatalf("%s: %v is not a *ConfigError", tt.key, err)
		}
		if got := ce.Line; got != tt.line {
			t.Errorf("%s: line %d, want %d", tt.key, got, tt.line)
		}
	}
}
