package webasset

import "testing"

func TestAcceptsGzip(t *testing.T) {
	tests := map[string]bool{
		"":                    false,
		"gzip":                true,
		"GZIP":                true,
		"br, gzip, deflate":   true,
		"gzip;q=0":            false,
		"gzip; q=0.000":       false,
		"gzip;q=0.5":          true,
		"x-gzip":              true,
		"deflate, br":         false,
		"identity;q=1, *;q=0": false,
		"gzipfoo":             false,
	}
	for header, want := range tests {
		if got := AcceptsGzip(header); got != want {
			t.Errorf("AcceptsGzip(%q) = %v, want %v", header, got, want)
		}
	}
}
