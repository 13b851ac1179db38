package population

import (
	"bytes"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/nyaruka/phonenumbers"
)

func TestLabelledDeterministic(t *testing.T) {
	before := mustJSON(t, Generate(7, 60))
	a, b := mustJSON(t, Labelled(42, 300)), mustJSON(t, Labelled(42, 300))
	if !bytes.Equal(a, b) {
		t.Error("Labelled(42, 300) differs between two calls")
	}
	if bytes.Equal(a, mustJSON(t, Labelled(43, 300))) {
		t.Error("Labelled ignores its seed")
	}
	if !bytes.Equal(before, mustJSON(t, Generate(7, 60))) {
		t.Error("Labelled changed what Generate returns")
	}
}

func TestLabelledShape(t *testing.T) {
	const n = 2000
	recs := Labelled(42, n)
	people := map[int][]LabelledRecord{}
	keys := map[string]bool{}
	classes := map[string]int{}
	lastSystem := 0
	for _, r := range recs {
		people[r.Person] = append(people[r.Person], r)
		if k := r.System + "\x00" + r.Key; keys[k] || r.Key == "" {
			t.Errorf("%s key %q is empty or repeated", r.System, r.Key)
		} else {
			keys[k] = true
		}
		if i := slices.Index(Systems(), r.System); i < lastSystem {
			t.Errorf("records are not ordered by system: %s after %s", r.System, Systems()[lastSystem])
		} else {
			lastSystem = i
		}
		if !slices.Contains(Classes(), r.Class) {
			t.Errorf("unknown class %q", r.Class)
		}
		if r.Email != "" {
			_, domain, _ := strings.Cut(strings.ToLower(strings.TrimSpace(r.Email)), "@")
			if !strings.HasSuffix(domain, ".example") && domain != "example.com" && domain != "example.net" && domain != "example.org" {
				t.Errorf("address outside the example domains: %s", domain)
			}
		}
		if r.Email == "" && r.Phone == "" && r.WhatsApp == "" && r.LoyaltyCard == "" {
			t.Errorf("a %s record without identifiers", r.Class)
		}
	}
	if len(people) != n {
		t.Fatalf("people = %d, want %d", len(people), n)
	}
	for i := range n {
		rs := people[i]
		if len(rs) == 0 {
			t.Fatalf("person %d has no record", i)
		}
		classes[rs[0].Class]++
		for _, r := range rs {
			if r.Class != rs[0].Class {
				t.Errorf("person %d is in classes %s and %s", i, r.Class, rs[0].Class)
			}
		}
	}
	t.Logf("%d records of %d people, by class: %v", len(recs), n, classes)
	for _, c := range Classes() {
		if classes[c] < 20 {
			t.Errorf("class %s has %d people, want at least 20 (%v)", c, classes[c], classes)
		}
	}

	e164 := func(v string) string {
		num, err := phonenumbers.Parse(v, "FR")
		if err != nil {
			t.Fatalf("phone %q: %v", v, err)
		}
		return phonenumbers.Format(num, phonenumbers.E164)
	}
	fold := func(s string) string { return asciiFold(strings.TrimSpace(s)) }
	inboxes := map[string][]int{} // address -> people
	phones := map[string][]int{}
	for i := range n {
		rs := people[i]
		givens, numbers := map[string]int{}, map[string]bool{}
		for _, r := range rs {
			givens[fold(r.GivenName)]++
			if r.Phone != "" {
				numbers[e164(r.Phone)] = true
			}
			if r.WhatsApp != "" {
				numbers[e164("+"+strings.TrimSuffix(strings.TrimPrefix(r.WhatsApp, "+"), "@s.whatsapp.net"))] = true
			}
			if e := strings.ToLower(strings.TrimSpace(r.Email)); e != "" && !slices.Contains(inboxes[e], i) {
				inboxes[e] = append(inboxes[e], i)
			}
		}
		for p := range numbers {
			phones[p] = append(phones[p], i)
		}
		switch rs[0].Class {
		case ClassNameTypo:
			if len(givens) != 2 {
				t.Errorf("typo person %d has given names %v, want the name and one typo", i, givens)
			}
			for _, r := range rs {
				if r.Email == "" || r.Phone == "" {
					t.Errorf("typo person %d: a record without e-mail or phone", i)
				}
			}
		case ClassChangedEmail:
			addrs := map[string]bool{}
			for _, r := range rs {
				addrs[strings.ToLower(r.Email)] = true
			}
			if len(addrs) != 2 {
				t.Errorf("person %d changed e-mail, has addresses %d", i, len(addrs))
			}
		case ClassBlocked:
		default:
			if len(givens) != 1 || len(numbers) > 1 {
				t.Errorf("person %d (%s): given names %v, %d numbers", i, rs[0].Class, givens, len(numbers))
			}
		}
	}
	families := 0
	for _, ps := range inboxes {
		if len(ps) < 2 {
			continue
		}
		first := people[ps[0]][0]
		if first.Class == ClassBlocked {
			continue
		}
		families++
		if first.Class != ClassSharedInbox || len(ps) > 3 {
			t.Errorf("%d people share an address, class %s", len(ps), first.Class)
		}
		for _, p := range ps[1:] {
			r := people[p][0]
			if r.FamilyName != first.FamilyName || editDistance(fold(r.GivenName), fold(first.GivenName)) < 2 {
				t.Errorf("a shared inbox joins %s %s and %s %s: want one family, different given names",
					first.GivenName, first.FamilyName, r.GivenName, r.FamilyName)
			}
		}
	}
	recycled := 0
	for _, ps := range phones {
		if len(ps) < 2 || people[ps[0]][0].Class == ClassBlocked {
			continue
		}
		recycled++
		a, b := people[ps[0]][0], people[ps[1]][0]
		if len(ps) != 2 || a.Class != ClassRecycledPhone || b.Class != ClassRecycledPhone || fold(a.GivenName) == fold(b.GivenName) {
			t.Errorf("a number is held by %d people of classes %s, %s", len(ps), a.Class, b.Class)
		}
	}
	if families == 0 || recycled == 0 {
		t.Errorf("families %d, recycled numbers %d; want some of each", families, recycled)
	}
}

func TestTypoIsOneEdit(t *testing.T) {
	r := newRandForTest()
	for _, name := range []string{"Marie", "Hélène", "François", "Maximilian", "Jürgen"} {
		for range 50 {
			got := typo(r, name)
			if d := editDistance(strings.ToLower(got), strings.ToLower(name)); d != 1 {
				t.Fatalf("typo(%q) = %q, %d edits", name, got, d)
			}
		}
	}
}

func newRandForTest() *rand.Rand { return rand.New(rand.NewPCG(1, 2)) }
