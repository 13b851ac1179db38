package run

import (
	"fmt"
	"strings"
)

// The scaling check's thresholds. A step from w to w' workers is honest
// when the bare fan-out's throughput grows by at least minEfficiency of
// the ideal w'/w, or when the bench's own processes (the load generator
// and its bare fan-out, the upstreams) saturated the cores (used
// saturatedShare of them) during the larger step and throughput held
// (fell by less than maxFall): then the bound is the machine's CPU, which
// every contender shares, and not a cap of one upstream. Other work on the
// machine takes cores the bench cannot then use: the check fails rather
// than call that saturation.
const (
	minEfficiency  = 0.5
	saturatedShare = 0.8
	maxFall        = 0.2
)

// scalingOf is the check of op's bare fan-out under profile, from the
// report's closed-loop bare rows at scalingWorkers.
func scalingOf(r *Report, profile, op string) Scaling {
	var rows []Row
	for _, w := range scalingWorkers {
		if row, ok := r.row(profile, op, Closed, w, ViaBare); ok {
			rows = append(rows, row)
		}
	}
	return scalingFrom(profile, op, rows, r.CPUs)
}

// scalingFrom is the check of a bare fan-out's closed-loop rows, in
// growing numbers of workers.
func scalingFrom(profile, op string, rows []Row, cores int) Scaling {
	s := Scaling{Profile: profile, Op: op, Cores: cores}
	for _, row := range rows {
		w := row.Clients
		s.Workers = append(s.Workers, w)
		s.RPS = append(s.RPS, row.RPS)
		s.UpstreamCPU = append(s.UpstreamCPU, row.UpstreamCPU)
		s.MachineBusy = append(s.MachineBusy, row.MachineBusy)
		s.OwnCores = append(s.OwnCores, row.OwnCores)
		s.SlowestMS = row.SlowestMS
	}
	s.Valid, s.Verdict = judgeScaling(s)
	return s
}

// judgeScaling says whether every step of s scales, and why not.
func judgeScaling(s Scaling) (bool, string) {
	if len(s.Workers) < 2 {
		return false, "not measured"
	}
	var why []string
	for i := 1; i < len(s.Workers); i++ {
		w0, w1 := s.Workers[i-1], s.Workers[i]
		if s.RPS[i-1] <= 0 {
			why = append(why, fmt.Sprintf("no throughput at %d workers", w0))
			continue
		}
		growth := s.RPS[i] / s.RPS[i-1]
		ideal := float64(w1) / float64(w0)
		saturated := s.Cores > 0 && s.OwnCores[i] >= saturatedShare*float64(s.Cores)
		switch {
		case growth >= minEfficiency*ideal:
		case saturated && growth >= 1-maxFall:
		default:
			step := fmt.Sprintf("%d→%d workers: ×%.2f (ideal ×%.0f), the bench and upstreams using %.2f of %d cores, the machine %.0f%% busy",
				w0, w1, growth, ideal, s.OwnCores[i], s.Cores, 100*s.MachineBusy[i])
			if !saturated && s.MachineBusy[i] >= saturatedShare {
				step += " (other work held the cores: run on a quiet machine)"
			}
			why = append(why, step)
		}
	}
	if len(why) > 0 {
		return false, "does not scale: " + strings.Join(why, "; ")
	}
	return true, "scales"
}

// scalingValid reports whether every scaling check of r passed.
func (r *Report) scalingValid() bool {
	for _, s := range r.Scaling {
		if !s.Valid {
			return false
		}
	}
	return len(r.Scaling) > 0
}

// row finds a row.
func (r *Report) row(profile, op, mode string, clients int, via string) (Row, bool) {
	for _, row := range r.Rows {
		if row.Profile == profile && row.Op == op && row.Load == mode && row.Clients == clients && row.Via == via {
			return row, true
		}
	}
	return Row{}, false
}
