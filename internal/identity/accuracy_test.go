package identity

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/harmonyhq/harmony/connectors"
	"github.com/harmonyhq/harmony/internal/simulators/population"
)

// TestAccuracy links a labelled population with the default policy through
// the path Sync takes (reduce, then cluster) and measures pairwise
// precision and recall per noise class. A pair of records belongs to a
// class when either record does; it is a true pair when both are one
// person, a predicted pair when both land in one group.
func TestAccuracy(t *testing.T) {
	labelled := population.Labelled(42, 2000)
	// The population's made-up addresses are under reserved domains, which
	// the default policy takes for placeholders.
	pol := fiction()
	records := make([]record, len(labelled))
	for i, lr := range labelled {
		records[i], _ = reduce(lr.System, connectors.Profile{Key: lr.Key, Fields: map[string]string{
			connectors.FieldGivenName: lr.GivenName, connectors.FieldFamilyName: lr.FamilyName,
			connectors.FieldEmail: lr.Email, connectors.FieldPhone: lr.Phone,
			connectors.FieldWhatsApp: lr.WhatsApp, connectors.FieldLoyaltyCard: lr.LoyaltyCard,
		}}, pol)
	}
	c := cluster(records, pol, nil)
	groupOf := make([]int, len(records))
	for gi, g := range c.groups {
		for _, m := range g.members {
			groupOf[m] = gi
		}
	}

	type counts struct{ tp, fp, fn, people, split int }
	per := map[string]*counts{}
	for _, cl := range append(population.Classes(), "all") {
		per[cl] = &counts{}
	}
	classesOf := func(i, j int) []string {
		out := []string{labelled[i].Class, "all"}
		if labelled[j].Class != labelled[i].Class {
			out = append(out, labelled[j].Class)
		}
		return out
	}
	byPerson := map[int][]int{}
	for i, lr := range labelled {
		byPerson[lr.Person] = append(byPerson[lr.Person], i)
	}
	for _, rs := range byPerson {
		groups := map[int]bool{}
		for a, i := range rs {
			groups[groupOf[i]] = true
			for _, j := range rs[a+1:] {
				for _, cl := range classesOf(i, j) {
					if groupOf[i] == groupOf[j] {
						per[cl].tp++
					} else {
						per[cl].fn++
					}
				}
			}
		}
		for _, cl := range []string{labelled[rs[0]].Class, "all"} {
			per[cl].people++
			if len(groups) > 1 {
				per[cl].split++
			}
		}
	}
	var merges []string
	for _, g := range c.groups {
		for a, i := range g.members {
			for _, j := range g.members[a+1:] {
				if labelled[i].Person == labelled[j].Person {
					continue
				}
				for _, cl := range classesOf(i, j) {
					per[cl].fp++
				}
				if len(merges) < 5 {
					merges = append(merges, fmt.Sprintf("%s/%s (person %d, %s) with %s/%s (person %d, %s)",
						labelled[i].System, labelled[i].Key, labelled[i].Person, labelled[i].Class,
						labelled[j].System, labelled[j].Key, labelled[j].Person, labelled[j].Class))
				}
			}
		}
	}

	var table strings.Builder
	fmt.Fprintf(&table, "%d records of 2000 people, %d groups; shared values %d, refused joins %v, capped %d, alerts %d\n",
		len(records), len(c.groups), len(c.shared), c.refused, c.capped, len(c.alerts))
	fmt.Fprintf(&table, "%-15s %7s %9s %7s %10s %7s %6s %9s %7s\n", "class", "people", "split", "pairs", "true pos", "false+", "false-", "precision", "recall")
	ratio := func(a, b int) float64 {
		if b == 0 {
			return 1
		}
		return float64(a) / float64(b)
	}
	classes := append(population.Classes(), "all")
	for _, cl := range classes {
		n := per[cl]
		fmt.Fprintf(&table, "%-15s %7d %9d %7d %10d %7d %6d %9.4f %7.4f\n", cl, n.people, n.split, n.tp+n.fn, n.tp, n.fp, n.fn,
			ratio(n.tp, n.tp+n.fp), ratio(n.tp, n.tp+n.fn))
	}
	t.Logf("pairwise accuracy by noise class (split: people whose records are in more than one group)\n%s", table.String())

	for _, cl := range classes {
		if per[cl].fp != 0 {
			t.Errorf("class %s: %d false merges, want none; e.g. %s", cl, per[cl].fp, strings.Join(merges, "; "))
		}
		if per[cl].tp+per[cl].fn == 0 && cl != "all" {
			t.Errorf("class %s has no true pairs: the population does not exercise it", cl)
		}
	}
	for _, cl := range []string{population.ClassClean, population.ClassFormatting} {
		if r := ratio(per[cl].tp, per[cl].tp+per[cl].fn); r < 0.98 {
			t.Errorf("class %s: recall %.4f, want at least 0.98", cl, r)
		}
	}
	if !slices.Contains(population.Classes(), population.ClassBlocked) {
		t.Error("the population has no blocked values")
	}
}
