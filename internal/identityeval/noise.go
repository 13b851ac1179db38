package identityeval

import (
	"slices"
	"strings"
	"unicode/utf8"
)

// Noise tags: how a record differs from its person's canonical values in
// ways that must still link.
const (
	NoiseEmailCase     = "email_case"     // Marie.Dupont@Gmail.com, MARIE.DUPONT@GMAIL.COM
	NoiseEmailSpacing  = "email_spacing"  // " marie.dupont@gmail.com "
	NoiseDisplayName   = "display_name"   // Marie Dupont <marie.dupont@gmail.com>
	NoisePhoneNational = "phone_national" // 06 12 34 56 78, 06.12.34.56.78, 0612345678
	NoisePhoneSpacing  = "phone_spacing"  // +33 6 12 34 56 78, 0033 6 12 34 56 78
	NoiseUSNational    = "us_national"    // (415) 823-0134 in a US store
	NoiseWhatsAppID    = "whatsapp_id"    // whatsapp:+33612345678, 33612345678@s.whatsapp.net
	NoiseCardFormat    = "card_format"    // 2900 1234 5678 9, or a JSON number
	NoiseHyphenSpace   = "hyphen_space"   // Jean Pierre for Jean-Pierre
	NoiseTypo          = "name_typo"      // Maire for Marie, e-mail and phone agreeing
	NoiseChangedEmail  = "changed_email"  // an old address on an old record, same phone and name
	NoiseNone          = "none"           // people none of whose records has noise
)

// NoiseTags lists the noise tags in report order.
func NoiseTags() []string {
	return []string{NoiseNone, NoiseEmailCase, NoiseEmailSpacing, NoiseDisplayName, NoisePhoneNational, NoisePhoneSpacing,
		NoiseUSNational, NoiseWhatsAppID, NoiseCardFormat, NoiseHyphenSpace, NoiseTypo, NoiseChangedEmail}
}

// noise gives people outside traps the whole-person noise: a typo in the
// given name on one record (e-mail and mobile on every record, so that
// the typo record shares both; French people only, whose numbers say they
// are mobiles), or a changed e-mail (an old address on an older record
// that keeps the phone).
func (g *generator) noise() {
	for id := range g.pop.People {
		p := &g.pop.People[id]
		recs := g.pop.byPerson[id]
		if p.Trap >= 0 || len(recs) < 2 {
			continue
		}
		switch x := g.rng.Float64(); {
		case x < 0.05 && p.Country == "FR" && utf8.RuneCountInString(p.Given) >= 5 && !strings.ContainsAny(p.Given, "- "):
			g.typo(id)
		case x < 0.10:
			g.changedEmail(id)
		}
	}
}

// typo misspells the given name on one record; every record holds the
// e-mail and the number.
func (g *generator) typo(id int) {
	p := &g.pop.People[id]
	p.Noise = NoiseTypo
	for _, r := range g.pop.byPerson[id] {
		rec := &g.pop.Records[r]
		rec.Email = p.Email
		if rec.WhatsApp == "" {
			rec.Phone = p.Mobile
		}
	}
	recs := g.pop.byPerson[id]
	rec := &g.pop.Records[recs[1+g.rng.IntN(len(recs)-1)]]
	rec.Given = misspell(g, p.Given)
	rec.Noise = append(rec.Noise, NoiseTypo)
}

const letters = "abcdefghijklmnopqrstuvwxyz"

// misspell changes one letter of a name: a neighbour swapped, a letter
// dropped or doubled, or one replaced; never the first letter.
func misspell(g *generator, name string) string {
	rs := []rune(name)
	for {
		i := 1 + g.rng.IntN(len(rs)-2)
		var out []rune
		switch g.rng.IntN(4) {
		case 0:
			out = slices.Clone(rs)
			out[i], out[i+1] = out[i+1], out[i]
		case 1:
			out = slices.Delete(slices.Clone(rs), i, i+1)
		case 2:
			out = slices.Insert(slices.Clone(rs), i, rs[i])
		default:
			out = slices.Clone(rs)
			out[i] = rune(letters[g.rng.IntN(len(letters))])
		}
		if s := string(out); !sameGiven(s, name) {
			return s
		}
	}
}

// changedEmail puts an old address on one record (older than the others),
// which keeps the person's number; another record holds the number with
// the current address.
func (g *generator) changedEmail(id int) {
	p := &g.pop.People[id]
	p.Noise = NoiseChangedEmail
	recs := g.pop.byPerson[id]
	old := &g.pop.Records[recs[g.rng.IntN(len(recs))]]
	old.Email = g.vals.email(p.Given, p.Family, p.Country)
	if old.WhatsApp == "" {
		old.Phone = p.Mobile
	}
	old.UpdatedAt = g.updated(2016, 2019)
	old.Noise = append(old.Noise, NoiseChangedEmail)
	for _, r := range recs {
		if rec := &g.pop.Records[r]; rec.ID != old.ID {
			rec.Email = p.Email
			if rec.WhatsApp == "" {
				rec.Phone = p.Mobile
			}
			break
		}
	}
}
