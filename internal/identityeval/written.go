package identityeval

import (
	"slices"
	"strings"
	"unicode"
)

// write renders every record as its system writes it, tagging the noise
// that brings.
func (g *generator) write() {
	for i := range g.pop.Records {
		r := &g.pop.Records[i]
		p := &g.pop.People[r.Person]
		w := Written{Given: r.Given, Family: r.Family, Birth: r.Birth, Instagram: r.Instagram}
		tag := func(t string) {
			if !slices.Contains(r.Noise, t) {
				r.Noise = append(r.Noise, t)
			}
		}
		switch r.System {
		case SystemCRM:
			if r.Family != "" && g.chance(0.1) {
				w.Family = strings.ToUpper(r.Family) // not a tag: family names never match
			}
			w.Email = g.emailCase(r.Email, tag)
			w.Phone = g.phone(r.Phone, p.Country, []phoneStyle{intlCompact, intlSpaced, intlSpaced, doubleZero}, tag)
		case SystemShop:
			if r.Email != "" && g.chance(0.1) {
				w.Email = r.Email + " "
				tag(NoiseEmailSpacing)
			} else {
				w.Email = r.Email
			}
			if p.Country == "US" { // an American store: Americans' numbers national, others international
				w.Phone = g.phone(r.Phone, p.Country, []phoneStyle{national}, tag)
			} else {
				w.Phone = g.phone(r.Phone, p.Country, []phoneStyle{intlSpaced, intlCompact}, tag)
			}
			if r.Card != "" {
				w.Card = groupCard(r.Card)
				tag(NoiseCardFormat)
			}
		case SystemPOS:
			w.Given = spaceHyphen(r.Given, tag)
			w.Family = strings.ToUpper(r.Family) // not a tag: family names never match
			if r.Email != "" && g.chance(0.4) {
				w.Email = strings.ToUpper(r.Email)
				tag(NoiseEmailCase)
			} else {
				w.Email = r.Email
			}
			if p.Country == "US" {
				w.Phone = g.phone(r.Phone, p.Country, []phoneStyle{intlSpaced}, tag)
			} else {
				w.Phone = g.phone(r.Phone, p.Country, []phoneStyle{national, dotted, compactNational}, tag)
			}
			if r.Card != "" {
				w.Card = r.Card // a JSON number in this system
				tag(NoiseCardFormat)
			}
		case SystemHelpdesk:
			if g.chance(0.5) {
				w.Given = spaceHyphen(r.Given, tag)
			}
			if r.Email != "" && g.chance(0.75) {
				name := strings.TrimSpace(w.Given + " " + w.Family)
				if name == "" {
					w.Email = "<" + r.Email + ">"
				} else {
					w.Email = name + " <" + r.Email + ">"
				}
				tag(NoiseDisplayName)
			} else {
				w.Email = r.Email
			}
			w.Phone = g.phone(r.Phone, p.Country, []phoneStyle{intlCompact}, tag)
			if r.WhatsApp != "" {
				if g.chance(0.8) {
					w.WhatsApp = "whatsapp:" + r.WhatsApp
				} else {
					w.WhatsApp = strings.TrimPrefix(r.WhatsApp, "+") + "@s.whatsapp.net"
				}
				tag(NoiseWhatsAppID)
			}
			if r.Instagram != "" {
				w.Instagram = "@" + r.Instagram
			}
		}
		r.Out = w
	}
}

// emailCase writes an address as a CRM's users type it: often as is,
// sometimes capitalised or in capitals, sometimes with spaces around.
func (g *generator) emailCase(addr string, tag func(string)) string {
	if addr == "" {
		return ""
	}
	switch x := g.rng.Float64(); {
	case x < 0.15:
		tag(NoiseEmailCase)
		return titleEmail(addr)
	case x < 0.25:
		tag(NoiseEmailCase)
		return strings.ToUpper(addr)
	case x < 0.35:
		tag(NoiseEmailSpacing)
		return "  " + addr + " "
	}
	return addr
}

// titleEmail capitalises each dot-separated word: Marie.Dupont@Gmail.com.
func titleEmail(addr string) string {
	b := []rune(addr)
	up := true
	for i, r := range b {
		if up && unicode.IsLetter(r) {
			b[i] = unicode.ToUpper(r)
		}
		up = r == '.' || r == '@' || r == '_'
	}
	return string(b)
}

// spaceHyphen writes a hyphenated given name with a space, as systems
// whose forms refuse hyphens do.
func spaceHyphen(given string, tag func(string)) string {
	if !strings.Contains(given, "-") {
		return given
	}
	tag(NoiseHyphenSpace)
	return strings.ReplaceAll(given, "-", " ")
}

// phoneStyle is one way of writing a number.
type phoneStyle int

const (
	intlCompact     phoneStyle = iota // +33612345678
	intlSpaced                        // +33 6 12 34 56 78, +1 415-823-0134
	doubleZero                        // 0033 6 12 34 56 78 (French only)
	national                          // 06 12 34 56 78, (415) 823-0134
	dotted                            // 06.12.34.56.78
	compactNational                   // 0612345678
)

// phone writes an E.164 number in one of the styles, tagging the noise.
func (g *generator) phone(e164, country string, styles []phoneStyle, tag func(string)) string {
	if e164 == "" {
		return ""
	}
	s := pick(g.rng, styles)
	us := strings.HasPrefix(e164, "+1")
	if us && (s == doubleZero || s == dotted || s == compactNational) {
		s = intlSpaced
	}
	switch s {
	case intlCompact:
		return e164
	case intlSpaced:
		tag(NoisePhoneSpacing)
		if us {
			d := e164[2:]
			return "+1 " + d[:3] + "-" + d[3:6] + "-" + d[6:]
		}
		return "+33 " + e164[3:4] + " " + pairs(e164[4:], " ")
	case doubleZero:
		tag(NoisePhoneSpacing)
		return "0033 " + e164[3:4] + " " + pairs(e164[4:], " ")
	case national:
		if us {
			tag(NoiseUSNational)
			d := e164[2:]
			return "(" + d[:3] + ") " + d[3:6] + "-" + d[6:]
		}
		tag(NoisePhoneNational)
		return pairs("0"+e164[3:], " ")
	case dotted:
		tag(NoisePhoneNational)
		return pairs("0"+e164[3:], ".")
	default:
		tag(NoisePhoneNational)
		return "0" + e164[3:]
	}
}

// pairs writes digits two by two.
func pairs(digits, sep string) string {
	var b strings.Builder
	for i := 0; i < len(digits); i += 2 {
		if i > 0 {
			b.WriteString(sep)
		}
		b.WriteString(digits[i:min(i+2, len(digits))])
	}
	return b.String()
}

// groupCard writes a card number in groups of four: 2900 1234 5678 9.
func groupCard(c string) string {
	var b strings.Builder
	for i := 0; i < len(c); i += 4 {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(c[i:min(i+4, len(c))])
	}
	return b.String()
}
