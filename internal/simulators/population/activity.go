package population

import "time"

// Currency of every amount: all stores sell in euros.
const Currency = "EUR"

// Line is one product line of an order or a sale.
type Line struct {
	SKU       string
	Title     string
	Quantity  int
	UnitCents int64
}

// Order is an online order in the shop.
type Order struct {
	ID              string // "gid://shop/Order/5100001"
	Name            string // "#1001"
	CreatedAt       time.Time
	FinancialStatus string // paid, pending, refunded, partially_refunded
	TotalCents      int64
	Lines           []Line
}

// Sale is an in-store sale in the point-of-sale database.
type Sale struct {
	ID         string // "S-00000001"
	Store      string
	SoldAt     time.Time
	TotalCents int64
	Status     string // completed, refunded
	Lines      []Line
}

// Conversation is a helpdesk conversation.
type Conversation struct {
	ID              string // "cv_1"
	Channel         string // chat, whatsapp, email
	Subject         string
	Status          string // open, pending, solved
	CreatedAt       time.Time
	FirstResponseAt *time.Time
	SolvedAt        *time.Time
	ThreadRef       string // "T-000001"
	MessagesCount   int
	Satisfaction    string // "", "good", "bad"
}

// Campaign is an e-mail marketing campaign.
type Campaign struct {
	ID     string // 10 hex digits
	Title  string
	SentAt time.Time
	URL    string // the campaign's landing page
}

// EmailEvent is a marketing e-mail sent to, opened or clicked by a person.
type EmailEvent struct {
	ID            string // "ev_1"
	Action        string // sent, open, click
	Timestamp     time.Time
	CampaignID    string
	CampaignTitle string
	URL           string // the clicked URL; "" unless Action is click
}

// Call is a phone call with the call center.
type Call struct {
	ID         int64
	Direction  string // inbound, outbound
	StartedAt  time.Time
	AnsweredAt *time.Time
	EndedAt    time.Time
	Duration   int    // seconds, from start to end
	Outcome    string // resolved, callback, missed, voicemail
	Agent      string
	Ref        string // a helpdesk thread ref the call continues; "" if none
}
