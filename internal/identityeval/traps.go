package identityeval

import (
	"slices"
)

// Trap classes: different people who have something in common. Records of
// two people of one trap instance must never be one customer.
const (
	// TrapCouple: spouses whose given names are one or two letters apart
	// (Michel/Michèle) share a household inbox and a landline on some
	// records.
	TrapCouple = "couple"
	// TrapRecycledSameName: a mobile number an old record of one person
	// holds is now another person's, with the same given name.
	TrapRecycledSameName = "recycled_same_name"
	// TrapRecycledOtherName: the same, the new holder with another name.
	TrapRecycledOtherName = "recycled_other_name"
	// TrapPlaceholder: staff typed a placeholder (nomail@nomail.com,
	// 06 12 34 56 78...) for people with the same given name.
	TrapPlaceholder = "placeholder"
	// TrapRoleInbox: colleagues gave their company's info@, contact@ or
	// sales@ address.
	TrapRoleInbox = "role_inbox"
	// TrapCommonName: many people named Marie Martin, each with their own
	// identifiers.
	TrapCommonName = "common_name"
	// TrapNearIdentical: two people whose e-mails are one letter apart and
	// whose numbers are one digit apart.
	TrapNearIdentical = "near_identical"
	// TrapNamelessBridge: a record without a name holds one person's
	// e-mail and another person's phone number.
	TrapNamelessBridge = "nameless_bridge"
	// TrapSharedEmailBirth: two people of one family, born years apart
	// (namesakes half of the time), use one e-mail address.
	TrapSharedEmailBirth = "shared_email_birthdate"
)

// TrapClasses lists the trap classes in report order.
func TrapClasses() []string {
	return []string{TrapCouple, TrapRecycledSameName, TrapRecycledOtherName, TrapPlaceholder, TrapRoleInbox,
		TrapCommonName, TrapNearIdentical, TrapNamelessBridge, TrapSharedEmailBirth}
}

// Placeholders staff type when a customer gives no e-mail or number.
var (
	placeholderEmails = []string{"nomail@nomail.com", "none@none.com", "test@test.com", "noemail@noemail.com",
		"pasdemail@pasdemail.fr", "aucun@aucun.fr"}
	// In E.164: 06 12 34 56 78, 01 23 45 67 89, 00 00 00 00 00,
	// 06 00 00 00 00, 01 02 03 04 05, 06 06 06 06 06.
	placeholderPhones = []string{"+33612345678", "+33123456789", "+33000000000", "+33600000000", "+33102030405", "+33606060606"}
	roleLocals        = []string{"info", "contact", "sales"}
	companies         = []string{"boulangerie", "garage", "cabinet", "atelier", "agence", "pharmacie", "studio", "menuiserie"}
)

// instances is how many instances of a class a population of n people
// gets: perMille per thousand people, at least least.
func instances(n, perMille, least int) int { return max(least, n*perMille/1000) }

// traps draws the trap instances from people not yet in one.
func (g *generator) traps() {
	n := len(g.pop.People)
	pool := g.rng.Perm(n)
	for range instances(n, 8, 4) {
		g.couple(pool)
	}
	for range instances(n, 6, 3) {
		g.recycled(pool, true)
	}
	for range instances(n, 6, 3) {
		g.recycled(pool, false)
	}
	values := append(slices.Clone(placeholderEmails), placeholderPhones...)
	for i := range min(len(values), instances(n, 7, 6)) {
		g.placeholder(pool, values[i], min(6, 2+n/2000))
	}
	for range instances(n, 5, 3) {
		g.roleInbox(pool)
	}
	for _, cn := range commonNames {
		g.commonName(pool, cn.given, cn.family, cn.country, min(40, max(3, n/250)))
	}
	for range instances(n, 8, 4) {
		g.nearIdentical(pool)
	}
	for range instances(n, 6, 3) {
		g.namelessBridge(pool)
	}
	for range instances(n, 6, 4) {
		g.sharedEmail(pool)
	}
}

// take returns the first person of pool in no trap who satisfies ok, and
// puts them in trap t; -1 when none is left.
func (g *generator) take(pool []int, t int, ok func(*Person) bool) int {
	for g.poolStart < len(pool) && g.pop.People[pool[g.poolStart]].Trap >= 0 {
		g.poolStart++ // everyone before is taken: never scan them again
	}
	for _, id := range pool[g.poolStart:] {
		p := &g.pop.People[id]
		if p.Trap < 0 && (ok == nil || ok(p)) {
			p.Trap = t
			g.pop.Traps[t].People = append(g.pop.Traps[t].People, id)
			return id
		}
	}
	return -1
}

