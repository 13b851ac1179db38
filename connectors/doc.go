// Package connectors is Harmony's public connector SDK: the one package an
// integrator imports to teach the gateway a new channel system.
//
// A connector kind registers itself from an init function, Caddy style:
//
//	func init() {
//		connectors.MustRegister(connectors.Kind{
//			ID:  "acme",
//			Doc: "ACME helpdesk REST API",
//			New: func() connectors.Connector { return new(Conn) },
//		})
//	}
//
// The gateway builds each configured instance in a fixed order (see Build):
// New (no side effects), a strict decode of the instance's `config:` block
// into the returned value, Provision, Validate. Close releases what Provision
// acquired. The block comes as a Decoder, the SDK's own interface: a kind
// names no type of the YAML library, and a part it reads itself (a query
// document) is a Value.
//
// A gateway with kinds of one's own is a main that imports them and calls
// harmonycmd.Main (see examples/echo in the repository).
//
// A connector implements only the capabilities its system has, each a small
// batch-first interface (ProfileSource, ProfileLister, OrderSource,
// InteractionSource): out[i] always answers keys[i]. ProfileFinder, the
// identifier lookup, is batched too but answers every matching record,
// unaligned. The gateway wraps every
// instance in a guard that dedupes and chunks keys, applies timeouts,
// recovers panics, checks alignment and records metrics, so connector code is
// the upstream call alone.
//
// This package never imports the gateway's internals.
package connectors
