// Command echo is a Harmony gateway with an integrator's own connector kind,
// acme_echo, built in a module of its own: the kind registers itself from
// init, and main is harmonycmd.Main. `echo connectors list` lists it beside
// the built-in kinds. See docs/connectors.md.
package main

import (
	"github.com/harmonyhq/harmony/connectors"
	"github.com/harmonyhq/harmony/harmonycmd"
)

type echo struct{}

func (echo) Close() error { return nil }

func init() {
	connectors.MustRegister(connectors.Kind{ID: "acme_echo", Doc: "an integrator's own kind", New: func() connectors.Connector { return echo{} }})
}

func main() { harmonycmd.Main() }
