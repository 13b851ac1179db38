package run

import "time"

// Report is what one run measured; it is written to bench/results.
type Report struct {
	StartedAt   time.Time `json:"started_at"`
	GoVersion   string    `json:"go_version"`
	CPUs        int       `json:"cpus"`
	People      int       `json:"people"`
	DurationSec float64   `json:"phase_seconds"`
	// Store says what served the bench gateway's profile store.
	Store   string  `json:"store"`
	StoreMS float64 `json:"store_latency_ms"`
	// Latencies are the injected upstream latencies of each profile, in ms.
	Latencies map[string]map[string]float64 `json:"latency_profiles_ms"`
	// UpstreamKB is what one run of each operation read from upstreams.
	UpstreamKB []OpBytes `json:"upstream_answers"`
	Rows       []Row     `json:"rows"`
	// Scaling is the instrument's check: the bare fan-out's throughput as
	// workers grow.
	Scaling []Scaling `json:"scaling"`
	RSS50MB float64   `json:"peak_rss_50_concurrent_mb"`
	// RSS50FileMB is the part of the RSS mapped from files (the executable)
	// at the end of that phase; the rest is heap, stacks and runtime.
	RSS50FileMB float64 `json:"rss_50_concurrent_file_mb"`
	// IdleCPUMSPerS is the gateway child's CPU time per second while idle.
	IdleCPUMSPerS float64 `json:"gateway_idle_cpu_ms_per_s"`
	// IdleRSSMB is the gateway child's RSS once started, before any
	// operation.
	IdleRSSMB float64 `json:"gateway_idle_rss_mb"`
	// Serve is `harmony serve` on the demo configuration.
	Serve ServeReport `json:"serve"`
	// Peer is the comparison with bramble and the bare fan-out.
	Peer PeerReport `json:"peer"`
	// GatewayMemLimit is the gateway's GOMEMLIMIT when the run set one.
	GatewayMemLimit string     `json:"gateway_gomemlimit,omitempty"`
	LoaderWait      LoaderWait `json:"loader_wait"`
	Targets         []Target   `json:"targets"`
	Notes           []string   `json:"notes"`
}

// Load models.
const (
	// Closed: N workers, each issuing the next operation when the last
	// answered: N requests in flight.
	Closed = "closed"
	// Open: operations leave on a fixed schedule whatever the answers.
	Open = "open"
)

// Row is one measured phase: an operation under a latency profile with a
// load, through the gateway or the bare fan-out.
type Row struct {
	Profile string `json:"profile"`
	Op      string `json:"operation"`
	// Load is Closed (Clients in flight) or Open (Rate per second).
	Load    string  `json:"load"`
	Clients int     `json:"clients"`
	Via     string  `json:"via"` // "gateway" or "bare"
	Rate    float64 `json:"offered_rps,omitempty"`
	RPS     float64 `json:"rps"`
	Done    int     `json:"done"`
	Errors  int     `json:"errors"`
	P50MS   float64 `json:"p50_ms"`
	P95MS   float64 `json:"p95_ms"`
	P99MS   float64 `json:"p99_ms"`
	// UpstreamPerOp is the requests (statements for the point of sale) the
	// upstreams served per operation; MaxPerRoute the most of any one
	// (system, route) pair.
	UpstreamPerOp float64            `json:"upstream_calls_per_op"`
	MaxPerRoute   float64            `json:"max_calls_per_route_per_op"`
	Routes        map[string]float64 `json:"calls_per_route_per_op"`
	// Calls are a Harmony gateway's own upstream calls per operation by
	// "connector capability" (harmony_connector_requests_total, one per
	// batch chunk); MaxPerCapability the most of any one. The point of
	// sale counts every statement under one route, so this is where its
	// calls per capability show.
	Calls            map[string]float64 `json:"gateway_calls_per_capability_per_op,omitempty"`
	MaxPerCapability float64            `json:"max_gateway_calls_per_capability_per_op"`
	StorePerOp       float64            `json:"store_round_trips_per_op"`
	// StoreTripMS is what one store round trip took on average: more than
	// its latency when timers fire late.
	StoreTripMS float64 `json:"store_round_trip_ms,omitempty"`
	// SlowestMS is the slowest upstream the operation calls, in this
	// profile; Ratio is P50MS ÷ SlowestMS (0 when SlowestMS is 0).
	SlowestMS float64 `json:"slowest_upstream_ms"`
	Ratio     float64 `json:"p50_over_slowest"`
	// OverBare is this p50 ÷ the bare fan-out's p50 with the same load.
	OverBare  float64 `json:"p50_over_bare"`
	CPUPerOp  float64 `json:"gateway_cpu_us_per_op"`
	PeakRSSMB float64 `json:"gateway_peak_rss_mb"`
	// UpstreamCPU is the upstreams process's CPU time per second of the
	// phase (1000 is one core busy).
	UpstreamCPU float64 `json:"upstreams_cpu_ms_per_s"`
	// MachineBusy is the share of all the machine's cores that were busy
	// during the phase (any process, the bench's or not); OwnCores the
	// cores the bench, the upstreams and the measured gateway used.
	MachineBusy float64 `json:"machine_busy"`
	OwnCores    float64 `json:"own_cores"`
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
	Calls int     `json:"http_calls"`
	SQL   int     `json:"sql_reads"`
	KB    float64 `json:"http_kb"`
}

