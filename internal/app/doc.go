// Package app wires the gateway together from a configuration: the profile
// store (embedded or MongoDB), the guarded connectors, identity linking, the
// resolvers and the HTTP surface, and runs it until its context ends.
package app