// open starts a trap instance and returns its index.
func (g *generator) open(class string) int {
	g.pop.Traps = append(g.pop.Traps, Trap{Class: class})
	return len(g.pop.Traps) - 1
}

// drop removes an instance that could not be filled (a small population
// ran out of people of the kind it needs) and frees its people.
func (g *generator) drop(t int) {
	for _, id := range g.pop.Traps[t].People {
		g.pop.People[id].Trap = -1
	}
	g.pop.Traps = g.pop.Traps[:t]
}

func french(p *Person) bool { return p.Country == "FR" }

// rename gives a person new names, on their records too, with an e-mail
// and a handle made from them.
func (g *generator) rename(id int, given, family string) {
	p := &g.pop.People[id]
	p.Given, p.Family = given, family
	handle := ""
	if p.Instagram != "" {
		handle = g.vals.handle(given, family)
	}
	for _, r := range g.pop.byPerson[id] {
		rec := &g.pop.Records[r]
		rec.Given, rec.Family = given, family
		if rec.Instagram != "" {
			rec.Instagram = handle
		}
	}
	p.Instagram = handle
	g.setEmail(id, g.vals.email(given, family, p.Country))
}

// setEmail changes a person's address, on their records too.
func (g *generator) setEmail(id int, email string) {
	p := &g.pop.People[id]
	for _, r := range g.pop.byPerson[id] {
		if rec := &g.pop.Records[r]; rec.Email == p.Email {
			rec.Email = email
		}
	}
	p.Email = email
}

// setMobile changes a person's mobile number, on their records too.
func (g *generator) setMobile(id int, mobile string) {
	p := &g.pop.People[id]
	for _, r := range g.pop.byPerson[id] {
		rec := &g.pop.Records[r]
		if rec.Phone == p.Mobile {
			rec.Phone = mobile
		}
		if rec.WhatsApp == p.Mobile {
			rec.WhatsApp = mobile
		}
	}
	p.Mobile = mobile
}

// ensureEmail puts the person's e-mail on their first record that can
// hold one, when none of their records holds it.
func (g *generator) ensureEmail(id int) {
	p := g.pop.People[id]
	recs := g.pop.byPerson[id]
	if slices.ContainsFunc(recs, func(r int) bool { return g.pop.Records[r].Email == p.Email }) {
		return
	}
	g.pop.Records[recs[0]].Email = p.Email
}

// ensurePhone puts the person's mobile on their first record, when none
// of their records holds it.
func (g *generator) ensurePhone(id int) {
	p := g.pop.People[id]
	recs := g.pop.byPerson[id]
	if slices.ContainsFunc(recs, func(r int) bool {
		return g.pop.Records[r].Phone == p.Mobile || g.pop.Records[r].WhatsApp == p.Mobile
	}) {
		return
	}
	if r := &g.pop.Records[recs[0]]; r.System == SystemHelpdesk && p.WhatsApp {
		r.WhatsApp = p.Mobile
	} else {
		r.Phone = p.Mobile
	}
}

// recordIn returns the person's record in the first of systems they have
// one in, else a new record in the first of them; -1 when they have a
// record in every one of them and fresh is set.
func (g *generator) recordIn(id int, fresh bool, systems ...string) int {
	if !fresh {
		for _, sys := range systems {
			for _, r := range g.pop.byPerson[id] {
				if g.pop.Records[r].System == sys {
					return r
				}
			}
		}
	}
	for _, sys := range systems {
		if !slices.ContainsFunc(g.pop.byPerson[id], func(r int) bool { return g.pop.Records[r].System == sys }) {
			return g.addRecord(id, sys)
		}
	}
	return -1
}

