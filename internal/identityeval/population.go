package identityeval

import (
	"math/rand/v2"
	"slices"
	"time"
)

// The systems, named as the configuration names their connectors.
const (
	SystemCRM      = "crm"      // a CRM: cursor paging, nested properties
	SystemShop     = "shop"     // an online store: page numbers, numeric IDs
	SystemPOS      = "pos"      // a point of sale: offsets, contact points
	SystemHelpdesk = "helpdesk" // a helpdesk: Link headers, display names
)

// Systems lists the systems in configuration order.
func Systems() []string { return []string{SystemCRM, SystemShop, SystemPOS, SystemHelpdesk} }

// Sizes of the population.
const (
	SizeSmall = 300    // go test, make test
	SizeFull  = 1_600  // make identity-eval: about 4,000 records
	SizeScale = 15_000 // make identity-eval SCALE=15000
	SizeLarge = 100_000
)

// Person is one human being: the truth records are scored against. Values
// are canonical (e-mail lower case, phones in E.164).
type Person struct {
	ID       int
	Given    string // as the person writes it: "Jean-Pierre", "Hélène"
	Family   string
	Country  string // FR or US
	Female   bool
	Birth    string // YYYY-MM-DD
	Email    string
	Mobile   string
	WhatsApp bool   // the mobile is on WhatsApp
	Card     string // loyalty card number, "" for none
	// Instagram is the handle without "@", "" for none. No default rule
	// matches handles: they are carried, never scored.
	Instagram string
	// Trap is the index of the trap instance the person is part of, -1
	// for none. A person is part of one trap at most.
	Trap int
	// Noise names the should-link noise applied to the person as a whole
	// (NoiseTypo, NoiseChangedEmail), "" for none.
	Noise string
}

// Record is one system's record of one person: the canonical values it
// holds (the truth) and how the system writes them (Out).
type Record struct {
	ID        int // index in Population.Records
	System    string
	Key       string // the system's native key
	Person    int
	UpdatedAt time.Time
	// Truth: the names as the person writes them ("" when the record has
	// none), and the canonical identifiers ("" when absent).
	Given, Family, Birth         string
	Email, Phone, WhatsApp, Card string
	Instagram                    string
	// Noise lists the should-link noise of this record (Noise*).
	Noise []string
	// Out is the record as the system writes it.
	Out Written
}

// Written is a record's values as its system writes them.
type Written struct {
	Given, Family, Birth         string
	Email, Phone, WhatsApp, Card string
	Instagram                    string
}

// Trap is one instance of a trap class: people who have something in
// common (a value, a name) and are different people.
type Trap struct {
	Class  string
	People []int
}

// Population is a labelled population: people, their records in the
// systems, and the trap instances.
type Population struct {
	Seed    uint64
	People  []Person
	Records []Record
	Traps   []Trap
	// Excluded are match keys (see matchKey) that never count for the
	// promise whoever holds them: placeholders, role inboxes, recycled
	// numbers.
	Excluded map[string]string
	// landlines are the households' fixed lines (E.164): every other
	// number is a mobile.
	landlines map[string]bool
	// byPerson lists each person's record indexes.
	byPerson [][]int
}

// RecordsOf returns the indexes of a person's records.
func (p *Population) RecordsOf(person int) []int { return p.byPerson[person] }

// Generate builds the population of n people for seed. It is
// deterministic: the same seed and size give the same population, records
// and keys.
func Generate(seed uint64, n int) *Population {
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)) //nolint:gosec // G404: one seed, one population, on purpose
	g := &generator{
		rng:  rng,
		pop:  &Population{Seed: seed, Excluded: map[string]string{}, landlines: map[string]bool{}},
		vals: &values{rng: rng, used: map[string]bool{}},
		keys: map[string]int{},
	}
	for i := range n {
		g.pop.People = append(g.pop.People, g.person(i))
	}
	g.pop.byPerson = make([][]int, n)
	for i := range n {
		for _, sys := range g.systemsOf(&g.pop.People[i]) {
			g.addRecord(i, sys)
		}
	}
	g.traps()
	g.noise()
	g.write()
	return g.pop
}

// generator holds what generation needs between its steps.
type generator struct {
	rng  *rand.Rand
	pop  *Population
	vals *values
	// keys counts the records of each system, for their native keys.
	keys map[string]int
	// poolStart is where the trap pool's free people start.
	poolStart int
}

