package logscan

import (
	"bufio"
	"fmt"
	"io"
	"regexp"
	"strings"

	"github.com/harmonyhq/harmony/internal/simulators/population"
)

// suffixDigits is how many trailing digits identify a phone number whatever
// its format: "+33 6 12 34 56 78", "0612345678" and "33612345678" share them.
const suffixDigits = 9

// Needles are the values to look for.
type Needles struct {
	emails map[string]bool
	phones map[string]bool // last suffixDigits digits
}

// FromPopulation collects every e-mail address and phone number the people
// of pop have, canonical and as each system writes them.
func FromPopulation(pop *population.Population) *Needles {
	n := &Needles{emails: map[string]bool{}, phones: map[string]bool{}}
	for i := range pop.People {
		p := &pop.People[i]
		n.addEmail(p.Email)
		n.addPhone(p.Phone)
		for _, r := range p.Records {
			n.addEmail(r.Email)
			n.addPhone(r.Phone)
			n.addPhone(r.WhatsApp)
		}
	}
	return n
}

// Len is the number of distinct values looked for.
func (n *Needles) Len() int { return len(n.emails) + len(n.phones) }

func (n *Needles) addEmail(e string) {
	e = strings.ToLower(strings.TrimSpace(e))
	if e != "" {
		n.emails[e] = true
	}
}

func (n *Needles) addPhone(p string) {
	if d := digits(p); len(d) >= suffixDigits {
		n.phones[d[len(d)-suffixDigits:]] = true
	}
}

// Finding is one leaked value: where, and of what kind. It never holds the
// value.
type Finding struct {
	File string
	Line int
	Kind string // "email" or "phone"
}

func (f Finding) String() string { return fmt.Sprintf("%s:%d: a demo %s", f.File, f.Line, f.Kind) }

var (
	emailRE = regexp.MustCompile(`[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)+`)
	// phoneRE takes digit runs that may be split by spaces, dashes, dots and
	// brackets, as phone numbers are written.
	phoneRE = regexp.MustCompile(`\+?\(?[0-9][0-9 ().\-]{7,22}[0-9]`)
)

// maxLine bounds one line of a capture; longer lines are scanned in pieces.
const maxLine = 4 << 20

// Scan reads r line by line and reports every line that holds a needle.
func (n *Needles) Scan(file string, r io.Reader) ([]Finding, error) {
	var out []Finding
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), maxLine)
	for line := 1; sc.Scan(); line++ {
		text := sc.Text()
		if kind := n.match(text); kind != "" {
			out = append(out, Finding{File: file, Line: line, Kind: kind})
		}
	}
	if err := sc.Err(); err != nil {
		return out, fmt.Errorf("scan %s: %w", file, err)
	}
	return out, nil
}

// match returns the kind of the first needle found in text, or "".
func (n *Needles) match(text string) string {
	// JSON escapes "+" and "@" in some encoders; undo the common ones.
	text = strings.NewReplacer(`\u002b`, "+", `\u0040`, "@", `\u003c`, "<", `\u003e`, ">").Replace(text)
	for _, e := range emailRE.FindAllString(text, -1) {
		if n.emails[strings.ToLower(e)] {
			return "email"
		}
	}
	for _, p := range phoneRE.FindAllString(text, -1) {
		// A single dot makes a decimal ("0.612345678"), whose fraction is no
		// phone. Phones written with dots have several ("06.12.34.56.78").
		candidates := []string{p}
		if strings.Count(p, ".") == 1 {
			candidates = []string{p[:strings.IndexByte(p, '.')]}
		}
		for _, c := range candidates {
			if d := digits(c); len(d) >= suffixDigits && len(d) <= 15 && n.phones[d[len(d)-suffixDigits:]] {
				return "phone"
			}
		}
	}
	return ""
}

func digits(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	return b.String()
}
