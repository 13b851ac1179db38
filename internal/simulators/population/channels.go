package population

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"time"
)

// This file generates the four systems added after the first six: an SMS
// provider, a social inbox, product analytics for the app and the website,
// and a chatbot. They draw from their own random stream (see Generate).

// SMSMessage is a text message to or from the person's number.
type SMSMessage struct {
	ID        string // "SM" and 32 hex digits
	Direction string // inbound, outbound-api
	Status    string // outbound: delivered, undelivered, failed, sent; inbound: received
	Body      string
	SentAt    time.Time
}

// Handle is a social account as the social inbox writes it.
type Handle struct {
	Network  string // instagram, facebook
	Username string // as written: "@Marie.Dupont", "marie_d"
}

// SocialMessage is a direct message or a public mention on a social
// network.
type SocialMessage struct {
	ID        string // "sm_1"
	Network   string // instagram, facebook
	Kind      string // dm, mention, comment
	From      string // customer, agent
	Text      string
	CreatedAt time.Time
	ThreadID  string // a DM thread; "" for mentions and comments
}

// AppEvent is one Segment-like event from the app or the website.
type AppEvent struct {
	ID          string // "evt_1"
	Type        string // track, page, screen
	Name        string // the track event or the page/screen name
	Source      string // ios, android, web
	Timestamp   time.Time
	AnonymousID string
	// UserID is the analytics user the event was sent as; "" for an event
	// sent before the device logged in (it joins the user only through an
	// identify of its AnonymousID).
	UserID string
	SKU    string // product events
	// Joined reports whether the event belongs to the user: sent as the
	// user, or sent anonymously from a device an identify later linked.
	Joined bool
}

// Identify links an anonymous device to the analytics user, as Segment's
// identify call does.
type Identify struct {
	ID          string // "idf_1"
	AnonymousID string
	At          time.Time
}

// BotConversation is a chatbot conversation. One handed off continues as
// a helpdesk conversation with the same thread ref.
type BotConversation struct {
	ID            string // "bc_1"
	Channel       string // web_chat, in_app
	Topic         string
	Status        string // resolved_by_bot, abandoned, handed_off
	CreatedAt     time.Time
	EndedAt       time.Time
	MessagesCount int
	ThreadRef     string     // the helpdesk's "T-…" when handed off, else "B-…"
	HandoffAt     *time.Time // when an agent took over
}

// channels writes the records and activity of the four newer systems.
func (g *generator) channels(r *rand.Rand, p *Person, ph phone) {
	for _, s := range []string{SMS, Social, Analytics, Chatbot} {
		if p.Index%EveryoneEvery != 0 && r.Float64() >= presence[s] {
			continue
		}
		created := between(r, Now.AddDate(0, 0, -HistoryDays-365), Now.AddDate(0, 0, -30))
		rec := Record{Key: g.nextKey(s, p), CreatedAt: created, UpdatedAt: between(r, created, Now)}
		every := p.Index%EveryoneEvery == 0
		switch s {
		case SMS:
			// Twilio keeps numbers in E.164 and knows no names.
			rec.Phone = ph.E164()
			p.Records[s] = rec
			p.SMSMessages = g.smsMessages(r, p, rec, every)
		case Social:
			socialRecord(r, p, ph, &rec)
			p.Records[s] = rec
			p.SocialMessages = g.socialMessages(r, rec, every)
		case Analytics:
			rec.GivenName, rec.FamilyName, rec.Email = p.GivenName, p.FamilyName, p.Email
			if chance(r, 0.15) {
				rec.Email = mixedCase(p.Email)
			}
			if chance(r, 0.3) {
				rec.Phone = ph.E164()
			}
			p.Records[s] = rec
			p.AppEvents, p.Identifies = g.appEvents(r, rec, every)
		case Chatbot:
			// A bot asks for a first name and one way to reach the person.
			rec.GivenName = p.GivenName
			switch e := r.Float64(); {
			case e < 0.15:
				rec.Email = " " + mixedCase(p.Email) + " "
			case e < 0.7:
				rec.Email = p.Email
			case p.Country == "FR":
				rec.Phone = ph.National()
			default:
				rec.Phone = ph.International()
			}
			p.Records[s] = rec
			p.BotConversations = g.botConversations(r, p, rec, every)
		}
	}
}

