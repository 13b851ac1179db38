package config

import (
	"errors"
	"regexp"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// secretMarker marks the values FuzzConfigParse watches for; the seed corpus
// (testdata/fuzz/FuzzConfigParse) puts it under secret-like keys.
const secretMarker = "s3cr3t"

// envSecret is what ${SECRET_ENV} expands to.
const envSecret = "s3cr3t-env-value-42"

// secretKey matches keys whose values are credentials or hold them.
var secretKey = regexp.MustCompile(`(?i)(secret|passw|token|api_?key|sha256|uri|url|dsn|credential|private)`)

// FuzzConfigParse parses arbitrary YAML. Parse never panics; it returns a
// *Error or a configuration that validates again; and an error never quotes
// a marked value found under a secret-like key (a password in a URL, a
// token), nor the value of an environment variable such a key refers to.
//
//	go test -run '^$' -fuzz '^FuzzConfigParse$' -fuzztime 30s ./internal/config
func FuzzConfigParse(f *testing.F) {
	lookup := env(map[string]string{"SECRET_ENV": envSecret, "PORT": "8443", "EMPTY": ""})
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := Parse("fuzz.yaml", data, lookup)
		if err != nil {
			var ce *Error
			if !errors.As(err, &ce) {
				t.Fatalf("error of type %T, want *config.Error: %v", err, err)
			}
			msg := err.Error()
			for _, v := range secretValues(data) {
				if strings.Contains(msg, v) {
					t.Fatalf("the error quotes the secret %q: %s", v, msg)
				}
			}
			return
		}
		if c == nil {
			t.Fatal("no configuration and no error")
		}
		if err := c.validate(); err != nil {
			t.Fatalf("a parsed configuration fails validation again: %v", err)
		}
		if c.Server.MaxBodyBytes < 1024 || c.Server.MaxAliases < 1 || c.Server.MaxTokens < 100 || c.Server.PersistedQueries.Mode == "" {
			t.Fatalf("defaults not applied: %+v", c.Server)
		}
	})
}

// secretValues lists the marked scalar values directly under secret-like
// keys of data that occur once in it (a value that is also, say, a key may
// rightly be quoted as one), and the expanded ${SECRET_ENV} when such a
// value refers to it.
func secretValues(data []byte) []string {
	var root yaml.Node
	if yaml.Unmarshal(data, &root) != nil {
		return nil
	}
	text := string(data)
	var out []string
	var walk func(n *yaml.Node, depth int)
	walk = func(n *yaml.Node, depth int) {
		if n == nil || depth > 100 {
			return
		}
		switch n.Kind {
		case yaml.MappingNode:
			for i := 0; i+1 < len(n.Content); i += 2 {
				k, v := n.Content[i], n.Content[i+1]
				if v.Kind == yaml.ScalarNode && secretKey.MatchString(k.Value) {
					if strings.Contains(v.Value, secretMarker) && strings.Count(text, v.Value) == 1 {
						out = append(out, v.Value)
					}
					if strings.Contains(v.Value, "${SECRET_ENV") && strings.Count(text, "SECRET_ENV") == 1 && !strings.Contains(text, envSecret) {
						out = append(out, envSecret)
					}
				}
				walk(v, depth+1)
			}
		case yaml.DocumentNode, yaml.SequenceNode:
			for _, ch := range n.Content {
				walk(ch, depth+1)
			}
		}
	}
	walk(&root, 0)
	return out
}
