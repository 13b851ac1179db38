// Package gateway is the gateway the benchmark runs as a child process: the
// demo configuration's connectors behind the real guard, loaders,
// resolvers and server, with the profile store replaced by the in-memory
// memstore (fixed latency per round trip) and the point of sale left out
// (its SQLite backend has no latency knob and no request counter). It adds
// two loopback endpoints for the benchmark only: /_bench/record, which
// captures the upstream HTTP requests of the next operations (the bare
// fan-out baseline replays them), /_bench/stats, the store's round
// trips, and /debug/pprof/ for go tool pprof.
package gateway
