package identityeval

import (
	"reflect"
	"slices"
	"strings"
	"testing"
	"unicode"
)

func TestGenerateIsDeterministic(t *testing.T) {
	a, b := Generate(7, 400), Generate(7, 400)
	if !reflect.DeepEqual(a.People, b.People) || !reflect.DeepEqual(a.Records, b.Records) || !reflect.DeepEqual(a.Traps, b.Traps) {
		t.Fatal("two populations of one seed and size differ")
	}
	if c := Generate(8, 400); reflect.DeepEqual(a.Records, c.Records) {
		t.Fatal("two seeds gave the same records")
	}
}

func TestGenerateSizes(t *testing.T) {
	for _, tc := range []struct {
		people             int
		minRecords, maxRec int
	}{
		{SizeSmall, 650, 850},
		{SizeFull, 3700, 4300},
	} {
		pop := Generate(42, tc.people)
		if n := len(pop.Records); n < tc.minRecords || n > tc.maxRec {
			t.Errorf("%d people: %d records, want %d to %d", tc.people, n, tc.minRecords, tc.maxRec)
		}
		traps := map[string]int{}
		for _, tr := range pop.Traps {
			traps[tr.Class]++
		}
		for _, class := range TrapClasses() {
			if traps[class] < 3 {
				t.Errorf("%d people: %d instances of trap %s, want at least 3", tc.people, traps[class], class)
			}
		}
		noise := map[string]int{}
		keys := map[string]bool{}
		for i, r := range pop.Records {
			if r.ID != i {
				t.Fatalf("record %d has ID %d", i, r.ID)
			}
			if keys[r.System+"/"+r.Key] {
				t.Fatalf("key %s/%s twice", r.System, r.Key)
			}
			keys[r.System+"/"+r.Key] = true
			for _, n := range r.Noise {
				noise[n]++
			}
		}
		for _, tag := range NoiseTags() {
			if tag != NoiseNone && noise[tag] == 0 {
				t.Errorf("%d people: no record with noise %s", tc.people, tag)
			}
		}
		for id := range pop.People {
			if n := len(pop.RecordsOf(id)); n < 1 || n > 4 {
				t.Errorf("person %d has %d records, want 1 to 4", id, n)
			}
		}
	}
}

// TestTrapsHoldWhatTheySay checks each trap instance against its
// definition.
func TestTrapsHoldWhatTheySay(t *testing.T) {
	pop := Generate(42, SizeFull)
	holds := func(person int, f func(r *Record) bool) bool {
		return slices.ContainsFunc(pop.RecordsOf(person), func(i int) bool { return f(&pop.Records[i]) })
	}
	shareKey := func(a, b int, kind string) bool {
		for _, i := range pop.RecordsOf(a) {
			for _, k := range keysOf(&pop.Records[i]) {
				if kindOf(k) == kind && holds(b, func(r *Record) bool { return slices.Contains(keysOf(r), k) }) {
					return true
				}
			}
		}
		return false
	}
	checks := map[string]func(ps []Person) string{
		TrapCouple: func(ps []Person) string {
			if ps[0].Family != ps[1].Family || !slices.Contains(coupleNames, [2]string{ps[0].Given, ps[1].Given}) {
				return "not spouses with a couple's names"
			}
			if !shareKey(ps[0].ID, ps[1].ID, kindEmail) || !shareKey(ps[0].ID, ps[1].ID, kindPhone) {
				return "no shared inbox and landline"
			}
			return ""
		},
		TrapRecycledSameName: func(ps []Person) string {
			if !sameGiven(ps[0].Given, ps[1].Given) {
				return "given names differ"
			}
			return recycledOrder(pop, ps)
		},
		TrapRecycledOtherName: func(ps []Person) string {
			if sameGiven(ps[0].Given, ps[1].Given) {
				return "same given name"
			}
			return recycledOrder(pop, ps)
		},
		TrapPlaceholder: func(ps []Person) string {
			for _, p := range ps[1:] {
				if p.Given != ps[0].Given {
					return "given names differ"
				}
				if !shareKey(ps[0].ID, p.ID, kindEmail) && !shareKey(ps[0].ID, p.ID, kindPhone) {
					return "no shared placeholder"
				}
			}
			return ""
		},
		TrapRoleInbox: func(ps []Person) string {
			for _, p := range ps[1:] {
				if !shareKey(ps[0].ID, p.ID, kindEmail) {
					return "no shared inbox"
				}
			}
			return ""
		},
		TrapCommonName: func(ps []Person) string {
			for _, p := range ps[1:] {
				if p.Given != ps[0].Given || p.Family != ps[0].Family {
					return "names differ"
				}
				if shareKey(ps[0].ID, p.ID, kindEmail) || shareKey(ps[0].ID, p.ID, kindPhone) || shareKey(ps[0].ID, p.ID, kindCard) {
					return "a value shared"
				}
			}
			return ""
		},
		TrapNearIdentical: func(ps []Person) string {
			if editDistance(ps[0].Email, ps[1].Email) != 1 || editDistance(ps[0].Mobile, ps[1].Mobile) != 1 {
				return "not one letter and one digit apart"
			}
			return ""
		},
		TrapNamelessBridge: func(ps []Person) string {
			a, b := ps[0], ps[1]
			if !holds(a.ID, func(r *Record) bool { return r.Given == "" && r.Email == a.Email && r.Phone == b.Mobile }) {
				return "no nameless record with the first's e-mail and the second's phone"
			}
			return ""
		},
		TrapSharedEmailBirth: func(ps []Person) string {
			if ps[0].Email != ps[1].Email || ps[0].Birth == ps[1].Birth || !shareKey(ps[0].ID, ps[1].ID, kindEmail) {
				return "no shared e-mail between different birth dates"
			}
			return ""
		},
	}
	for i, tr := range pop.Traps {
		var ps []Person
		for _, id := range tr.People {
			ps = append(ps, pop.People[id])
			if pop.People[id].Trap != i {
				t.Fatalf("trap %d (%s): person %d says trap %d", i, tr.Class, id, pop.People[id].Trap)
			}
		}
		if len(ps) < 2 {
			t.Errorf("trap %d (%s) has %d people", i, tr.Class, len(ps))
			continue
		}
		if msg := checks[tr.Class](ps); msg != "" {
			t.Errorf("trap %d (%s): %s", i, tr.Class, msg)
		}
	}
}

