package identityeval

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
)

// values hands out identifiers no one else holds: a value two people share
// is always a trap's doing, never chance.
type values struct {
	rng  *rand.Rand
	used map[string]bool
}

// claim marks v used and reports whether it was free.
func (v *values) claim(s string) bool {
	if v.used[s] {
		return false
	}
	v.used[s] = true
	return true
}

var (
	frenchDomains   = []string{"gmail.com", "orange.fr", "free.fr", "laposte.net", "sfr.fr", "hotmail.fr", "yahoo.fr", "outlook.fr"}
	americanDomains = []string{"gmail.com", "yahoo.com", "outlook.com", "icloud.com", "aol.com", "comcast.net"}
)

// email makes an address from a name, in one of the shapes people pick.
func (v *values) email(given, family, country string) string {
	g, f := asciiFold(given), asciiFold(family)
	domains := frenchDomains
	if country == "US" {
		domains = americanDomains
	}
	for attempt := 0; ; attempt++ {
		var local string
		switch v.rng.IntN(5) {
		case 0:
			local = g + "." + f
		case 1:
			local = g[:1] + f
		case 2:
			local = g + "_" + f
		case 3:
			local = f + "." + g
		default:
			local = g + f
		}
		if attempt > 0 || v.rng.IntN(3) == 0 {
			local += strconv.Itoa(v.rng.IntN(990) + 10)
		}
		addr := local + "@" + pick(v.rng, domains)
		if v.claim(addr) {
			return addr
		}
	}
}

// usAreas are real area codes; numbers are drawn outside 555 and N11.
var usAreas = []string{"212", "310", "415", "617", "312", "206", "512", "303", "404", "646", "718", "202"}

// frenchMobiles are the prefixes of French mobile numbers in service (06
// and 07 less the ranges not allocated, and less 06 39, whose 06 39 98 is
// the fiction range).
var frenchMobiles = []string{"60", "61", "62", "64", "65", "66", "67", "68",
	"630", "631", "632", "633", "634", "635", "636", "637", "638", "695", "698", "699",
	"73", "74", "75", "76", "77", "78", "79"}

// mobile draws a mobile number in E.164: French numbers in the mobile
// ranges, American numbers outside 555.
func (v *values) mobile(country string) string {
	for {
		var n string
		if country == "US" {
			exch := fmt.Sprintf("%d%02d", 2+v.rng.IntN(8), v.rng.IntN(100))
			if exch == "555" || exch[1:] == "11" {
				continue
			}
			n = "+1" + pick(v.rng, usAreas) + exch + fmt.Sprintf("%04d", v.rng.IntN(10000))
		} else {
			prefix := pick(v.rng, frenchMobiles)
			n = "+33" + prefix + fmt.Sprintf("%0*d", 9-len(prefix), v.rng.IntN(pow10(9-len(prefix))))
			if strings.HasSuffix(n, "0000000") {
				continue
			}
		}
		if v.claim(n) {
			return n
		}
	}
}

func pow10(n int) int {
	p := 1
	for range n {
		p *= 10
	}
	return p
}

// landline draws a French fixed line (01 to 05) in E.164.
func (v *values) landline() string {
	for {
		n := fmt.Sprintf("+33%d%08d", 1+v.rng.IntN(5), v.rng.IntN(100_000_000))
		if strings.HasSuffix(n, "0000000") || n == "+33123456789" {
			continue
		}
		if v.claim(n) {
			return n
		}
	}
}

// card draws a 13-digit loyalty card number.
func (v *values) card() string {
	for {
		c := fmt.Sprintf("29%011d", v.rng.Int64N(100_000_000_000))
		if v.claim(c) {
			return c
		}
	}
}

// handle draws an Instagram handle.
func (v *values) handle(given, family string) string {
	base := strings.ReplaceAll(asciiFold(given), "-", "") + "." + strings.ReplaceAll(asciiFold(family), "-", "")
	for {
		h := base
		if v.rng.IntN(2) == 0 || v.used["ig:"+h] {
			h += strconv.Itoa(v.rng.IntN(99) + 1)
		}
		if v.claim("ig:" + h) {
			return h
		}
	}
}

// nearEmail returns a free address one letter away from addr's local part.
func (v *values) nearEmail(addr string) string {
	local, domain, _ := strings.Cut(addr, "@")
	for {
		i := v.rng.IntN(len(local))
		c := local[i]
		if c < 'a' || c > 'z' {
			continue
		}
		repl := letters[v.rng.IntN(len(letters))]
		if repl == c {
			continue
		}
		near := local[:i] + string(repl) + local[i+1:] + "@" + domain
		if v.claim(near) {
			return near
		}
	}
}

// nearPhone returns a free number one digit away from n, in the same
// range: never the country code, the French prefix (06 12) or the American
// area code and exchange.
func (v *values) nearPhone(n string) string {
	skip := 6 // "+33" and three national digits
	if strings.HasPrefix(n, "+1") {
		skip = 8 // "+1", the area code and the exchange
	}
	for {
		i := skip + v.rng.IntN(len(n)-skip)
		d := "0123456789"[v.rng.IntN(10)]
		if d == n[i] {
			continue
		}
		near := n[:i] + string(d) + n[i+1:]
		if v.claim(near) {
			return near
		}
	}
}

// nativeKey is the n-th record's key in sys: each system numbers its
// records its own way.
func nativeKey(sys string, n int) string {
	switch sys {
	case SystemCRM:
		return strconv.Itoa(51_000_000 + n*7)
	case SystemShop:
		return strconv.FormatInt(7_012_000_000+int64(n)*13, 10)
	case SystemPOS:
		return fmt.Sprintf("%07d", n)
	default:
		return strconv.Itoa(480_000 + n)
	}
}
