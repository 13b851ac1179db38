// Package clustertest holds the cross-replica end-to-end test: the
// production topology in miniature, started from Go with real processes.
//
//   - `harmony store serve` over PostgreSQL: one MongoDB-wire store shared
//     by the replicas (a database of the test's own, dropped at the end);
//   - three `harmony serve` processes, built from this tree, on their own
//     ports, with Redis for the connectors' cache and the rate limits and
//     NATS for the bus (internal/testenv finds them; NATS runs in the test
//     process when none answers);
//   - the demo's six channel simulators, in the test process.
//
// It proves, across replicas: a webhook received by one reaches a
// subscriber of another; a merge made on one is seen by the others at
// once; rate limits are one budget; an erasure purges every replica's
// caches; and a replica killed with SIGKILL under a stream of signed
// webhooks loses no acknowledged event while the other two keep
// answering. docs/deploy.md maps it to the production topology.
//
// The test skips, loudly, when PostgreSQL or Redis is missing (it fails on
// CI, as internal/testenv does).
package clustertest