// couple: spouses with one family name and given names a letter or two
// apart; each has a record holding the household inbox and landline (half
// of them with the person's own mobile too).
func (g *generator) couple(pool []int) {
	t := g.open(TrapCouple)
	names := pick(g.rng, coupleNames)
	h := g.take(pool, t, func(p *Person) bool { return french(p) && !p.Female })
	w := g.take(pool, t, func(p *Person) bool { return french(p) && p.Female })
	if h < 0 || w < 0 {
		g.drop(t)
		return
	}
	family := g.pop.People[h].Family
	g.rename(h, names[0], family)
	g.rename(w, names[1], family)
	inbox := g.vals.email("famille", family, "FR")
	line := g.vals.landline()
	g.pop.landlines[line] = true
	for _, id := range []int{h, w} {
		r := &g.pop.Records[g.recordIn(id, false, SystemPOS, SystemShop, SystemCRM)]
		r.Email, r.Phone, r.WhatsApp = inbox, line, ""
		if r.System != SystemCRM {
			r.Card = g.pop.People[id].Card // the household record still holds the person's own card
		}
	}
}

// recycled: an old record of a person holds a number that is now another
// person's (who has the same given name when same is set). The old
// holder's record is older than every record of the new holder.
func (g *generator) recycled(pool []int, same bool) {
	class := TrapRecycledOtherName
	if same {
		class = TrapRecycledSameName
	}
	t := g.open(class)
	old := g.take(pool, t, french)
	if old < 0 {
		g.drop(t)
		return
	}
	o := g.pop.People[old]
	// Another family name: two namesakes passing a number on, and an old
	// record holding nothing but the name and the number, would leave no
	// evidence that they are two people.
	nw := g.take(pool, t, func(p *Person) bool {
		return french(p) && p.Female == o.Female && (same || !sameGiven(p.Given, o.Given)) && !sameGiven(p.Family, o.Family)
	})
	if nw < 0 {
		g.drop(t)
		return
	}
	if same {
		g.rename(nw, o.Given, g.pop.People[nw].Family)
	}
	number := g.vals.mobile("FR")
	g.setMobile(nw, number)
	g.ensurePhone(nw)
	for _, r := range g.pop.byPerson[nw] {
		g.pop.Records[r].UpdatedAt = g.updated(2023, 2025)
	}
	r := &g.pop.Records[g.recordIn(old, false, SystemPOS, SystemCRM, SystemShop)]
	r.Phone, r.WhatsApp = number, ""
	r.UpdatedAt = g.updated(2016, 2019)
	g.pop.Excluded[matchKey(kindPhone, number)] = class
}

// placeholder: people with one given name each have a record where staff
// typed the placeholder v instead of their e-mail or number; the record
// keeps their real other identifier.
func (g *generator) placeholder(pool []int, v string, size int) {
	t := g.open(TrapPlaceholder)
	first := g.take(pool, t, french)
	if first < 0 {
		g.drop(t)
		return
	}
	f := g.pop.People[first]
	for range size - 1 {
		if g.take(pool, t, func(p *Person) bool { return french(p) && p.Female == f.Female }) < 0 {
			g.drop(t)
			return
		}
	}
	phone := v[0] == '+'
	for _, id := range g.pop.Traps[t].People {
		g.rename(id, f.Given, g.pop.People[id].Family)
		p := g.pop.People[id]
		r := &g.pop.Records[g.recordIn(id, false, SystemPOS, SystemShop)]
		if phone {
			r.Phone, r.WhatsApp = v, ""
			if r.Email == "" {
				r.Email = p.Email
			}
		} else {
			r.Email = v
			if r.Phone == "" {
				r.Phone = p.Mobile
			}
		}
	}
	kind := kindEmail
	if phone {
		kind = kindPhone
	}
	g.pop.Excluded[matchKey(kind, v)] = TrapPlaceholder
}

// roleInbox: colleagues gave their company's role address in the shop or
// the CRM, with their own mobile.
func (g *generator) roleInbox(pool []int) {
	t := g.open(TrapRoleInbox)
	size := 2 + g.rng.IntN(3)
	for range size {
		if g.take(pool, t, french) < 0 {
			g.drop(t)
			return
		}
	}
	first := g.pop.People[g.pop.Traps[t].People[0]]
	addr := ""
	for addr == "" {
		domain := pick(g.rng, companies) + "-" + asciiFold(first.Family) + ".fr"
		if a := pick(g.rng, roleLocals) + "@" + domain; g.vals.claim(a) {
			addr = a
		}
	}
	for i, id := range g.pop.Traps[t].People {
		if i == 1 && g.chance(0.5) {
			g.rename(id, first.Given, g.pop.People[id].Family) // colleagues sharing a first name
		}
		r := &g.pop.Records[g.recordIn(id, false, SystemShop, SystemCRM)]
		r.Email = addr
		if r.Phone == "" {
			r.Phone = g.pop.People[id].Mobile
		}
	}
	g.pop.Excluded[matchKey(kindEmail, addr)] = TrapRoleInbox
}