// recycledOrder checks that the old holder's record of the number is
// older than every record of the new holder.
func recycledOrder(pop *Population, ps []Person) string {
	old, nw := ps[0], ps[1]
	for _, i := range pop.RecordsOf(old.ID) {
		r := &pop.Records[i]
		if r.Phone != nw.Mobile {
			continue
		}
		for _, j := range pop.RecordsOf(nw.ID) {
			if !pop.Records[j].UpdatedAt.After(r.UpdatedAt) {
				return "the new holder has a record older than the old holder's"
			}
		}
		return ""
	}
	return "the old holder holds no record of the new holder's number"
}

func editDistance(a, b string) int {
	x, y := []rune(a), []rune(b)
	prev := make([]int, len(y)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(x); i++ {
		cur := make([]int, len(y)+1)
		cur[0] = i
		for j := 1; j <= len(y); j++ {
			cost := 1
			if x[i-1] == y[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(y)]
}

// TestWrittenFormsAreTheTruth reads every written value back with a
// reference reading of the systems' formats, independent of Harmony's
// normaliser, and compares it with the record's canonical value.
func TestWrittenFormsAreTheTruth(t *testing.T) {
	pop := Generate(42, SizeFull)
	for _, r := range pop.Records {
		for _, c := range []struct{ field, written, got, want string }{
			{"email", r.Out.Email, refEmail(r.Out.Email), r.Email},
			{"phone", r.Out.Phone, refPhone(r.Out.Phone), r.Phone},
			{"whatsapp", r.Out.WhatsApp, refPhone(r.Out.WhatsApp), r.WhatsApp},
			{"card", r.Out.Card, digits(r.Out.Card), r.Card},
		} {
			if c.got != c.want {
				t.Errorf("%s/%s %s: %q reads %q, want %q", r.System, r.Key, c.field, c.written, c.got, c.want)
			}
		}
		if !sameGiven(r.Out.Given, r.Given) {
			t.Errorf("%s/%s given name: %q for %q", r.System, r.Key, r.Out.Given, r.Given)
		}
	}
}

func refEmail(s string) string {
	if i := strings.LastIndex(s, "<"); i >= 0 {
		s = strings.TrimSuffix(s[i+1:], ">")
	}
	return strings.ToLower(strings.TrimSpace(s))
}

func refPhone(s string) string {
	s = strings.TrimSpace(s)
	d := digits(s)
	switch {
	case s == "":
		return ""
	case strings.HasPrefix(s, "whatsapp:+"), strings.HasPrefix(s, "+"), strings.HasSuffix(s, "@s.whatsapp.net"):
		return "+" + d
	case strings.HasPrefix(s, "0033"):
		return "+" + d[2:]
	case strings.HasPrefix(s, "("):
		return "+1" + d // a US store's national form
	default:
		return "+33" + d[1:]
	}
}

func digits(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsDigit(r) {
			return r
		}
		return -1
	}, s)
}
