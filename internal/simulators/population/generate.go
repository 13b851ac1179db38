package population

import (
	"crypto/md5" //nolint:gosec // G501: MD5 is Mailchimp's subscriber hash (SubscriberHash), not security
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"time"
)

// presence is the chance that a system knows a person.
var presence = map[string]float64{
	CRM: 0.9, Shop: 0.7, POS: 0.55, Helpdesk: 0.6, Mailing: 0.75, Calls: 0.5,
	SMS: 0.45, Social: 0.3, Analytics: 0.5, Chatbot: 0.35,
}

// EveryoneEvery makes every EveryoneEvery-th person (index 0, 20, 40...)
// present in all ten systems, so at least 5% are.
const EveryoneEvery = 20

// generator holds what must stay unique or sequential across people.
type generator struct {
	seed   uint64
	emails map[string]bool
	phones map[string]bool
	cards  map[string]bool
	keys   map[string]int // system -> keys handed out
	seq    map[string]int // activity kind -> ids handed out
}

// Generate returns the population of n people for seed.
func Generate(seed uint64, n int) *Population {
	g := &generator{
		seed:   seed,
		emails: map[string]bool{},
		phones: map[string]bool{},
		cards:  map[string]bool{},
		keys:   map[string]int{},
		seq:    map[string]int{},
	}
	pop := &Population{Seed: seed, Campaigns: newCampaigns(seed)}
	for i := 0; i < max(n, 0); i++ {
		r := rand.New(rand.NewPCG(splitmix(seed^0x5eed), splitmix(uint64(i)+seed*0x9e3779b97f4a7c15)))
		p, ph := g.person(r, i)
		g.records(r, &p, ph)
		g.activity(r, &p, pop.Campaigns)
		// The newer systems draw from a stream of their own, so the six
		// first systems' data does not depend on them.
		rc := rand.New(rand.NewPCG(splitmix(seed^0xc4a77e15), splitmix(uint64(i)+seed*0x9e3779b97f4a7c15)))
		g.channels(rc, &p, ph)
		pop.People = append(pop.People, p)
	}
	pop.byKey = map[string]map[string]int{}
	for _, s := range Systems() {
		pop.byKey[s] = map[string]int{}
	}
	for i := range pop.People {
		for s, rec := range pop.People[i].Records {
			pop.byKey[s][rec.Key] = i
		}
	}
	return pop
}

// splitmix scrambles a seed (SplitMix64's finaliser).
func splitmix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

func (g *generator) person(r *rand.Rand, i int) (Person, phone) {
	roll, c := r.IntN(100), &countries[0]
	for k := range countries {
		if roll < countries[k].weight {
			c = &countries[k]
			break
		}
		roll -= countries[k].weight
	}
	p := Person{
		Index:      i,
		GivenName:  pick(r, c.given),
		FamilyName: pick(r, c.family),
		City:       pick(r, c.cities),
		Country:    c.code,
		Language:   c.language,
	}
	p.Email = newEmail(r, p.GivenName, p.FamilyName, c.domains, g.emails)
	ph := newPhone(r, c.code)
	for g.phones[ph.E164()] {
		ph = newPhone(r, c.code)
	}
	g.phones[ph.E164()] = true
	p.Phone = ph.E164()
	ageDays := 18*365 + r.IntN(62*365)
	p.BirthDate = Now.AddDate(0, 0, -ageDays).Format(time.DateOnly)
	for {
		card := fmt.Sprintf("LC-%08d", r.IntN(100_000_000))
		if !g.cards[card] {
			g.cards[card] = true
			p.LoyaltyCard = card
			break
		}
	}
	return p, ph
}

// nextKey hands out the system's next native key.
func (g *generator) nextKey(system string, p *Person) string {
	k := g.keys[system]
	g.keys[system]++
	switch system {
	case CRM:
		return fmt.Sprint(1001 + k)
	case Shop:
		return fmt.Sprintf("gid://shop/Customer/%d", 7001+k)
	case POS:
		return fmt.Sprintf("P-%06d", 1+k)
	case Helpdesk:
		return fmt.Sprint(3_600_000_001 + int64(k))
	case Mailing:
		return SubscriberHash(p.Email)
	case SMS:
		// Twilio-like: a recipient is its number.
		return p.Phone
	case Social:
		return fmt.Sprintf("sc_%06d", 1+k)
	case Analytics:
		return fmt.Sprintf("usr_%05d", 40001+k)
	case Chatbot:
		return fmt.Sprintf("eu_%06x%06d", splitmix(g.seed)&0xffffff, 1+k)
	default:
		return fmt.Sprintf("c_%d", 1+k)
	}
}

// nextSeq hands out the next sequence number of an activity kind.
func (g *generator) nextSeq(kind string) int {
	g.seq[kind]++
	return g.seq[kind]
}

// SubscriberHash is Mailchimp's member id: the hex MD5 of the lower-cased,
// trimmed e-mail address.
func SubscriberHash(email string) string {
	sum := md5.Sum([]byte(strings.ToLower(strings.TrimSpace(email)))) //nolint:gosec // G401: an identifier Mailchimp defines, not security
	return hex.EncodeToString(sum[:])
}

func pick[T any](r *rand.Rand, xs []T) T { return xs[r.IntN(len(xs))] }

func chance(r *rand.Rand, p float64) bool { return r.Float64() < p }

// skewed draws 0..limit with small counts more likely (mean about limit/3).
func skewed(r *rand.Rand, limit int) int {
	u := r.Float64()
	return min(int(float64(limit+1)*u*u), limit)
}

// between returns a second-precision time uniformly in [from, to).
func between(r *rand.Rand, from, to time.Time) time.Time {
	span := int64(to.Sub(from) / time.Second)
	if span <= 0 {
		return from.Truncate(time.Second)
	}
	return from.Truncate(time.Second).Add(time.Duration(r.Int64N(span)) * time.Second)
}

// later returns t plus a random duration in [lo, hi).
func later(r *rand.Rand, t time.Time, lo, hi time.Duration) time.Time {
	return t.Add(lo + time.Duration(r.Int64N(int64((hi-lo)/time.Second)))*time.Second)
}

// activity generates what p did in each system that knows them. Order
// matters: conversations may cite orders, calls may continue conversations.
func (g *generator) activity(r *rand.Rand, p *Person, campaigns []Campaign) {
	if rec, ok := p.Records[Shop]; ok {
		p.Orders = g.orders(r, rec)
	}
	if rec, ok := p.Records[POS]; ok {
		p.Sales = g.sales(r, rec)
	}
	if rec, ok := p.Records[Helpdesk]; ok {
		p.Conversations = g.conversations(r, p, rec)
	}
	if rec, ok := p.Records[Mailing]; ok {
		p.EmailEvents = g.emailEvents(r, p, rec, campaigns)
	}
	if rec, ok := p.Records[Calls]; ok {
		p.Calls = g.calls(r, p, rec)
	}
}

// chronological returns n sorted times in [from, to).
func chronological(r *rand.Rand, n int, from, to time.Time) []time.Time {
	ts := make([]time.Time, n)
	for i := range ts {
		ts[i] = between(r, from, to)
	}
	slices.SortFunc(ts, time.Time.Compare)
	return ts
}
