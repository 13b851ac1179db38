package population

import (
	"fmt"
	"math/rand/v2"
	"strings"
)

// phone is a mobile number: country calling code and national significant
// number (the digits after the code, without trunk prefix).
type phone struct {
	country string
	cc      string
	nsn     string
}

// mobile prefixes per country; digits are appended to reach the length.
var mobilePlans = map[string]struct {
	cc       string
	prefixes []string
	length   int // length of the national significant number
}{
	"FR": {"33", []string{"61", "62", "64", "65", "66", "67", "68", "75", "76", "77", "78"}, 9},
	"DE": {"49", []string{"151", "152", "157", "159", "176"}, 11},
	"ES": {"34", []string{"6"}, 9},
	"IT": {"39", []string{"320", "328", "333", "338", "340", "347", "348", "349", "366", "380", "388", "393"}, 10},
	"GB": {"44", []string{"740", "741", "742", "743", "744", "746", "747", "748", "749", "751", "753", "754"}, 10},
	"NL": {"31", []string{"61", "62", "63", "64", "65"}, 9},
	"US": {"1", []string{"212", "312", "415", "617", "206", "512", "303", "404"}, 10},
}

func newPhone(r *rand.Rand, country string) phone {
	plan := mobilePlans[country]
	var b strings.Builder
	b.WriteString(plan.prefixes[r.IntN(len(plan.prefixes))])
	if country == "US" {
		// Exchange code: 2-9 first, never N11 or 555.
		for {
			ex := fmt.Sprintf("%d%02d", 2+r.IntN(8), r.IntN(100))
			if ex[1:] != "11" && ex != "555" {
				b.WriteString(ex)
				break
			}
		}
	}
	for b.Len() < plan.length {
		b.WriteByte("0123456789"[r.IntN(10)])
	}
	return phone{country: country, cc: plan.cc, nsn: b.String()}
}

// E164 is "+33612345678".
func (p phone) E164() string { return "+" + p.cc + p.nsn }

// WhatsApp is the WhatsApp ID: international digits without "+".
func (p phone) WhatsApp() string { return p.cc + p.nsn }

// International is the spaced international form, "+33 6 12 34 56 78".
func (p phone) International() string {
	n := p.nsn
	switch p.country {
	case "FR":
		return "+33 " + n[:1] + " " + pairs(n[1:])
	case "DE":
		return "+49 " + n[:3] + " " + n[3:]
	case "ES":
		return "+34 " + n[:3] + " " + pairs(n[3:])
	case "IT":
		return "+39 " + n[:3] + " " + n[3:6] + " " + n[6:]
	case "GB":
		return "+44 " + n[:4] + " " + n[4:]
	case "NL":
		return "+31 " + n[:1] + " " + n[1:]
	case "US":
		return "+1 " + n[:3] + "-" + n[3:6] + "-" + n[6:]
	}
	return p.E164()
}

// National is the spaced form dialled inside the country,
// "06 12 34 56 78".
func (p phone) National() string {
	n := p.nsn
	switch p.country {
	case "FR":
		return "0" + n[:1] + " " + pairs(n[1:])
	case "DE":
		return "0" + n[:3] + " " + n[3:]
	case "ES":
		return n[:3] + " " + pairs(n[3:])
	case "IT":
		return n[:3] + " " + n[3:6] + " " + n[6:]
	case "GB":
		return "0" + n[:4] + " " + n[4:]
	case "NL":
		return "0" + n[:1] + " " + n[1:]
	case "US":
		return "(" + n[:3] + ") " + n[3:6] + "-" + n[6:]
	}
	return p.E164()
}

// NationalDigits is National without separators, "0612345678".
func (p phone) NationalDigits() string {
	var b strings.Builder
	for _, r := range p.National() {
		if r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// pairs groups digits two by two: "12345678" -> "12 34 56 78".
func pairs(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i += 2 {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(s[i:min(i+2, len(s))])
	}
	return b.String()
}
