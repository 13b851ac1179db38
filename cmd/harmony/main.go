// Command harmony is the Harmony gateway. With no arguments it runs the
// embedded demo; see `harmony help`. It is harmonycmd.Main with the
// built-in connector kinds: a build with kinds of one's own is the same
// one line (see package harmonycmd).
package main

import "github.com/harmonyhq/harmony/harmonycmd"

func main() { harmonycmd.Main() }
