// Package testenv tells tests where the local services they need run:
// PostgreSQL, Redis and NATS. Every test that needs one asks here, so that
// they are found the same way everywhere:
//
//   - PostgreSQL: HARMONY_TEST_POSTGRES_DSN, else
//     postgres://postgres@127.0.0.1:5432/postgres (trust auth), checked by
//     logging in;
//   - Redis: HARMONY_TEST_REDIS_ADDR, else 127.0.0.1:6379, checked with a
//     PING;
//   - NATS: HARMONY_TEST_NATS_URL, else nats://127.0.0.1:4222 when a server
//     answers there, else a server started in this test process (the
//     nats-server module), so NATS is never missing;
//     HARMONY_TEST_NATS_URL=in-process always starts one.
//
// A service that is not reachable skips the test that needs it, unless CI
// is set (CI runs every service: there a missing one fails the test). Each
// skip is also appended to a file in the directory HARMONY_TEST_SKIPS
// names, so that `make test` can end with one summary line naming the
// missing services (scripts/test-services.sh summary).
//
// Each service is probed once per test process.
package testenv