func socialRecord(r *rand.Rand, p *Person, ph phone, rec *Record) {
	rec.GivenName = p.GivenName
	if chance(r, 0.7) {
		rec.FamilyName = p.FamilyName
	}
	g, f := asciiFold(p.GivenName), asciiFold(p.FamilyName)
	username := func() string {
		switch r.IntN(4) {
		case 0:
			return g + "." + f
		case 1:
			return g + f + fmt.Sprint(10+r.IntN(90))
		case 2:
			return g + "_" + f[:1]
		default:
			return f + "." + g
		}
	}
	written := func(u string) string {
		switch r.IntN(3) {
		case 0:
			return "@" + u
		case 1:
			return capitalizeParts(u)
		default:
			return u
		}
	}
	if chance(r, 0.8) {
		rec.Handles = append(rec.Handles, Handle{Network: "instagram", Username: written(username())})
	}
	if len(rec.Handles) == 0 || chance(r, 0.45) {
		rec.Handles = append(rec.Handles, Handle{Network: "facebook", Username: written(username())})
	}
	// The inbox keeps what the customer gave in a conversation: an
	// e-mail address, a phone number, or both.
	switch e := r.Float64(); {
	case e < 0.45:
		rec.Email = p.Email
	case e < 0.65:
		rec.Email = mixedCase(p.Email)
	case e < 0.8:
		rec.Email, rec.Phone = p.Email, ph.International()
	default:
		rec.Phone = ph.International()
	}
}

var smsOutbound = []string{
	"Your order %s has shipped. Track it in the app.",
	"Your order %s is ready for pickup in store.",
	"Reminder: your appointment with a stylist is tomorrow at 10:00.",
	"Private sale: 20%% off knitwear this weekend. Reply STOP to opt out.",
	"Your verification code is %s.",
}

var smsReplies = []string{"Thanks!", "STOP", "Can I change the delivery address?", "OK", "Is the store open on Sunday?"}

// smsMessages generates 0-8 outbound texts, newest first, some with a
// reply from the customer a few minutes later.
func (g *generator) smsMessages(r *rand.Rand, p *Person, rec Record, every bool) []SMSMessage {
	n := skewed(r, 6)
	if every {
		n = max(n, 2)
	}
	var out []SMSMessage
	for _, t := range chronological(r, n, activityFrom(rec), Now.Add(-3*time.Hour)) {
		body := pick(r, smsOutbound)
		switch {
		case strings.Contains(body, "order %s"):
			order := "#" + fmt.Sprint(1000+r.IntN(9000))
			for _, o := range p.Orders {
				if o.CreatedAt.Before(t) {
					order = o.Name
					break
				}
			}
			body = fmt.Sprintf(body, order)
		case strings.Contains(body, "code is %s"):
			body = fmt.Sprintf(body, fmt.Sprintf("%06d", r.IntN(1_000_000)))
		default:
			body = strings.ReplaceAll(body, "%%", "%")
		}
		m := SMSMessage{Direction: "outbound-api", Body: body, SentAt: t}
		switch f := r.Float64(); {
		case f < 0.84:
			m.Status = "delivered"
		case f < 0.92:
			m.Status = "undelivered"
		case f < 0.96:
			m.Status = "failed"
		default:
			m.Status = "sent"
		}
		out = append(out, m)
		if m.Status == "delivered" && chance(r, 0.3) {
			out = append(out, SMSMessage{Direction: "inbound", Status: "received", Body: pick(r, smsReplies),
				SentAt: later(r, t, 30*time.Second, 2*time.Hour)})
		}
	}
	slices.SortStableFunc(out, func(a, b SMSMessage) int { return a.SentAt.Compare(b.SentAt) })
	for i := range out {
		seq := g.nextSeq("sms")
		out[i].ID = fmt.Sprintf("SM%016x%016x", splitmix(g.seed^0x5353), seq)
	}
	slices.Reverse(out)
	return out
}

