package population

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
)

// Noise classes of labelled records: what makes a person hard to link.
const (
	// ClassClean: every system writes the identifiers canonically.
	ClassClean = "clean"
	// ClassFormatting: the same identifiers written many ways (case,
	// whitespace, national and international phone numbers, WhatsApp IDs,
	// loyalty cards with separators).
	ClassFormatting = "formatting"
	// ClassNameTypo: one system has the given name one edit off, while
	// e-mail and phone agree everywhere.
	ClassNameTypo = "name_typo"
	// ClassSharedInbox: two or three people of one family (same family
	// name, different given names) share one e-mail address, each with
	// their own phone.
	ClassSharedInbox = "shared_inbox"
	// ClassRecycledPhone: a phone number one person once held is now
	// another person's.
	ClassRecycledPhone = "recycled_phone"
	// ClassChangedEmail: the old address in one system, the new one in the
	// others, still linked by phone or loyalty card.
	ClassChangedEmail = "changed_email"
	// ClassBlocked: people who gave a shared business inbox (info@...) or
	// a reserved fiction-range phone number in one system.
	ClassBlocked = "blocked"
)

// Classes lists the noise classes.
func Classes() []string {
	return []string{ClassClean, ClassFormatting, ClassNameTypo, ClassSharedInbox, ClassRecycledPhone, ClassChangedEmail, ClassBlocked}
}

// LabelledRecord is one system's record of one person, with the ground
// truth: which person it is and the noise class of that person.
type LabelledRecord struct {
	System, Key string
	Person      int    // ground truth: records of one person share it
	Class       string // a Class* constant
	GivenName   string
	FamilyName  string
	Email       string
	Phone       string
	WhatsApp    string
	LoyaltyCard string
}

// blockedEmails and blockedPhones are values many people give; the default
// identity policy blocks them.
var (
	blockedEmails = []string{"info@example.org", "contact@example.com", "hello@example.net"}
	blockedPhones = []string{"06 39 98 00 00", "+33 6 39 98 12 34"}
)

// Labelled returns the records of n people (Person 0 to n-1) across the
// channel systems, each person drawn from one noise class, for measuring
// identity linking against the ground truth. It is deterministic for a
// seed, and independent of Generate (whose output it does not change).
// Records come ordered by system, as a sync lists them.
func Labelled(seed uint64, n int) []LabelledRecord {
	l := &labeller{
		g: &generator{seed: seed, emails: map[string]bool{}, phones: map[string]bool{}, cards: map[string]bool{},
			keys: map[string]int{}, seq: map[string]int{}},
		r:       rand.New(rand.NewPCG(splitmix(seed^0x1abe11ed), splitmix(seed+0x1abe11ed))),
		mailing: map[string]bool{},
	}
	for _, e := range blockedEmails {
		l.g.emails[e] = true
	}
	for l.next < n {
		left := n - l.next
		switch roll := l.r.IntN(100); {
		case roll < 40:
			l.clean()
		case roll < 65:
			l.formatting()
		case roll < 73:
			l.nameTypo()
		case roll < 81 && left >= 2:
			l.sharedInbox(min(2+l.r.IntN(2), left))
		case roll < 87 && left >= 2:
			l.recycledPhone()
		case roll < 95:
			l.changedEmail()
		default:
			l.blocked()
		}
	}
	order := coreSystems()
	slices.SortStableFunc(l.out, func(a, b LabelledRecord) int {
		return slices.Index(order, a.System) - slices.Index(order, b.System)
	})
	return l.out
}

type labeller struct {
	g       *generator
	r       *rand.Rand
	out     []LabelledRecord
	next    int             // the next person's index
	mailing map[string]bool // subscriber hashes handed out
}

// someone is one made-up person.
type someone struct {
	index         int
	class         string
	c             *country
	given, family string
	email         string
	ph            phone
	card          string // "LC-" + 8 digits
	systems       []string
}

// newPerson makes the next person, in country c (a random one when nil),
// with a given name of at least minGiven runes.
func (l *labeller) newPerson(class string, c *country, minGiven int) *someone {
	r := l.r
	if c == nil {
		roll := r.IntN(100)
		c = &countries[len(countries)-1]
		for k := range countries {
			if roll < countries[k].weight {
				c = &countries[k]
				break
			}
			roll -= countries[k].weight
		}
	}
	p := &someone{index: l.next, class: class, c: c, family: pick(r, c.family)}
	l.next++
	for p.given == "" || len([]rune(p.given)) < minGiven {
		p.given = pick(r, c.given)
	}
	p.email = newEmail(r, p.given, p.family, c.domains, l.g.emails)
	p.ph = l.newPhone(c.code)
	for {
		card := fmt.Sprintf("LC-%08d", r.IntN(100_000_000))
		if !l.g.cards[card] {
			l.g.cards[card] = true
			p.card = card
			break
		}
	}
	// Two to four systems know the person.
	systems := coreSystems()
	r.Shuffle(len(systems), func(i, j int) { systems[i], systems[j] = systems[j], systems[i] })
	p.systems = systems[:2+r.IntN(3)]
	return p
}

