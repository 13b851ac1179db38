package identityeval

import "testing"

func TestScorePartition(t *testing.T) {
	// People 0 and 1 are a couple (trap 0); person 2 is in no trap.
	pop := handPopulation(
		Record{Person: 0, Given: "Michel", Email: "a@x.fr"},
		Record{Person: 0, Given: "Michel", Email: "a@x.fr"},
		Record{Person: 1, Given: "Michèle", Email: "b@x.fr"},
		Record{Person: 1, Given: "Michèle", Email: "b@x.fr"},
		Record{Person: 2, Given: "Ana", Email: "c@x.fr"},
	)
	pop.Traps = []Trap{{Class: TrapCouple, People: []int{0, 1}}}
	pop.People[0].Trap, pop.People[1].Trap = 0, 0
	promised := pop.Promised()
	for _, tc := range []struct {
		name                      string
		customer                  []string
		pairs, falsePairs, joined int
		byClass                   map[string]int
		linked                    int
	}{
		{"right", []string{"a", "a", "b", "b", "c"}, 2, 0, 2, nil, 5},
		{"the couple merged", []string{"a", "a", "a", "b", "c"}, 3, 2, 1, map[string]int{TrapCouple: 2}, 5},
		{"a stranger merged", []string{"a", "a", "b", "b", "a"}, 4, 2, 2, map[string]int{ClassOther: 2}, 5},
		{"all apart, one unknown", []string{"a", "b", "c", "d", ""}, 0, 0, 0, nil, 4},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := scorePartition(pop, promised, tc.customer)
			if s.Pairs != tc.pairs || s.FalsePairs != tc.falsePairs || s.Joined != tc.joined || s.Linked != tc.linked {
				t.Errorf("pairs %d, false %d, joined %d, linked %d; want %d, %d, %d, %d",
					s.Pairs, s.FalsePairs, s.Joined, s.Linked, tc.pairs, tc.falsePairs, tc.joined, tc.linked)
			}
			for class, n := range tc.byClass {
				if s.FalseByClass[class] != n {
					t.Errorf("class %s: %d false pairs, want %d", class, s.FalseByClass[class], n)
				}
			}
			if s.Promised != 2 {
				t.Errorf("%d promised pairs, want 2", s.Promised)
			}
		})
	}
}

func TestDifferingRecords(t *testing.T) {
	for _, tc := range []struct {
		name string
		a, b []string
		want int
	}{
		{"same groups, other IDs", []string{"x", "x", "y"}, []string{"p", "p", "q"}, 0},
		{"one record moved", []string{"x", "x", "y"}, []string{"x", "y", "y"}, 3},
		{"same first member, other groups", []string{"x", "x", "x", "y"}, []string{"x", "x", "y", "x"}, 4},
		{"unknown is alone", []string{"", "x"}, []string{"z", "x"}, 0},
		{"unknown against a pair", []string{"", ""}, []string{"z", "z"}, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := differingRecords(tc.a, tc.b); got != tc.want {
				t.Errorf("%d records differ, want %d", got, tc.want)
			}
		})
	}
}
