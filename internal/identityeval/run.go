package identityeval

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/harmonyhq/harmony/internal/identity"
)

// Harness is a population served by its four systems. Its runs use the
// systems one at a time: each run sets what they show.
type Harness struct {
	Pop     *Population
	Systems []*System
	// Dir holds each run's embedded store, in a directory of its own.
	Dir string
	// Log receives the gateways' logs; none when nil.
	Log *slog.Logger

	runs int
}

// NewHarness generates the population and starts its systems (honest:
// see NewSystems). Close it when done.
func NewHarness(seed uint64, people int, dir string, honest bool) *Harness {
	pop := Generate(seed, people)
	return &Harness{Pop: pop, Systems: NewSystems(pop, honest), Dir: dir}
}

// Close stops the systems.
func (h *Harness) Close() {
	for _, s := range h.Systems {
		s.Close()
	}
}

// Step is one sync of a run: the records the systems show and the seed of
// their listing order.
type Step struct {
	// Visible says which records (by ID) the systems show; all when nil.
	Visible func(id int) bool
	// Order shuffles each system's listing; generation order when 0.
	Order uint64
}

// SyncFigures is what one sync read and cost.
type SyncFigures struct {
	Visible  int // records the systems showed
	Answered int // distinct records the systems answered
	Systems  []SystemFigures
	Report   identity.Report // Report.Records: the records the sync read
	Duration time.Duration
	Memory   Memory
}

// SystemFigures is what one system showed and answered in one sync.
type SystemFigures struct {
	Name              string
	Visible, Answered int
	Pages             int // listing requests served
}

// Outcome is what a run left in its store.
type Outcome struct {
	// Customer is, by record ID, the customer the record's native key
	// resolves to; "" when the store does not know the record.
	Customer []string
	Syncs    []SyncFigures
	// ReadBack is the GraphQL read-back, when asked.
	ReadBack *ReadBack
}

// RunOptions tune a run.
type RunOptions struct {
	// ReadBack reads every record's customer back through the GraphQL
	// API after the last sync, and times it.
	ReadBack bool
	// Profile, when set, wraps the phases named "sync" and "readback".
	Profile func(phase string, run func() error) error
}

// Run syncs the steps in order on a gateway with a fresh embedded store,
// then reads the partition back from the store.
func (h *Harness) Run(ctx context.Context, steps []Step, o RunOptions) (*Outcome, error) {
	h.runs++
	dir := filepath.Join(h.Dir, "run-"+strconv.Itoa(h.runs))
	gw, err := startGateway(ctx, h.Systems, dir, h.Log)
	if err != nil {
		return nil, err
	}
	defer func() {
		gw.Close(context.WithoutCancel(ctx))
		_ = os.RemoveAll(dir)
	}()
	profile := o.Profile
	if profile == nil {
		profile = func(_ string, run func() error) error { return run() }
	}
	out := &Outcome{}
	for i, st := range steps {
		var fig SyncFigures
		for _, s := range h.Systems {
			s.SetView(st.Visible, st.Order)
			fig.Visible += s.Visible()
		}
		mem := sampleMemory(20 * time.Millisecond)
		start := time.Now()
		err := profile("sync", func() error {
			var err error
			fig.Report, err = gw.Linker.Sync(ctx)
			return err
		})
		fig.Duration = time.Since(start)
		fig.Memory = mem.Stop()
		if err != nil {
			return nil, fmt.Errorf("sync %d: %w", i+1, err)
		}
		for _, s := range h.Systems {
			n, pages := s.Answered()
			fig.Answered += n
			fig.Systems = append(fig.Systems, SystemFigures{Name: s.Name, Visible: s.Visible(), Answered: n, Pages: pages})
		}
		out.Syncs = append(out.Syncs, fig)
	}
	if out.Customer, err = readPartition(ctx, gw.Store, h.Pop); err != nil {
		return nil, err
	}
	if o.ReadBack {
		err := profile("readback", func() error {
			var err error
			out.ReadBack, err = readBack(ctx, gw.Handler, h.Pop, out.Customer)
			return err
		})
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}
