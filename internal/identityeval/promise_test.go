package identityeval

import (
	"slices"
	"testing"
)

// landline is the one household line of hand-made populations.
const landline = "+33145678901"

// handPopulation builds a population from records alone: people are
// numbered by the records' Person.
func handPopulation(recs ...Record) *Population {
	pop := &Population{Excluded: map[string]string{}, landlines: map[string]bool{landline: true}}
	for i := range recs {
		recs[i].ID = i
		for len(pop.People) <= recs[i].Person {
			pop.People = append(pop.People, Person{ID: len(pop.People), Trap: -1})
			pop.byPerson = append(pop.byPerson, nil)
		}
		pop.byPerson[recs[i].Person] = append(pop.byPerson[recs[i].Person], i)
	}
	pop.Records = recs
	return pop
}

func TestPromised(t *testing.T) {
	const (
		e1, e2 = "ana@example.fr", "bob@example.fr"
		p1, p2 = "+33612345670", "+33612345671"
	)
	for _, tc := range []struct {
		name     string
		recs     []Record
		excluded []string
		want     []Pair
	}{
		{"one person, one e-mail", []Record{
			{Person: 0, Given: "Ana", Email: e1},
			{Person: 0, Given: "ANA", Email: e1},
		}, nil, []Pair{{0, 1}}},
		{"a phone and a WhatsApp ID are one number", []Record{
			{Person: 0, Given: "Ana", Phone: p1},
			{Person: 0, Given: "Ana", WhatsApp: p1},
		}, nil, []Pair{{0, 1}}},
		{"a hyphen is a space", []Record{
			{Person: 0, Given: "Jean-Pierre", Email: e1},
			{Person: 0, Given: "Jean Pierre", Email: e1},
		}, nil, []Pair{{0, 1}}},
		{"a value another person holds promises nothing", []Record{
			{Person: 0, Given: "Ana", Email: e1},
			{Person: 0, Given: "Ana", Email: e1},
			{Person: 1, Given: "Ana", Email: e1},
		}, nil, nil},
		{"an excluded value promises nothing", []Record{
			{Person: 0, Given: "Ana", Email: e1},
			{Person: 0, Given: "Ana", Email: e1},
		}, []string{matchKey(kindEmail, e1)}, nil},
		{"a typo with one shared kind is not promised", []Record{
			{Person: 0, Given: "Marie", Email: e1},
			{Person: 0, Given: "Maire", Email: e1, Phone: p2},
		}, nil, nil},
		{"a typo with an e-mail and a mobile is", []Record{
			{Person: 0, Given: "Marie", Email: e1, Phone: p1},
			{Person: 0, Given: "Maire", Email: e1, Phone: p1},
		}, nil, []Pair{{0, 1}}},
		{"a typo with a birth date is", []Record{
			{Person: 0, Given: "Marie", Email: e1, Birth: "1980-02-03"},
			{Person: 0, Given: "Maire", Email: e1, Birth: "1980-02-03"},
		}, nil, []Pair{{0, 1}}},
		{"a typo with an inbox and a landline is not", []Record{
			{Person: 0, Given: "Marie", Email: e1, Phone: landline},
			{Person: 0, Given: "Maire", Email: e1, Phone: landline},
		}, nil, nil},
		{"a number behind two addresses promises nothing", []Record{
			{Person: 0, Given: "Ana", Email: e1, Phone: p1},
			{Person: 0, Given: "Ana", Email: e2, WhatsApp: p1},
		}, nil, nil},
		{"a number of a person with two addresses promises nothing", []Record{
			{Person: 0, Given: "Ana", Email: e1, Phone: p1},
			{Person: 0, Given: "Ana", WhatsApp: p1},
			{Person: 0, Given: "Ana", Email: e2},
		}, nil, nil},
		{"a number behind one address and none joins", []Record{
			{Person: 0, Given: "Ana", Email: e1, Phone: p1},
			{Person: 0, Given: "Ana", WhatsApp: p1},
		}, nil, []Pair{{0, 1}}},
		{"a nameless record joins", []Record{
			{Person: 0, Given: "Ana", Email: e1},
			{Person: 0, Email: e1},
		}, nil, []Pair{{0, 1}}},
		{"joins are transitive", []Record{
			{Person: 0, Given: "Ana", Email: e1},
			{Person: 0, Given: "Ana", Email: e1, Phone: p1},
			{Person: 0, Given: "Ana", Phone: p1},
			{Person: 0, Given: "Ana", Card: "2900000000017"},
		}, nil, []Pair{{0, 1}, {0, 2}, {1, 2}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			pop := handPopulation(tc.recs...)
			for _, k := range tc.excluded {
				pop.Excluded[k] = "test"
			}
			if got := pop.Promised(); !slices.Equal(got, tc.want) {
				t.Errorf("promised %v, want %v", got, tc.want)
			}
		})
	}
}

// TestPromisedPairsAreOnePerson checks the generated population's
// promise: every pair is of one person, and there are pairs enough to
// measure recall on.
func TestPromisedPairsAreOnePerson(t *testing.T) {
	pop := Generate(42, SizeSmall)
	promised := pop.Promised()
	if len(promised) < len(pop.Records)/2 {
		t.Fatalf("%d promised pairs for %d records: the population links too little", len(promised), len(pop.Records))
	}
	for _, p := range promised {
		if pop.Records[p.A].Person != pop.Records[p.B].Person {
			t.Fatalf("pair %v is of two people", p)
		}
	}
}
