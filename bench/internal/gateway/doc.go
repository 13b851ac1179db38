// Package gateway is the gateway the benchmark runs as a child process
// (`harmony-bench gateway --config FILE`): a configuration's connectors
// behind the real guard, loaders, resolvers and server, with the profile
// store replaced by the in-memory memstore (fixed latency per round trip).
// It adds loopback endpoints for the benchmark only: /_bench/record, which
// captures the upstream HTTP requests and sql reads of the next operations
// (the bare fan-out baseline replays them), /_bench/stats, the store's
// round trips and the loaders' batches, and /debug/pprof/ for go tool
// pprof. `harmony serve` is measured beside it, as shipped.
package gateway
