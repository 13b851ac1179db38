package identityeval

import (
	"runtime/metrics"
	"sync"
	"time"
)

// Memory is what a sampler saw of the process's memory while it ran. The
// process holds the systems, the embedded store and the gateway: the
// figures are the harness's whole, not the sync's alone.
type Memory struct {
	// StartHeap is the heap when sampling started: what the population,
	// the systems and the idle gateway hold.
	StartHeap uint64
	// PeakHeap is the most heap held by live and not yet swept objects.
	PeakHeap uint64
	// PeakTotal is the most memory the Go runtime had mapped.
	PeakTotal uint64
	// MaxRSS is the process's peak resident set since it started, 0 where
	// unknown.
	MaxRSS uint64
}

// sampler polls the runtime's memory metrics until stopped.
type sampler struct {
	stop chan struct{}
	wg   sync.WaitGroup
	mem  Memory
}

var memMetrics = []string{"/memory/classes/heap/objects:bytes", "/memory/classes/total:bytes"}

// sampleMemory starts a sampler polling every interval.
func sampleMemory(interval time.Duration) *sampler {
	s := &sampler{stop: make(chan struct{})}
	samples := make([]metrics.Sample, len(memMetrics))
	for i, name := range memMetrics {
		samples[i].Name = name
	}
	read := func() {
		metrics.Read(samples)
		if v := samples[0].Value; v.Kind() == metrics.KindUint64 {
			s.mem.PeakHeap = max(s.mem.PeakHeap, v.Uint64())
		}
		if v := samples[1].Value; v.Kind() == metrics.KindUint64 {
			s.mem.PeakTotal = max(s.mem.PeakTotal, v.Uint64())
		}
	}
	read()
	s.mem.StartHeap = s.mem.PeakHeap
	s.wg.Go(func() {
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			select {
			case <-s.stop:
				read()
				return
			case <-t.C:
				read()
			}
		}
	})
	return s
}

// Stop ends the sampling and returns the peaks.
func (s *sampler) Stop() Memory {
	close(s.stop)
	s.wg.Wait()
	s.mem.MaxRSS = maxRSS()
	return s.mem
}
