// Package identityeval is an accuracy harness for identity linking that is
// independent of the demo's population and of the identity package's own
// tests. It owns:
//
//   - a labelled population (Generate): French and American people with
//     records in one to four systems, written with the noise a real
//     integrator's data has (which must still link) and with trap classes
//     (couples sharing an inbox, recycled numbers, placeholders typed by
//     staff, role inboxes, common names, near-identical values, nameless
//     bridges, namesakes sharing an e-mail) which must not link; and the
//     pairs the documentation promises to join (Promised);
//   - four channel systems (Systems) served over HTTP with their own JSON
//     shapes and paging styles (cursor, page number, offset, Link header),
//     page caps and short pages, whose visible records and listing order
//     the harness sets;
//   - a runner that wires them to a gateway by configuration only
//     (testdata/harmony.yaml: four rest connectors, the embedded store),
//     runs the real identity sync one or more times, and reads the
//     resulting partition back from the profile store;
//   - scoring (false merges per trap class, recall on promised pairs,
//     precision, partition differences between runs) and, at scale, the
//     sync's time and memory and the read-back time through the GraphQL API.
//
// TestAccuracy runs it at the small size; `make identity-eval` runs the
// full size and the scale figures (see docs/identity-eval.md).
package identityeval
