package kpi

import (
	"cmp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Score is one survey answer.
type Score struct {
	Value int
	// At is when it was given: the interaction's resolution time when it
	// has one (a satisfaction survey follows the close), else its time.
	At            time.Time
	Source        string
	InteractionID string
}

// Tally is a count of scores and their sum.
type Tally struct {
	N   int
	Sum int
}

func (t *Tally) add(v int) { t.N++; t.Sum += v }

// Merge adds o's scores to t.
func (t *Tally) Merge(o Tally) { t.N += o.N; t.Sum += o.Sum }

// Mean is Sum / N, false when there is no score.
func (t Tally) Mean() (float64, bool) {
	if t.N == 0 {
		return 0, false
	}
	return float64(t.Sum) / float64(t.N), true
}

// Scores are the answers to one survey question, with their trend.
type Scores struct {
	// All is every answer, newest first (ties: source, then interaction
	// ID, descending).
	All []Score
	// Recent holds the answers of the last TrendWindow before Options.Now,
	// Previous those of the TrendWindow before that: (now-90d, now] and
	// (now-180d, now-90d].
	Recent, Previous Tally
}

// Latest is the newest answer, nil when there is none.
func (s *Scores) Latest() *Score {
	if len(s.All) == 0 {
		return nil
	}
	return &s.All[0]
}

// Total is the tally of every answer.
func (s *Scores) Total() Tally {
	var t Tally
	for _, sc := range s.All {
		t.add(sc.Value)
	}
	return t
}

// Trend is the mean of the last period minus the mean of the one before,
// false unless both periods have an answer.
func (s *Scores) Trend() (float64, bool) {
	r, ok1 := s.Recent.Mean()
	p, ok2 := s.Previous.Mean()
	if !ok1 || !ok2 {
		return 0, false
	}
	return r - p, true
}

// scores reads the integer answers lo to hi held in attribute attr; other
// values are ignored. Without a clock, Recent and Previous stay empty.
func scores(its []Interaction, attr string, lo, hi int, now time.Time) Scores {
	var s Scores
	for i := range its {
		it := &its[i]
		raw, ok := it.Attributes[attr]
		if !ok {
			continue
		}
		v, err := strconv.Atoi(strings.TrimSpace(raw))
		if err != nil || v < lo || v > hi {
			continue
		}
		at := it.OccurredAt
		if !it.ResolvedAt.IsZero() {
			at = it.ResolvedAt
		}
		s.All = append(s.All, Score{Value: v, At: at, Source: it.Source, InteractionID: it.ID})
	}
	slices.SortFunc(s.All, func(a, b Score) int {
		return cmp.Or(b.At.Compare(a.At), cmp.Compare(b.Source, a.Source), cmp.Compare(b.InteractionID, a.InteractionID))
	})
	if now.IsZero() {
		return s
	}
	for _, sc := range s.All {
		switch age := now.Sub(sc.At); {
		case age < 0:
			// After the computation time: in no period.
		case age < TrendWindow:
			s.Recent.add(sc.Value)
		case age < 2*TrendWindow:
			s.Previous.add(sc.Value)
		}
	}
	return s
}

// Answers are the CSAT and NPS answers found in the interactions, each
// newest first: the same reading as Calculate's, without the rest.
func Answers(its []Interaction) (csat, nps []Score) {
	return scores(its, AttrCSAT, 1, 5, time.Time{}).All, scores(its, AttrNPS, 0, 10, time.Time{}).All
}