// chance reports true with probability p.
func (g *generator) chance(p float64) bool { return g.rng.Float64() < p }

func pick[T any](rng *rand.Rand, xs []T) T { return xs[rng.IntN(len(xs))] }

// person draws one person with unique identifiers.
func (g *generator) person(id int) Person {
	p := Person{ID: id, Country: "FR", Trap: -1}
	if g.chance(0.2) {
		p.Country = "US"
	}
	p.Female = g.chance(0.5)
	switch {
	case p.Country == "FR" && p.Female:
		p.Given = pick(g.rng, frenchFemale)
	case p.Country == "FR":
		p.Given = pick(g.rng, frenchMale)
	case p.Female:
		p.Given = pick(g.rng, americanFemale)
	default:
		p.Given = pick(g.rng, americanMale)
	}
	if p.Country == "FR" {
		p.Family = pick(g.rng, frenchFamily)
	} else {
		p.Family = pick(g.rng, americanFamily)
	}
	p.Birth = g.birth(1940, 2005)
	p.Email = g.vals.email(p.Given, p.Family, p.Country)
	p.Mobile = g.vals.mobile(p.Country)
	p.WhatsApp = g.chance(map[string]float64{"FR": 0.7, "US": 0.25}[p.Country])
	if g.chance(0.55) {
		p.Card = g.vals.card()
	}
	if g.chance(0.4) {
		p.Instagram = g.vals.handle(p.Given, p.Family)
	}
	return p
}

// birth draws a birth date between two years.
func (g *generator) birth(from, to int) string {
	d := time.Date(from, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, g.rng.IntN((to-from)*365))
	return d.Format(time.DateOnly)
}

// updated draws a record's last change between two years.
func (g *generator) updated(from, to int) time.Time {
	start := time.Date(from, 1, 1, 0, 0, 0, 0, time.UTC)
	span := time.Date(to, 12, 31, 0, 0, 0, 0, time.UTC).Sub(start)
	return start.Add(time.Duration(g.rng.Int64N(int64(span/time.Second))) * time.Second)
}

// systemsOf draws the one to four systems a person has records in.
func (g *generator) systemsOf(p *Person) []string {
	var k int
	switch x := g.rng.Float64(); {
	case x < 0.20:
		k = 1
	case x < 0.52:
		k = 2
	case x < 0.80:
		k = 3
	default:
		k = 4
	}
	all := Systems()
	g.rng.Shuffle(len(all), func(i, j int) { all[i], all[j] = all[j], all[i] })
	out := all[:k]
	slices.SortFunc(out, func(a, b string) int { return slices.Index(Systems(), a) - slices.Index(Systems(), b) })
	return out
}

// addRecord adds the person's record in sys with the values that system
// keeps (each with its own probability), and returns its index.
func (g *generator) addRecord(person int, sys string) int {
	p := &g.pop.People[person]
	r := Record{ID: len(g.pop.Records), System: sys, Person: person, Given: p.Given, Family: p.Family,
		UpdatedAt: g.updated(2020, 2025)}
	g.keys[sys]++
	r.Key = nativeKey(sys, g.keys[sys])
	switch sys {
	case SystemCRM:
		r.Email = g.maybe(0.95, p.Email)
		r.Phone = g.maybe(0.8, p.Mobile)
		r.Birth = g.maybe(0.7, p.Birth)
	case SystemShop:
		r.Email = g.maybe(0.98, p.Email)
		r.Phone = g.maybe(0.65, p.Mobile)
		r.Card = g.maybe(0.5, p.Card)
	case SystemPOS:
		r.Phone = g.maybe(0.9, p.Mobile)
		r.Email = g.maybe(0.55, p.Email)
		r.Card = g.maybe(0.9, p.Card)
		r.Birth = g.maybe(0.5, p.Birth)
	case SystemHelpdesk:
		r.Email = g.maybe(0.9, p.Email)
		if p.WhatsApp {
			r.WhatsApp = p.Mobile
		} else {
			r.Phone = g.maybe(0.35, p.Mobile)
		}
		r.Instagram = g.maybe(0.8, p.Instagram)
	}
	g.pop.Records = append(g.pop.Records, r)
	g.pop.byPerson[person] = append(g.pop.byPerson[person], r.ID)
	return r.ID
}

// maybe returns v with probability p, else "".
func (g *generator) maybe(p float64, v string) string {
	if g.chance(p) {
		return v
	}
	return ""
}
