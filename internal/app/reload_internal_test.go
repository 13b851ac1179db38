package app

import (
	"slices"
	"testing"

	"github.com/harmonyhq/harmony/internal/config"
)

// A reload compares the new file with the file as last read, not with the
// running configuration, which may carry serve --addr.
func TestIgnoredSections(t *testing.T) {
	file := func(addr string, depth int) *config.Config {
		return &config.Config{Server: config.Server{Addr: addr, MaxDepth: depth}}
	}
	running := file("127.0.0.1:9999", 12) // the file says :8080; --addr overrode it
	tests := []struct {
		name     string
		fromFile *config.Config
		next     *config.Config
		want     []string
	}{
		{"override is not a change", file("127.0.0.1:8080", 12), file("127.0.0.1:8080", 12), nil},
		{"a real server change", file("127.0.0.1:8080", 12), file("127.0.0.1:8080", 20), []string{"server"}},
		{"no file read yet: the running configuration", nil, file("127.0.0.1:9999", 12), nil},
		{"no file read yet, address differs", nil, file("127.0.0.1:8080", 12), []string{"server"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := reloadState{fromFile: tt.fromFile}
			if got := s.ignoredSections(running, tt.next); !slices.Equal(got, tt.want) {
				t.Errorf("ignoredSections = %v, want %v", got, tt.want)
			}
		})
	}
}
