// Package importrules holds the test that keeps the dependencies straight,
// the same rules as .golangci.yml's depguard section, checked by `go test`
// so that a change breaking them fails without the linter:
//
//   - connectors/, the public SDK, never imports internal/, graph/ or
//     resolvers/ (its tests may: they find local services through
//     internal/testenv);
//   - domain packages, internal/* but internal/app (the wiring) and
//     internal/server (the GraphQL transport), never import graph/ or
//     resolvers/: they answer with their own types, which resolvers map
//     onto the GraphQL models.
package importrules

// Module is the module whose packages the rules name.
const Module = "github.com/harmonyhq/harmony"

// Rule forbids the packages under From (directories relative to the module
// root) to import the packages under Deny, Except directories aside.
type Rule struct {
	Name   string
	From   string
	Except []string
	Deny   []string
	Why    string
}

// Rules are the import rules.
var Rules = []Rule{
	{
		Name: "sdk-stays-public",
		From: "connectors",
		Deny: []string{"internal", "graph", "resolvers"},
		Why:  "connectors is the public SDK: integrators cannot import the gateway's internals, and it must not depend on the schema",
	},
	{
		Name:   "domain-below-graph",
		From:   "internal",
		Except: []string{"internal/app", "internal/server"},
		Deny:   []string{"graph", "resolvers"},
		Why:    "domain packages answer with their own types; resolvers map them onto the GraphQL models",
	},
}

// Check returns the rules that a non-test file in dir (relative to the
// module root, with slashes) breaks by importing path.
func Check(dir, path string) []Rule {
	var broken []Rule
	for _, r := range Rules {
		if !under(dir, r.From) {
			continue
		}
		exempt := false
		for _, e := range r.Except {
			exempt = exempt || under(dir, e)
		}
		if exempt {
			continue
		}
		for _, d := range r.Deny {
			if under(path, Module+"/"+d) {
				broken = append(broken, r)
				break
			}
		}
	}
	return broken
}

// under reports whether path is dir or below it.
func under(path, dir string) bool {
	return path == dir || len(path) > len(dir) && path[:len(dir)] == dir && path[len(dir)] == '/'
}