var socialDMs = []string{
	"Hi! Do you have the linen shirt in size M?",
	"My parcel hasn't arrived yet, can you help?",
	"Is the wool overcoat coming back in stock?",
	"Can I return something bought online in a store?",
}

var socialReplies = []string{
	"Hi! Yes, it is back in stock online and in most stores.",
	"Sorry about that! Could you send us your order number?",
	"Of course, any store takes online returns within 30 days.",
}

var socialMentions = []string{
	"Loving my new sweater from @harmonystore",
	"Best customer service ever @harmonystore",
	"Still waiting for my order @harmonystore…",
	"Cosy Sunday with my new throw blanket #harmonyhome",
}

// socialMessages generates DM threads (the customer writes, the brand
// answers) and public mentions and comments, newest first.
func (g *generator) socialMessages(r *rand.Rand, rec Record, every bool) []SocialMessage {
	n := skewed(r, 5)
	if every {
		n = max(n, 2)
	}
	var out []SocialMessage
	for i, t := range chronological(r, n, activityFrom(rec), Now.Add(-3*time.Hour)) {
		network := pick(r, rec.Handles).Network
		if i%2 == 1 || every && i == 0 || chance(r, 0.4) {
			thread := fmt.Sprintf("%s_t_%d", network[:2], g.nextSeq("social-thread"))
			out = append(out, SocialMessage{Network: network, Kind: "dm", From: "customer", Text: pick(r, socialDMs), CreatedAt: t, ThreadID: thread})
			if chance(r, 0.85) {
				at := later(r, t, 5*time.Minute, 20*time.Hour)
				out = append(out, SocialMessage{Network: network, Kind: "dm", From: "agent", Text: pick(r, socialReplies), CreatedAt: at, ThreadID: thread})
			}
			continue
		}
		kind := "mention"
		if chance(r, 0.4) {
			kind = "comment"
		}
		out = append(out, SocialMessage{Network: network, Kind: kind, From: "customer", Text: pick(r, socialMentions), CreatedAt: t})
	}
	slices.SortStableFunc(out, func(a, b SocialMessage) int { return a.CreatedAt.Compare(b.CreatedAt) })
	for i := range out {
		out[i].ID = fmt.Sprintf("sm_%d", g.nextSeq("social"))
	}
	sortNewestFirst(out, func(m SocialMessage) (time.Time, int64) { return m.CreatedAt, idNumber(m.ID) })
	return out
}

// appEvents generates sessions on one to three devices. A device's
// sessions before its login are anonymous; the login is an identify that
// links its anonymous ID to the user. About one device in five never logs
// in: its activity never joins the user.
func (g *generator) appEvents(r *rand.Rand, rec Record, every bool) ([]AppEvent, []Identify) {
	var events []AppEvent
	var identifies []Identify
	from := activityFrom(rec)
	devices := 1 + r.IntN(3)
	for d := range devices {
		source := pick(r, []string{"ios", "android", "web", "web"})
		anon := fmt.Sprintf("%08x-%04x-4%03x-a%03x-%012x", r.Uint32(), r.IntN(1<<16), r.IntN(1<<12), r.IntN(1<<12), r.Uint64()&0xffffffffffff)
		sessions := 1 + skewed(r, 8)
		times := chronological(r, sessions, from, Now.Add(-2*time.Hour))
		// The session the device logs in at; sessions = never.
		login := r.IntN(sessions)
		if chance(r, 0.2) && (!every || d != 0) {
			login = sessions
		}
		for i, t := range times {
			user := ""
			if i >= login {
				user = rec.Key
			}
			if i == login {
				identifies = append(identifies, Identify{AnonymousID: anon, At: t.Add(30 * time.Second)})
				// The login itself is sent as the user, after the identify.
				t = t.Add(time.Minute)
			}
			for _, e := range session(r, source, t) {
				e.AnonymousID, e.UserID, e.Joined = anon, user, login < sessions
				events = append(events, e)
			}
		}
	}
	slices.SortStableFunc(events, func(a, b AppEvent) int { return a.Timestamp.Compare(b.Timestamp) })
	for i := range events {
		events[i].ID = fmt.Sprintf("evt_%d", g.nextSeq("app-event"))
	}
	sortNewestFirst(events, func(e AppEvent) (time.Time, int64) { return e.Timestamp, idNumber(e.ID) })
	slices.SortStableFunc(identifies, func(a, b Identify) int { return a.At.Compare(b.At) })
	for i := range identifies {
		identifies[i].ID = fmt.Sprintf("idf_%d", g.nextSeq("identify"))
	}
	return events, identifies
}

