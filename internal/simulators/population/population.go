package population

import (
	"time"
)

// The channel systems, by the names used everywhere in the simulators.
const (
	CRM      = "crm"
	Shop     = "shop"
	POS      = "pos"
	Helpdesk = "helpdesk"
	Mailing  = "mailing"
	Calls    = "calls"

	// The channel systems added after the first six (channels.go).
	SMS       = "sms"
	Social    = "social"
	Analytics = "analytics"
	Chatbot   = "chatbot"
)

// Systems returns the ten system names in a fixed order.
func Systems() []string {
	return []string{CRM, Shop, POS, Helpdesk, Mailing, Calls, SMS, Social, Analytics, Chatbot}
}

// coreSystems are the first six systems. Their records come from the
// person's first random stream and the newer systems' from a stream of
// their own, so adding a system leaves the others' data as it was.
func coreSystems() []string {
	return []string{CRM, Shop, POS, Helpdesk, Mailing, Calls}
}

// Defaults used by callers that do not choose.
const (
	DefaultSeed   uint64 = 42
	DefaultPeople int    = 1000
)

// NowRFC3339 is the reference "now" of all generated data.
const NowRFC3339 = "2026-11-01T00:00:00Z"

// NowUnix is Now in Unix seconds.
const NowUnix int64 = 1793491200

// HistoryDays is how far back activity goes before Now.
const HistoryDays = 730

// Now is the reference time (a time.Time cannot be a Go constant). Treat it
// as read-only.
var Now = time.Unix(NowUnix, 0).UTC()

// HistoryStart is the earliest time an event can have.
var HistoryStart = Now.AddDate(0, 0, -HistoryDays)

// Population is the generated ground truth.
type Population struct {
	Seed      uint64
	People    []Person
	Campaigns []Campaign

	byKey map[string]map[string]int // system -> native key -> index
}

// Person is one real person and everything the systems know about them.
type Person struct {
	Index       int
	GivenName   string
	FamilyName  string
	Email       string // canonical: lower-case, trimmed
	Phone       string // E.164
	City        string
	Country     string // ISO 3166-1 alpha-2
	BirthDate   string // YYYY-MM-DD
	Language    string // ISO 639-1
	LoyaltyCard string // "LC-" + 8 digits

	// Records holds, for each system that knows the person, how that system
	// writes them. A system absent from the map does not know the person.
	Records map[string]Record

	// Activity, each slice newest first (ties: higher id first).
	Orders        []Order        // shop
	Sales         []Sale         // pos
	Conversations []Conversation // helpdesk
	EmailEvents   []EmailEvent   // mailing
	Calls         []Call         // calls

	SMSMessages      []SMSMessage      // sms
	SocialMessages   []SocialMessage   // social
	AppEvents        []AppEvent        // analytics, joined or not
	Identifies       []Identify        // analytics: devices linked, oldest first
	BotConversations []BotConversation // chatbot
}

// Record is one system's view of a person, noise included.
type Record struct {
	Key        string // the system's native key
	GivenName  string
	FamilyName string
	Email      string // as the system writes it; "" when it has none
	Phone      string // as the system writes it; "" when it has none
	WhatsApp   string // helpdesk only: international digits without "+"
	HomeStore  string // pos only
	Subscribed bool   // mailing only
	// Handles are the social accounts the social inbox knows, as it
	// writes them (social only).
	Handles   []Handle
	CreatedAt time.Time
	UpdatedAt time.Time
}

// In reports whether the system knows the person.
func (p *Person) In(system string) bool {
	_, ok := p.Records[system]
	return ok
}

// Key returns the person's native key in system, or "" when absent.
func (p *Person) Key(system string) string {
	return p.Records[system].Key
}

// InAll reports whether all ten systems know the person.
func (p *Person) InAll() bool {
	for _, s := range Systems() {
		if !p.In(s) {
			return false
		}
	}
	return true
}

// Len returns the number of people.
func (p *Population) Len() int { return len(p.People) }

// Person returns the person at index i.
func (p *Population) Person(i int) (*Person, bool) {
	if i < 0 || i >= len(p.People) {
		return nil, false
	}
	return &p.People[i], true
}

// ByKey returns the person whose native key in system is key.
func (p *Population) ByKey(system, key string) (*Person, bool) {
	i, ok := p.byKey[system][key]
	if !ok {
		return nil, false
	}
	return &p.People[i], true
}

// InAll returns the people present in all ten systems, by index.
func (p *Population) InAll() []Person {
	var out []Person
	for i := range p.People {
		if p.People[i].InAll() {
			out = append(out, p.People[i])
		}
	}
	return out
}

// Members returns the people system knows, in the order their native keys
// were assigned (ascending index).
func (p *Population) Members(system string) []*Person {
	var out []*Person
	for i := range p.People {
		if p.People[i].In(system) {
			out = append(out, &p.People[i])
		}
	}
	return out
}
