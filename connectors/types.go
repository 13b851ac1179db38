package connectors

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// Canonical profile field names. A connector maps its system's fields onto
// these; any other name is kept as an extra attribute. The fields marked
// "identifier" are also used to link records across systems.
const (
	FieldGivenName    = "given_name"
	FieldFamilyName   = "family_name"
	FieldEmail        = "email"         // identifier
	FieldPhone        = "phone"         // identifier
	FieldWhatsApp     = "whatsapp"      // identifier
	FieldLoyaltyCard  = "loyalty_card"  // identifier
	FieldSocialHandle = "social_handle" // identifier, "network:handle"; see SocialHandleField
	FieldBirthDate    = "birth_date"    // YYYY-MM-DD
	FieldCity         = "city"
	FieldCountry      = "country" // ISO 3166-1 alpha-2 when the system has it
	FieldLanguage     = "language"
)

// Identifier kinds a ProfileFinder is asked about.
const (
	IdentifierEmail        = "email"
	IdentifierPhone        = "phone"
	IdentifierWhatsApp     = "whatsapp"
	IdentifierLoyaltyCard  = "loyalty_card"
	IdentifierSocialHandle = "social_handle"
)

// Identifier is one value that identifies a person, already normalised by
// the gateway: e-mail addresses in lower case, phone numbers and WhatsApp
// IDs in E.164 (+33612345678), loyalty cards in upper case without
// separators, social handles as network:handle.
type Identifier struct {
	Kind  string // an Identifier* constant
	Value string
}

// Profile is one system's record of a customer.
type Profile struct {
	// Key is the record's native key in its system. It must equal the key it
	// answers.
	Key string
	// Fields holds values by canonical field name; empty values are absent.
	Fields map[string]string
	// UpdatedAt is when the system last changed the record, zero if unknown.
	UpdatedAt time.Time
}

// Get returns a field's value, "" when absent.
func (p *Profile) Get(field string) string {
	if p == nil {
		return ""
	}
	return p.Fields[field]
}

// ProfilePage is one page of ProfileLister.ListProfiles.
type ProfilePage struct {
	Profiles []Profile
	// Next is the cursor of the next page, "" when this is the last one.
	Next string
	// Total is how many records the whole listing holds, as the system
	// reports it (a total_count beside the page); 0 when it reports none.
	// The gateway fails a listing that ends with fewer distinct records
	// than the last total reported: pages were skipped.
	Total int
}

// Window bounds a time-ordered read. Results are newest first.
type Window struct {
	// Since is the inclusive lower bound; zero means none.
	Since time.Time
	// Until is the inclusive upper bound; zero means none.
	Until time.Time
	// Limit is the most items to return per key; always positive.
	Limit int
}

// Contains reports whether t lies inside the window's bounds.
func (w Window) Contains(t time.Time) bool {
	if !w.Since.IsZero() && t.Before(w.Since) {
		return false
	}
	if !w.Until.IsZero() && t.After(w.Until) {
		return false
	}
	return true
}

// Money is an amount in the currency's minor unit (cents for EUR).
type Money struct {
	Minor    int64
	Currency string // ISO 4217, upper case
}

// currencyExponents lists the ISO 4217 currencies whose minor unit is not a
// hundredth.
var currencyExponents = map[string]int{
	"JPY": 0, "KRW": 0, "CLP": 0, "ISK": 0, "VND": 0, "XOF": 0, "XAF": 0,
	"BHD": 3, "KWD": 3, "OMR": 3, "JOD": 3, "TND": 3,
}

// CurrencyExponent returns the number of decimals of a currency's minor unit.
func CurrencyExponent(currency string) int {
	if e, ok := currencyExponents[strings.ToUpper(currency)]; ok {
		return e
	}
	return 2
}

// ParseMoney reads a decimal amount in major units ("129.90") of a currency.
func ParseMoney(amount, currency string) (Money, error) {
	currency = strings.ToUpper(strings.TrimSpace(currency))
	if len(currency) != 3 {
		return Money{}, fmt.Errorf("currency %q is not an ISO 4217 code", currency)
	}
	amount = strings.TrimSpace(amount)
	neg := strings.HasPrefix(amount, "-")
	amount = strings.TrimPrefix(amount, "-")
	whole, frac, _ := strings.Cut(amount, ".")
	exp := CurrencyExponent(currency)
	if len(frac) > exp {
		return Money{}, fmt.Errorf("amount has more decimals than %s allows", currency)
	}
	frac += strings.Repeat("0", exp-len(frac))
	if whole == "" {
		whole = "0"
	}
	w, err := strconv.ParseInt(whole, 10, 64)
	if err != nil {
		return Money{}, fmt.Errorf("amount is not a decimal number")
	}
	var f int64
	if frac != "" {
		if f, err = strconv.ParseInt(frac, 10, 64); err != nil {
			return Money{}, fmt.Errorf("amount is not a decimal number")
		}
	}
	scale := int64(math.Pow10(exp))
	if w > (math.MaxInt64-f)/scale {
		return Money{}, fmt.Errorf("amount is out of range")
	}
	m := w*scale + f
	if neg {
		m = -m
	}
	return Money{Minor: m, Currency: currency}, nil
}