func (l *labeller) newPhone(country string) phone {
	ph := newPhone(l.r, country)
	for l.g.phones[ph.E164()] {
		ph = newPhone(l.r, country)
	}
	l.g.phones[ph.E164()] = true
	return ph
}

// emit adds one record of p in system, unless the system cannot hold it (a
// mailing list needs an address it does not have yet).
func (l *labeller) emit(p *someone, system string, rec LabelledRecord) {
	rec.System, rec.Person, rec.Class = system, p.index, p.class
	if rec.GivenName == "" {
		rec.GivenName = p.given
	}
	if rec.FamilyName == "" {
		rec.FamilyName = p.family
	}
	if system == Mailing {
		h := SubscriberHash(rec.Email)
		if strings.TrimSpace(rec.Email) == "" || l.mailing[h] {
			return
		}
		l.mailing[h] = true
		rec.Key = h
	} else {
		rec.Key = l.g.nextKey(system, nil)
	}
	l.out = append(l.out, rec)
}

// spread writes p's identifiers in each system p is in: the first record
// holds e-mail and phone, the others one or both (so every record shares
// a value with the first); the point of sale adds the loyalty card, the
// helpdesk sometimes the WhatsApp ID. format writes each value.
func (l *labeller) spread(p *someone, format func(kind, v string) string) {
	for j, s := range p.systems {
		rec := LabelledRecord{}
		what := 2
		if j > 0 {
			what = l.r.IntN(3)
		}
		if what != 1 || s == Mailing {
			rec.Email = format("email", p.email)
		}
		if what != 0 {
			rec.Phone = format("phone", "")
		}
		l.extras(p, s, &rec, format)
		l.emit(p, s, rec)
	}
}

// extras adds what only some systems hold: the loyalty card at the point
// of sale (and sometimes in the CRM), the WhatsApp ID at the helpdesk half
// of the time.
func (l *labeller) extras(p *someone, system string, rec *LabelledRecord, format func(kind, v string) string) {
	if system == POS || (system == CRM && chance(l.r, 0.3)) {
		rec.LoyaltyCard = format("card", p.card)
	}
	if system == Helpdesk && chance(l.r, 0.5) {
		rec.WhatsApp = format("whatsapp", p.ph.WhatsApp())
	}
}

// canonical writes values as a careful system does.
func canonical(p *someone) func(kind, v string) string {
	return func(kind, v string) string {
		if kind == "phone" {
			return p.ph.E164()
		}
		return v
	}
}

// noisy writes values the many ways systems do.
func (l *labeller) noisy(p *someone) func(kind, v string) string {
	r := l.r
	return func(kind, v string) string {
		switch kind {
		case "email":
			return pick(r, []func(string) string{mixedCase, strings.ToUpper, func(s string) string { return " " + s + " " },
				func(s string) string { return s }})(v)
		case "phone":
			forms := []string{p.ph.International(), p.ph.E164(), "00" + p.ph.cc + " " + p.ph.nsn}
			if p.c.code == "FR" {
				// Only French numbers are written the national way: the
				// default region reads them.
				forms = append(forms, p.ph.National(), p.ph.NationalDigits(), strings.ReplaceAll(p.ph.National(), " ", "."))
			}
			return pick(r, forms)
		case "whatsapp":
			return pick(r, []string{v, "+" + v, v + "@s.whatsapp.net"})
		case "card":
			digits := strings.TrimPrefix(v, "LC-")
			return pick(r, []string{v, "lc " + digits[:4] + " " + digits[4:], "LC" + digits, "lc." + digits[:4] + "." + digits[4:]})
		}
		return v
	}
}

func (l *labeller) clean() {
	p := l.newPerson(ClassClean, nil, 0)
	l.spread(p, canonical(p))
}

func (l *labeller) formatting() {
	p := l.newPerson(ClassFormatting, nil, 0)
	format := l.noisy(p)
	for j, s := range p.systems {
		rec := LabelledRecord{}
		what := 2
		if j > 0 {
			what = l.r.IntN(3)
		}
		if what != 1 || s == Mailing {
			rec.Email = format("email", p.email)
		}
		if what != 0 {
			rec.Phone = format("phone", "")
		}
		l.extras(p, s, &rec, format)
		switch l.r.IntN(4) {
		case 0:
			rec.GivenName, rec.FamilyName = strings.ToUpper(p.given), strings.ToUpper(p.family)
		case 1:
			rec.GivenName = " " + strings.ToLower(p.given)
		}
		l.emit(p, s, rec)
	}
}

// nameTypo: e-mail and phone in every record, one record's given name one
// edit off.
func (l *labeller) nameTypo() {
	p := l.newPerson(ClassNameTypo, nil, 5)
	wrong := l.r.IntN(len(p.systems))
	format := canonical(p)
	for j, s := range p.systems {
		rec := LabelledRecord{Email: format("email", p.email), Phone: format("phone", "")}
		l.extras(p, s, &rec, format)
		if j == wrong {
			rec.GivenName = typo(l.r, p.given)
		}
		l.emit(p, s, rec)
	}
}

