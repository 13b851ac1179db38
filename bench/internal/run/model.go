package run

import "time"

// Report is what one run measured; it is written to bench/results.
type Report struct {
	StartedAt   time.Time `json:"started_at"`
	GoVersion   string    `json:"go_version"`
	CPUs        int       `json:"cpus"`
	People      int       `json:"people"`
	DurationSec float64   `json:"phase_seconds"`
	// Store says what served the profile store.
	Store   string   `json:"store"`
	StoreMS float64  `json:"store_latency_ms"`
	Skipped []string `json:"skipped_connectors"`
	// Latencies are the injected upstream latencies of each profile, in ms.
	Latencies map[string]map[string]float64 `json:"latency_profiles_ms"`
	// UpstreamKB is what one run of each operation read from upstreams.
	UpstreamKB []OpBytes    `json:"upstream_answers"`
	Rows       []Row        `json:"rows"`
	Throughput []Throughput `json:"throughput"`
	RSS50MB    float64      `json:"peak_rss_50_concurrent_mb"`
	// RSS50FileMB is the part of the RSS mapped from files (the executable)
	// at the end of that phase; the rest is heap, stacks and runtime.
	RSS50FileMB float64 `json:"rss_50_concurrent_file_mb"`
	// IdleCPUMSPerS is the gateway's CPU time per second while idle: at low
	// rates it weighs on CPU µs/op.
	IdleCPUMSPerS float64 `json:"gateway_idle_cpu_ms_per_s"`
	// IdleRSSMB is the gateway's RSS once started, before any operation.
	IdleRSSMB float64 `json:"gateway_idle_rss_mb"`
	// GatewayMemLimit is the gateway's GOMEMLIMIT when the run set one.
	GatewayMemLimit string     `json:"gateway_gomemlimit,omitempty"`
	LoaderWait      LoaderWait `json:"loader_wait"`
	Targets         []Target   `json:"targets"`
	Notes           []string   `json:"notes"`
}

// Row is one measured phase: an operation under a latency profile at a
// number of clients, through the gateway or the bare fan-out.
type Row struct {
	Profile string  `json:"profile"`
	Op      string  `json:"operation"`
	Clients int     `json:"clients"`
	Via     string  `json:"via"` // "gateway" or "bare"
	Rate    float64 `json:"offered_rps"`
	RPS     float64 `json:"rps"`
	Done    int     `json:"done"`
	Errors  int     `json:"errors"`
	P50MS   float64 `json:"p50_ms"`
	P95MS   float64 `json:"p95_ms"`
	P99MS   float64 `json:"p99_ms"`
	// UpstreamPerOp is the requests the simulators served per operation;
	// MaxPerRoute the most of any one (system, route) pair.
	UpstreamPerOp float64            `json:"upstream_calls_per_op"`
	MaxPerRoute   float64            `json:"max_calls_per_route_per_op"`
	Routes        map[string]float64 `json:"calls_per_route_per_op"`
	StorePerOp    float64            `json:"store_round_trips_per_op"`
	// StoreTripMS is what one store round trip took on average: more than
	// its latency when timers fire late.
	StoreTripMS float64 `json:"store_round_trip_ms,omitempty"`
	// SlowestMS is the slowest upstream the operation calls, in this
	// profile; Ratio is P50MS ÷ SlowestMS (0 when SlowestMS is 0).
	SlowestMS float64 `json:"slowest_upstream_ms"`
	Ratio     float64 `json:"p50_over_slowest"`
	// OverBare is this p50 ÷ the bare fan-out's p50 in the same phase.
	OverBare  float64 `json:"p50_over_bare"`
	CPUPerOp  float64 `json:"gateway_cpu_us_per_op"`
	PeakRSSMB float64 `json:"gateway_peak_rss_mb"`
	// Batches are the gateway's loader batches per operation by what
	// closed them (hold: sent as soon as the resolver that issued the keys
	// was done; idle, max: a timer), with their mean wait from the last key.
	Batches map[string]BatchWait `json:"loader_batches_per_op,omitempty"`
}

// BatchWait is the batches one cause closed, per operation, and their mean
// wait after the last key.
type BatchWait struct {
	PerOp      float64 `json:"per_op"`
	MeanWaitMS float64 `json:"mean_wait_ms"`
}

// OpBytes is the upstream calls one run of an operation made and the size
// of their answers.
type OpBytes struct {
	Op    string  `json:"operation"`
	Calls int     `json:"calls"`
	KB    float64 `json:"kb"`
}

// Throughput is the most an operation sustained with 10 closed-loop
// workers and 0 ms upstreams.
type Throughput struct {
	Op       string  `json:"operation"`
	Gateway  float64 `json:"gateway_rps"`
	Bare     float64 `json:"bare_rps"`
	Ratio    float64 `json:"ratio"`
	CPUPerOp float64 `json:"gateway_cpu_us_per_op"`
	Errors   int     `json:"errors"`
}

// LoaderWait is how long a batch waited after its last key before it was
// sent, measured on the real loaders in process.
type LoaderWait struct {
	Samples  int     `json:"samples"`
	P50MS    float64 `json:"p50_ms"`
	P99MS    float64 `json:"p99_ms"`
	LevelsOf string  `json:"levels"`
}

// Target is one of issue 7's targets and whether the run met it.
type Target struct {
	Measure string `json:"measure"`
	Target  string `json:"target"`
	Value   string `json:"value"`
	Met     bool   `json:"met"`
}
