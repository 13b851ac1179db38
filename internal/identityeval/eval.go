package identityeval

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
)

// Options choose what Evaluate runs.
type Options struct {
	Seed   uint64
	People int
	// Orders is the number of runs besides the baseline that sync every
	// record once, each system listing in another random order.
	Orders int
	// Splits is the number of runs whose records become visible over one
	// to five syncs, each sync showing what the previous one did and more.
	Splits int
	// ReadBack times the baseline's read-back through the GraphQL API.
	ReadBack bool
	// HonestPaging makes the systems answer every page in full, as many
	// records as asked: a diagnostic that takes paging out of the
	// figures. The test never sets it.
	HonestPaging bool
	// Dir holds the runs' embedded stores.
	Dir string
	// Log receives the gateways' logs; none when nil.
	Log *slog.Logger
	// Profile wraps the baseline's sync and read-back (see RunOptions).
	Profile func(phase string, run func() error) error
	// Progress, when set, hears of each run as it ends.
	Progress func(msg string)
}

// Run is one run of an evaluation, scored.
type Run struct {
	Name    string
	Outcome *Outcome
	Score   *Score
	// Differ counts the records whose grouping is not the baseline's.
	Differ int
}

// Result is an evaluation: the population's shape and its runs, the
// baseline (one sync of every record in generation order) first.
type Result struct {
	Seed uint64
	// HonestPaging is the option the systems ran with.
	HonestPaging bool
	People       int
	Records      int
	BySystem     map[string]int
	Promised     int
	// Traps counts instances and people by trap class.
	Traps map[string]*TrapCount
	Runs  []*Run
}

// TrapCount is how many instances of a trap class and people in them.
type TrapCount struct{ Instances, People int }

// Baseline is the one-sync run of every record.
func (r *Result) Baseline() *Run { return r.Runs[0] }

// Evaluate generates the population, serves it, and runs the baseline,
// the order runs and the split runs, each on a fresh gateway and store.
func Evaluate(ctx context.Context, o Options) (*Result, error) {
	h := NewHarness(o.Seed, o.People, o.Dir, o.HonestPaging)
	defer h.Close()
	h.Log = o.Log
	pop := h.Pop
	res := &Result{Seed: o.Seed, HonestPaging: o.HonestPaging, People: len(pop.People), Records: len(pop.Records), BySystem: map[string]int{},
		Traps: map[string]*TrapCount{}}
	for _, s := range h.Systems {
		res.BySystem[s.Name] = s.Len()
	}
	for _, t := range pop.Traps {
		c := res.Traps[t.Class]
		if c == nil {
			c = &TrapCount{}
			res.Traps[t.Class] = c
		}
		c.Instances++
		c.People += len(t.People)
	}
	promised := pop.Promised()
	res.Promised = len(promised)

	rng := rand.New(rand.NewPCG(o.Seed, 0x5eed)) //nolint:gosec // G404: orders and splits follow the seed on purpose
	type plan struct {
		name  string
		steps []Step
	}
	plans := []plan{{name: "single", steps: []Step{{}}}}
	for i := range o.Orders {
		plans = append(plans, plan{name: fmt.Sprintf("order %d", i+1), steps: []Step{{Order: rng.Uint64() | 1}}})
	}
	for i := range o.Splits {
		plans = append(plans, plan{name: fmt.Sprintf("split %d", i+1), steps: splitSteps(rng, len(pop.Records))})
	}
	for i, p := range plans {
		ro := RunOptions{}
		if i == 0 {
			ro = RunOptions{ReadBack: o.ReadBack, Profile: o.Profile}
		}
		out, err := h.Run(ctx, p.steps, ro)
		if err != nil {
			return nil, fmt.Errorf("run %s: %w", p.name, err)
		}
		run := &Run{Name: p.name, Outcome: out, Score: scorePartition(pop, promised, out.Customer)}
		if i > 0 {
			run.Differ = differingRecords(res.Runs[0].Outcome.Customer, out.Customer)
		}
		res.Runs = append(res.Runs, run)
		if o.Progress != nil {
			o.Progress(fmt.Sprintf("%s: %d syncs, %d false pairs, recall %.4f", p.name, len(p.steps), run.Score.FalsePairs, run.Score.Recall()))
		}
	}
	return res, nil
}

// splitSteps spreads n records over one to five syncs: each record is
// drawn a sync from which on it is visible, each sync lists in its own
// order, and the last shows every record.
func splitSteps(rng *rand.Rand, n int) []Step {
	k := 1 + rng.IntN(5)
	from := make([]int, n)
	for i := range from {
		from[i] = rng.IntN(k)
	}
	steps := make([]Step, k)
	for s := range steps {
		steps[s] = Step{Visible: func(id int) bool { return from[id] <= s }, Order: rng.Uint64() | 1}
	}
	return steps
}

// Lost is the records a run's syncs did not read: for each sync, those
// the systems showed and the sync did not report reading, summed.
func (r *Run) Lost() int {
	n := 0
	for _, s := range r.Outcome.Syncs {
		n += max(0, s.Visible-s.Report.Records)
	}
	return n
}