// sharedInbox: m people of one family on one address, each with their own
// phone.
func (l *labeller) sharedInbox(m int) {
	first := l.newPerson(ClassSharedInbox, nil, 0)
	family := []*someone{first}
	for len(family) < m {
		p := l.newPerson(ClassSharedInbox, first.c, 0)
		p.family = first.family
		for !farApart(family, p.given) {
			p.given = pick(l.r, first.c.given)
		}
		family = append(family, p)
	}
	local := asciiFold(first.family) + ".family"
	inbox := local + "@" + pick(l.r, first.c.domains)
	for l.g.emails[inbox] {
		inbox = fmt.Sprintf("%s%d@%s", local, 1+l.r.IntN(999), pick(l.r, first.c.domains))
	}
	l.g.emails[inbox] = true
	for i, p := range family {
		p.email = inbox
		if i > 0 {
			// One mailing-list member per address.
			p.systems = slices.DeleteFunc(p.systems, func(s string) bool { return s == Mailing })
		}
		l.spread(p, canonical(p))
	}
}

// recycledPhone: the phone number of the first person, written in their
// old records, now belongs to the second.
func (l *labeller) recycledPhone() {
	before := l.newPerson(ClassRecycledPhone, nil, 0)
	after := l.newPerson(ClassRecycledPhone, before.c, 0)
	for !farApart([]*someone{before}, after.given) {
		after.given = pick(l.r, before.c.given)
		after.email = newEmail(l.r, after.given, after.family, after.c.domains, l.g.emails)
	}
	after.ph = before.ph
	for j, s := range before.systems {
		rec := LabelledRecord{Email: before.email}
		l.extras(before, s, &rec, canonical(before))
		if j == 0 {
			rec.Phone = before.ph.International()
		}
		if j == 1 && s != Mailing && chance(l.r, 0.3) {
			// An old call-center style record known by the number only.
			rec = LabelledRecord{Phone: before.ph.E164()}
		}
		l.emit(before, s, rec)
	}
	l.spread(after, canonical(after))
}

// changedEmail: the old address in the first system, the new one in the
// others; the phone or the loyalty card of the first two records still
// links them.
func (l *labeller) changedEmail() {
	p := l.newPerson(ClassChangedEmail, nil, 0)
	old := p.email
	p.email = newEmail(l.r, p.given, p.family, p.c.domains, l.g.emails)
	byCard := chance(l.r, 0.5)
	for j, s := range p.systems {
		rec := LabelledRecord{Email: p.email}
		if j == 0 {
			rec.Email = old
		}
		switch {
		case j > 1:
			l.extras(p, s, &rec, canonical(p))
		case byCard:
			rec.LoyaltyCard = pick(l.r, []string{p.card, strings.ReplaceAll(p.card, "-", "")})
		default:
			rec.Phone = pick(l.r, []string{p.ph.E164(), p.ph.International()})
		}
		l.emit(p, s, rec)
	}
}

// blocked: one record gives a shared business inbox or a fiction-range
// number; the others the person's own values.
func (l *labeller) blocked() {
	p := l.newPerson(ClassBlocked, nil, 0)
	if p.systems[0] == Mailing {
		p.systems[0], p.systems[1] = p.systems[1], p.systems[0]
	}
	for j, s := range p.systems {
		rec := LabelledRecord{Email: p.email, Phone: p.ph.E164()}
		l.extras(p, s, &rec, canonical(p))
		switch j {
		case 0:
			rec.Email = pick(l.r, blockedEmails)
		case 2:
			rec.Phone = pick(l.r, blockedPhones)
		}
		l.emit(p, s, rec)
	}
}

// typo changes a name by one edit: a letter replaced or two neighbouring
// letters swapped, never the first letter.
func typo(r *rand.Rand, name string) string {
	rs := []rune(name)
	ascii := func(c rune) bool { return c >= 'a' && c <= 'z' }
	for {
		i := 1 + r.IntN(len(rs)-1)
		if !ascii(rs[i]) {
			continue
		}
		if r.IntN(2) == 0 && i+1 < len(rs) && ascii(rs[i+1]) && rs[i] != rs[i+1] {
			rs[i], rs[i+1] = rs[i+1], rs[i]
			return string(rs)
		}
		c := rune("abcdefghijklmnopqrstuvwxyz"[r.IntN(26)])
		if c != rs[i] {
			rs[i] = c
			return string(rs)
		}
	}
}

// farApart reports whether given differs from every given name of people
// by at least two edits, once case and accents are folded.
func farApart(people []*someone, given string) bool {
	for _, p := range people {
		if editDistance(asciiFold(p.given), asciiFold(given)) < 2 {
			return false
		}
	}
	return true
}

// editDistance is the optimal string alignment distance (Levenshtein with
// swaps of neighbours).
func editDistance(a, b string) int {
	x, y := []rune(a), []rune(b)
	d := make([][]int, len(x)+1)
	for i := range d {
		d[i] = make([]int, len(y)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(x); i++ {
		for j := 1; j <= len(y); j++ {
			cost := 1
			if x[i-1] == y[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && x[i-1] == y[j-2] && x[i-2] == y[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(x)][len(y)]
}