// commonName: size people with one very common name, each with their own
// identifiers.
func (g *generator) commonName(pool []int, given, family, country string, size int) {
	t := g.open(TrapCommonName)
	female := slices.Contains(frenchFemale, given) || slices.Contains(americanFemale, given)
	for range size {
		id := g.take(pool, t, func(p *Person) bool { return p.Country == country && p.Female == female })
		if id < 0 {
			break
		}
		g.rename(id, given, family)
	}
	if len(g.pop.Traps[t].People) < 2 {
		g.drop(t)
	}
}

// nearIdentical: the second person's e-mail is one letter from the
// first's, their mobile one digit; half of them share the given name.
func (g *generator) nearIdentical(pool []int) {
	t := g.open(TrapNearIdentical)
	a := g.take(pool, t, nil)
	if a < 0 {
		g.drop(t)
		return
	}
	pa := g.pop.People[a]
	b := g.take(pool, t, func(p *Person) bool { return p.Country == pa.Country && p.Female == pa.Female })
	if b < 0 {
		g.drop(t)
		return
	}
	if g.chance(0.5) {
		g.rename(b, pa.Given, g.pop.People[b].Family)
	}
	g.setEmail(b, g.vals.nearEmail(g.pop.People[a].Email))
	g.setMobile(b, g.vals.nearPhone(pa.Mobile))
	for _, id := range []int{a, b} {
		g.ensureEmail(id)
		g.ensurePhone(id)
	}
}

// namelessBridge: a record without a name, in a system the first person
// has no record in, holds the first person's e-mail and the second
// person's mobile. It is the first person's record.
func (g *generator) namelessBridge(pool []int) {
	t := g.open(TrapNamelessBridge)
	a := g.take(pool, t, func(p *Person) bool { return len(g.pop.byPerson[p.ID]) < 3 })
	if a < 0 {
		g.drop(t)
		return
	}
	pa := g.pop.People[a]
	b := g.take(pool, t, func(p *Person) bool { return p.Country == pa.Country && !sameGiven(p.Given, pa.Given) })
	if b < 0 {
		g.drop(t)
		return
	}
	g.ensureEmail(a)
	g.ensurePhone(b)
	r := &g.pop.Records[g.recordIn(a, true, SystemPOS, SystemCRM, SystemShop)]
	r.Given, r.Family, r.Birth, r.Card = "", "", "", ""
	r.Email, r.Phone, r.WhatsApp = pa.Email, g.pop.People[b].Mobile, ""
}

// sharedEmail: two people of one family born years apart use one
// address; half of them are namesakes (a father and his son). Each has a
// record with the address and the birth date.
func (g *generator) sharedEmail(pool []int) {
	t := g.open(TrapSharedEmailBirth)
	a := g.take(pool, t, nil)
	if a < 0 {
		g.drop(t)
		return
	}
	pa := g.pop.People[a]
	b := g.take(pool, t, func(p *Person) bool { return p.Country == pa.Country && p.Female == pa.Female })
	if b < 0 {
		g.drop(t)
		return
	}
	given := g.pop.People[b].Given
	if g.chance(0.5) || sameGiven(given, pa.Given) {
		given = pa.Given
	}
	g.rename(b, given, pa.Family)
	g.pop.People[a].Birth = g.birth(1945, 1965)
	g.pop.People[b].Birth = g.birth(1980, 2000)
	g.setEmail(b, pa.Email)
	for _, id := range []int{a, b} {
		p := g.pop.People[id]
		for _, r := range g.pop.byPerson[id] {
			if rec := &g.pop.Records[r]; rec.System == SystemCRM || rec.System == SystemPOS {
				rec.Birth = p.Birth
			}
		}
		// The evidence is there to see: a record with the address and
		// the birth date.
		r := &g.pop.Records[g.recordIn(id, false, SystemCRM, SystemPOS)]
		r.Email, r.Birth = p.Email, p.Birth
	}
}
