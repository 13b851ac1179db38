// Package harmonycmd is Harmony's command line as a library: Main is the
// whole `harmony` program, with the built-in connector kinds registered.
//
// An integrator who writes a connector kind in a module of their own builds
// a gateway that has it by importing their kind's package (whose init calls
// connectors.MustRegister) beside this one and calling Main, the way a Caddy
// build calls caddycmd.Main:
//
//	package main
//
//	import (
//		_ "example.com/acme/harmonyacme" // registers the kind "acme"
//		"github.com/harmonyhq/harmony/harmonycmd"
//	)
//
//	func main() { harmonycmd.Main() }
//
// The result is the harmony binary, every command included; `harmony
// connectors list` lists the kind and a configuration may use it. The
// repository's examples/echo is such a module, built by this package's
// tests.
package harmonycmd
