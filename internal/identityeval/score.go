package identityeval

import (
	"fmt"
	"slices"
)

// ClassOther is the false merges of people who are in no trap instance
// together: a merge nobody set up.
const ClassOther = "other"

// Score is a partition scored pairwise against the truth.
type Score struct {
	Records   int // records generated
	Linked    int // records the store knows (with a customer)
	Customers int
	// Pairs are pairs of records in one customer; TruePairs those of one
	// person; FalsePairs those of two people.
	Pairs, TruePairs, FalsePairs int
	// FalseByClass counts false pairs by the trap class both people are
	// in (ClassOther when they share no trap instance).
	FalseByClass map[string]int
	// Promised are the pairs the documentation promises to join, Joined
	// those in one customer.
	Promised, Joined int
	// OnePerson counts every pair of records of one person, promised or
	// not: TruePairs / OnePerson is the recall over all of them.
	OnePerson int
	// ByNoise counts promised and joined pairs by the noise of their
	// person's records (NoiseNone for people without any): a noisy record
	// can keep two clean ones apart, through a value all three hold.
	ByNoise map[string]*Counts
	// PeopleSplit counts people whose promised pairs are not all joined.
	PeopleSplit int
	// Examples are a few false merges, by system and native key.
	Examples []string
}

// Counts is promised pairs and how many of them are joined.
type Counts struct{ Promised, Joined int }

// Precision is the share of pairs in one customer that are one person.
func (s *Score) Precision() float64 { return ratio(s.TruePairs, s.Pairs) }

// Recall is the share of promised pairs that are joined.
func (s *Score) Recall() float64 { return ratio(s.Joined, s.Promised) }

func ratio(a, b int) float64 {
	if b == 0 {
		return 1
	}
	return float64(a) / float64(b)
}

// maxExamples bounds the false merges a score names.
const maxExamples = 8

// scorePartition scores customer (by record ID, "" when unknown) against
// the population and its promised pairs.
func scorePartition(pop *Population, promised []Pair, customer []string) *Score {
	s := &Score{Records: len(pop.Records), FalseByClass: map[string]int{}, ByNoise: map[string]*Counts{}}
	groups := map[string][]int{}
	var order []string
	for id, c := range customer {
		if c == "" {
			continue
		}
		s.Linked++
		if _, ok := groups[c]; !ok {
			order = append(order, c)
		}
		groups[c] = append(groups[c], id)
	}
	s.Customers = len(groups)
	for _, c := range order {
		members := groups[c]
		for i, a := range members {
			for _, b := range members[i+1:] {
				s.Pairs++
				pa, pb := pop.Records[a].Person, pop.Records[b].Person
				if pa == pb {
					s.TruePairs++
					continue
				}
				s.FalsePairs++
				class := ClassOther
				if ta := pop.People[pa].Trap; ta >= 0 && ta == pop.People[pb].Trap {
					class = pop.Traps[ta].Class
				}
				s.FalseByClass[class]++
				if len(s.Examples) < maxExamples {
					s.Examples = append(s.Examples, fmt.Sprintf("%s/%s and %s/%s (people %d and %d, %s)",
						pop.Records[a].System, pop.Records[a].Key, pop.Records[b].System, pop.Records[b].Key, pa, pb, class))
				}
			}
		}
	}
	for person := range pop.People {
		n := len(pop.RecordsOf(person))
		s.OnePerson += n * (n - 1) / 2
	}
	noiseOf := personNoise(pop)
	split := map[int]bool{}
	for _, p := range promised {
		joined := customer[p.A] != "" && customer[p.A] == customer[p.B]
		s.Promised++
		if joined {
			s.Joined++
		} else {
			split[pop.Records[p.A].Person] = true
		}
		for _, t := range noiseOf[pop.Records[p.A].Person] {
			c := s.ByNoise[t]
			if c == nil {
				c = &Counts{}
				s.ByNoise[t] = c
			}
			c.Promised++
			if joined {
				c.Joined++
			}
		}
	}
	s.PeopleSplit = len(split)
	return s
}

// personNoise lists, by person, the noise tags of their records, sorted;
// NoiseNone for a person without any.
func personNoise(pop *Population) [][]string {
	out := make([][]string, len(pop.People))
	for i := range pop.Records {
		r := &pop.Records[i]
		out[r.Person] = append(out[r.Person], r.Noise...)
	}
	for i, tags := range out {
		if len(tags) == 0 {
			out[i] = []string{NoiseNone}
			continue
		}
		slices.Sort(tags)
		out[i] = slices.Compact(tags)
	}
	return out
}