// Decimal formats the amount in major units ("129.90").
func (m Money) Decimal() string {
	exp := CurrencyExponent(m.Currency)
	minor := m.Minor
	sign := ""
	if minor < 0 {
		sign, minor = "-", -minor
	}
	if exp == 0 {
		return sign + strconv.FormatInt(minor, 10)
	}
	scale := int64(math.Pow10(exp))
	return fmt.Sprintf("%s%d.%0*d", sign, minor/scale, exp, minor%scale)
}

// Order sales channels.
const (
	OrderChannelOnline = "online"
	OrderChannelStore  = "store"
)

// The values configuration may give where a key has a fixed set of
// choices (a mapping's literal channel, a value map's targets, an
// endpoint's identifier kinds), in the order the docs list them. The
// configuration schema and the kinds check against these lists.
var (
	OrderChannels       = []string{OrderChannelOnline, OrderChannelStore}
	InteractionChannels = []string{ChannelChat, ChannelWhatsApp, ChannelEmail, ChannelPhone, ChannelSMS, ChannelWeb, ChannelApp, ChannelStore, ChannelSocial, ChannelOther}
	InteractionTypes    = []string{TypeMessage, TypeConversation, TypeTicket, TypeCall, TypeEmailSent, TypeEmailOpened, TypeEmailClicked, TypeVisit, TypeOther}
	Directions          = []string{DirectionInbound, DirectionOutbound}
	IdentifierKinds     = []string{IdentifierEmail, IdentifierPhone, IdentifierWhatsApp, IdentifierLoyaltyCard, IdentifierSocialHandle}
)

// Order is one purchase.
type Order struct {
	// ID is the order's native ID in its system.
	ID string
	// CustomerKey is the native key of the customer the order belongs to; it
	// must equal the key it answers.
	CustomerKey string
	PlacedAt    time.Time
	Status      string // e.g. "paid", "fulfilled", "refunded"
	Channel     string // OrderChannelOnline or OrderChannelStore
	Location    string // store name for in-store purchases
	Total       Money
	Items       []OrderItem
}

// OrderItem is one line of an order.
type OrderItem struct {
	SKU       string
	Name      string
	Quantity  int
	UnitPrice Money
}

// Interaction channels.
const (
	ChannelChat     = "chat"
	ChannelWhatsApp = "whatsapp"
	ChannelEmail    = "email"
	ChannelPhone    = "phone"
	ChannelSMS      = "sms"
	ChannelWeb      = "web"
	ChannelStore    = "store"
	ChannelSocial   = "social"
	ChannelApp      = "app" // the company's mobile app
	ChannelOther    = "other"
)

// Interaction types.
const (
	TypeMessage      = "message"
	TypeConversation = "conversation"
	TypeTicket       = "ticket"
	TypeCall         = "call"
	TypeEmailSent    = "email_sent"
	TypeEmailOpened  = "email_opened"
	TypeEmailClicked = "email_clicked"
	TypeVisit        = "visit"
	TypeOther        = "other"
)

// Directions of an interaction.
const (
	DirectionInbound  = "inbound"  // from the customer
	DirectionOutbound = "outbound" // from the company
)

// Interaction is one contact between the customer and the company: a
// conversation, a ticket, a call, an e-mail event, a visit.
type Interaction struct {
	// ID is the interaction's native ID in its system.
	ID string
	// CustomerKey must equal the key it answers.
	CustomerKey string
	Channel     string // Channel* constant
	Type        string // Type* constant
	Direction   string // Direction* constant, "" if unknown
	OccurredAt  time.Time
	// Summary is a short, human readable line (a subject, a campaign name).
	Summary string
	Status  string
	// ThreadRef is a reference shared by interactions of one conversation,
	// across channels when the systems share it.
	ThreadRef string
	// Duration of a call, zero otherwise.
	Duration time.Duration
	// FirstResponseAt is when the company first answered, zero if not yet or
	// not applicable.
	FirstResponseAt time.Time
	// ResolvedAt is when the conversation or ticket was closed, zero if open.
	ResolvedAt time.Time
	// Attributes holds other facts (campaign, agent, outcome, url). The
	// attribute AttrAuthor says who wrote the interaction.
	Attributes map[string]string
}

// AttrAuthor is the interaction attribute that says who wrote it: one of
// AuthorCustomer, AuthorAgent or AuthorBot. Without it, an inbound
// interaction is the customer's and the author of any other is unknown.
const AttrAuthor = "author"

// Authors of an interaction (the AttrAuthor attribute).
const (
	AuthorCustomer = "customer"
	AuthorAgent    = "agent"
	AuthorBot      = "bot"
)