// Scaling is the bare fan-out of one operation at growing numbers of
// closed-loop workers, under one latency profile.
type Scaling struct {
	Profile string    `json:"profile"`
	Op      string    `json:"operation"`
	Workers []int     `json:"workers"`
	RPS     []float64 `json:"rps"`
	// UpstreamCPU is the upstreams process's CPU ms per second at each
	// step; MachineBusy the share of the machine's cores busy.
	UpstreamCPU []float64 `json:"upstreams_cpu_ms_per_s"`
	MachineBusy []float64 `json:"machine_busy"`
	// OwnCores are the cores the bench and the upstreams used at each
	// step, of Cores.
	OwnCores []float64 `json:"own_cores"`
	Cores    int       `json:"cores"`
	// SlowestMS is the slowest upstream the operation calls: no worker can
	// do better than 1000 ÷ SlowestMS operations a second.
	SlowestMS float64 `json:"slowest_upstream_ms"`
	Valid     bool    `json:"valid"`
	Verdict   string  `json:"verdict"`
}

// ServeReport is `harmony serve` as shipped (the embedded FerretDB store,
// audit on) on the demo configuration, beside the bench's gateway child
// over the in-memory store, both asked the customer 360 by e-mail at the
// same closed-loop concurrency with 0 ms upstreams.
type ServeReport struct {
	Store string `json:"store"`
	// IdleRSSMB is its RSS once ready, before any operation; RestRSSMB
	// after serving the phase below and 3 s at rest.
	IdleRSSMB     float64 `json:"idle_rss_mb"`
	RestRSSMB     float64 `json:"rest_rss_mb"`
	IdleCPUMSPerS float64 `json:"idle_cpu_ms_per_s"`
	Clients       int     `json:"clients"`
	Serve         Row     `json:"serve"`
	Child         Row     `json:"child"`
	// CPURatio is Serve.CPUPerOp ÷ Child.CPUPerOp: Serve measures the
	// read cache warm (every target read once before).
	CPURatio float64 `json:"cpu_ratio"`
	// ColdCPUPerOp is the CPU per operation of the pass that read each
	// target for the first time, one at a time; ColdCPURatio is it ÷
	// Child.CPUPerOp.
	ColdCPUPerOp float64 `json:"cold_cpu_us_per_op"`
	ColdCPURatio float64 `json:"cold_cpu_ratio"`
	ColdDone     int     `json:"cold_done"`
	ColdErrors   int     `json:"cold_errors"`
}

// LoaderWait is how long a batch waited after its last key before it was
// sent, measured on the real loaders in process.
type LoaderWait struct {
	Samples  int     `json:"samples"`
	P50MS    float64 `json:"p50_ms"`
	P99MS    float64 `json:"p99_ms"`
	LevelsOf string  `json:"levels"`
}

// Target is one measure of the summary table: its target (none for a
// figure shown for comparison), what the run measured and the verdict.
type Target struct {
	Group   string `json:"group"`
	Measure string `json:"measure"`
	Target  string `json:"target"`
	Value   string `json:"value"`
	// Verdict is "met", "not met", "-" (no target), "skipped: ..." or
	// "invalid: ..." (the instrument could not measure it honestly).
	Verdict string `json:"verdict"`
	Met     bool   `json:"met"`
}
