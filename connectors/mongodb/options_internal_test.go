package mongodb

import (
	"testing"
	"time"
)

// The URI's serverSelectionTimeoutMS wins over the connector's default.
func TestClientOptionsKeepTheURIs(t *testing.T) {
	for _, tc := range []struct {
		uri  string
		want time.Duration
	}{
		{"mongodb://db.example:27017/", defaultServerSelectionTimeout},
		{"mongodb://db.example:27017/?appName=crm", defaultServerSelectionTimeout},
		{"mongodb://db.example:27017/?serverSelectionTimeoutMS=250", 250 * time.Millisecond},
		{"mongodb://db.example:27017/?serverSelectionTimeoutMS=60000&directConnection=true", time.Minute},
	} {
		opts := clientOptions(tc.uri)
		if got := opts.ServerSelectionTimeout; got == nil || *got != tc.want {
			t.Errorf("%s: server selection timeout %v, want %v", tc.uri, got, tc.want)
		}
	}
}