// session is what one visit does: open the app (or land on the site), look
// at a product or two, sometimes add one to the cart.
func session(r *rand.Rand, source string, t time.Time) []AppEvent {
	var out []AppEvent
	at := t
	next := func() time.Time { at = later(r, at, 5*time.Second, 3*time.Minute); return at }
	mobile := source != "web"
	switch {
	case mobile && chance(r, 0.25):
		out = append(out, AppEvent{Type: "track", Name: "Push Notification Opened", Source: source, Timestamp: at})
	case mobile:
		out = append(out, AppEvent{Type: "track", Name: "Application Opened", Source: source, Timestamp: at})
	default:
		out = append(out, AppEvent{Type: "page", Name: "Home", Source: source, Timestamp: at})
	}
	for range 1 + r.IntN(2) {
		prod := pick(r, Products)
		view := AppEvent{Type: "page", Name: "Product: " + prod.Title, Source: source, Timestamp: next(), SKU: prod.SKU}
		if mobile {
			view.Type = "screen"
		}
		out = append(out, view,
			AppEvent{Type: "track", Name: "Product Viewed", Source: source, Timestamp: next(), SKU: prod.SKU})
		if chance(r, 0.25) {
			out = append(out, AppEvent{Type: "track", Name: "Product Added", Source: source, Timestamp: next(), SKU: prod.SKU})
		}
	}
	return out
}

var botTopics = []string{"Order status", "Returns and refunds", "Store opening hours", "Size guide", "Delivery times", "Change my address"}

// botConversations generates the person's chatbot conversations, newest
// first: some the bot solved or the person left, and one before some of
// the person's helpdesk chats, handed off to the agent who took the chat,
// with its thread ref.
func (g *generator) botConversations(r *rand.Rand, p *Person, rec Record, every bool) []BotConversation {
	var out []BotConversation
	for _, t := range chronological(r, skewed(r, 4), activityFrom(rec), Now.Add(-2*time.Hour)) {
		c := BotConversation{Channel: pick(r, []string{"web_chat", "in_app"}), Topic: pick(r, botTopics),
			Status: "resolved_by_bot", CreatedAt: t, MessagesCount: 2 + r.IntN(8)}
		if chance(r, 0.3) {
			c.Status = "abandoned"
		}
		c.EndedAt = later(r, t, 30*time.Second, 10*time.Minute)
		out = append(out, c)
	}
	handedOff := false
	for _, conv := range p.Conversations { // newest first
		if conv.Channel != "chat" || !(chance(r, 0.4) || every && !handedOff) {
			continue
		}
		start := conv.CreatedAt.Add(-time.Duration(60+r.IntN(600)) * time.Second)
		handoff := conv.CreatedAt
		out = append(out, BotConversation{Channel: "web_chat", Topic: pick(r, botTopics), Status: "handed_off",
			CreatedAt: start, EndedAt: handoff, MessagesCount: 3 + r.IntN(5), ThreadRef: conv.ThreadRef, HandoffAt: &handoff})
		handedOff = true
	}
	slices.SortStableFunc(out, func(a, b BotConversation) int { return a.CreatedAt.Compare(b.CreatedAt) })
	for i := range out {
		seq := g.nextSeq("bot")
		out[i].ID = fmt.Sprintf("bc_%d", seq)
		if out[i].ThreadRef == "" {
			out[i].ThreadRef = fmt.Sprintf("B-%06d", seq)
		}
	}
	sortNewestFirst(out, func(c BotConversation) (time.Time, int64) { return c.CreatedAt, idNumber(c.ID) })
	return out
}
