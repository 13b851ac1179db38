package simulators

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/harmonyhq/harmony/internal/simulators/analytics"
	"github.com/harmonyhq/harmony/internal/simulators/calls"
	"github.com/harmonyhq/harmony/internal/simulators/chatbot"
	"github.com/harmonyhq/harmony/internal/simulators/crm"
	"github.com/harmonyhq/harmony/internal/simulators/helpdesk"
	"github.com/harmonyhq/harmony/internal/simulators/mailing"
	"github.com/harmonyhq/harmony/internal/simulators/population"
	"github.com/harmonyhq/harmony/internal/simulators/pos"
	"github.com/harmonyhq/harmony/internal/simulators/shop"
	"github.com/harmonyhq/harmony/internal/simulators/sms"
	"github.com/harmonyhq/harmony/internal/simulators/social"
)

// Options configures Start. Zero values pick the demo defaults.
type Options struct {
	Seed   uint64 // 0: population.DefaultSeed (42)
	People int    // 0: population.DefaultPeople (1000)

	// Population, when set, is served instead of generating one from Seed
	// and People.
	Population *population.Population

	// POS backend: SQLite at POSSQLitePath when set, else PostgreSQL at
	// POSPostgresDSN (pos.DefaultPostgresDSN when empty).
	POSSQLitePath  string
	POSPostgresDSN string

	// Credentials; empty ones take each simulator's demo default.
	CRMToken      string
	ShopToken     string
	HelpdeskEmail string
	HelpdeskToken string
	// HelpdeskWebhookSecret signs the helpdesk's webhook deliveries.
	HelpdeskWebhookSecret string
	MailingKey            string
	CallsKey              string
	SMSAccountSID         string
	SMSToken              string
	SocialToken           string
	AnalyticsKey          string
	ChatbotToken          string
}

// Simulator is what every simulator offers the tests and benchmarks.
type Simulator interface {
	Name() string
	URL() string // base URL, or the DSN for pos
	Total() int64
	Count(route string) int64
	Counts() map[string]int64
	Reset()
	SetLatency(d time.Duration)
	SetDown(down bool)
}

// Compile-time checks.
var (
	_ Simulator = (*crm.Server)(nil)
	_ Simulator = (*shop.Server)(nil)
	_ Simulator = (*pos.DB)(nil)
	_ Simulator = (*helpdesk.Server)(nil)
	_ Simulator = (*mailing.Server)(nil)
	_ Simulator = (*calls.Server)(nil)
	_ Simulator = (*sms.Server)(nil)
	_ Simulator = (*social.Server)(nil)
	_ Simulator = (*analytics.Server)(nil)
	_ Simulator = (*chatbot.Server)(nil)
)

// Set is the ten running simulators.
type Set struct {
	CRM       *crm.Server
	Shop      *shop.Server
	POS       *pos.DB
	Helpdesk  *helpdesk.Server
	Mailing   *mailing.Server
	Calls     *calls.Server
	SMS       *sms.Server
	Social    *social.Server
	Analytics *analytics.Server
	Chatbot   *chatbot.Server

	pop  *population.Population
	opts Options
}

// Start generates the population and starts all ten simulators. On error,
// those already started are closed.
func Start(ctx context.Context, opts Options) (*Set, error) {
	opts = withDefaults(opts)
	pop := opts.Population
	if pop == nil {
		pop = population.Generate(opts.Seed, opts.People)
	}
	s := &Set{pop: pop, opts: opts}
	err := s.start(ctx)
	if err != nil {
		_ = s.Close()
		return nil, err
	}
	return s, nil
}

func withDefaults(o Options) Options {
	if o.Seed == 0 {
		o.Seed = population.DefaultSeed
	}
	if o.People == 0 {
		o.People = population.DefaultPeople
	}
	if o.POSSQLitePath == "" && o.POSPostgresDSN == "" {
		o.POSPostgresDSN = pos.DefaultPostgresDSN
	}
	def := func(v *string, d string) {
		if *v == "" {
			*v = d
		}
	}
	def(&o.CRMToken, crm.DefaultToken)
	def(&o.ShopToken, shop.DefaultToken)
	def(&o.HelpdeskEmail, helpdesk.DefaultEmail)
	def(&o.HelpdeskToken, helpdesk.DefaultToken)
	def(&o.HelpdeskWebhookSecret, helpdesk.DefaultWebhookSecret)
	def(&o.MailingKey, mailing.DefaultKey)
	def(&o.CallsKey, calls.DefaultKey)
	def(&o.SMSAccountSID, sms.DefaultAccountSID)
	def(&o.SMSToken, sms.DefaultToken)
	def(&o.SocialToken, social.DefaultToken)
	def(&o.AnalyticsKey, analytics.DefaultKey)
	def(&o.ChatbotToken, chatbot.DefaultToken)
	return o
}

func (s *Set) start(ctx context.Context) error {
	var err error
	o := s.opts
	if s.CRM, err = crm.New(ctx, s.pop, crm.Options{Token: o.CRMToken}); err != nil {
		return fmt.Errorf("start simulators: %w", err)
	}
	if s.Shop, err = shop.New(ctx, s.pop, shop.Options{Token: o.ShopToken}); err != nil {
		return fmt.Errorf("start simulators: %w", err)
	}
	if o.POSSQLitePath != "" {
		s.POS, err = pos.NewSQLite(ctx, o.POSSQLitePath, s.pop)
	} else {
		s.POS, err = pos.NewPostgres(ctx, o.POSPostgresDSN, s.pop)
	}
	if err != nil {
		return fmt.Errorf("start simulators: %w", err)
	}
	if s.Helpdesk, err = helpdesk.New(ctx, s.pop, helpdesk.Options{Email: o.HelpdeskEmail, Token: o.HelpdeskToken, WebhookSecret: o.HelpdeskWebhookSecret}); err != nil {
		return fmt.Errorf("start simulators: %w", err)
	}
	if s.Mailing, err = mailing.New(ctx, s.pop, mailing.Options{Key: o.MailingKey}); err != nil {
		return fmt.Errorf("start simulators: %w", err)
	}
	if s.Calls, err = calls.New(ctx, s.pop, calls.Options{Key: o.CallsKey}); err != nil {
		return fmt.Errorf("start simulators: %w", err)
	}
	if s.SMS, err = sms.New(ctx, s.pop, sms.Options{AccountSID: o.SMSAccountSID, Token: o.SMSToken}); err != nil {
		return fmt.Errorf("start simulators: %w", err)
	}
	if s.Social, err = social.New(ctx, s.pop, social.Options{Token: o.SocialToken}); err != nil {
		return fmt.Errorf("start simulators: %w", err)
	}
	if s.Analytics, err = analytics.New(ctx, s.pop, analytics.Options{Key: o.AnalyticsKey}); err != nil {
		return fmt.Errorf("start simulators: %w", err)
	}
	if s.Chatbot, err = chatbot.New(ctx, s.pop, chatbot.Options{Token: o.ChatbotToken}); err != nil {
		return fmt.Errorf("start simulators: %w", err)
	}
	return nil
}

// Population returns the population the simulators serve.
func (s *Set) Population() *population.Population { return s.pop }

// All returns the simulators in population.Systems() order, skipping any
// not started.
func (s *Set) All() []Simulator {
	var out []Simulator
	for _, name := range population.Systems() {
		if sim := s.Get(name); sim != nil {
			out = append(out, sim)
		}
	}
	return out
}

// Get returns the simulator named name ("crm", "shop", "pos", "helpdesk",
// "mailing", "calls", "sms", "social", "analytics", "chatbot"), or nil.
func (s *Set) Get(name string) Simulator {
	switch {
	case name == population.CRM && s.CRM != nil:
		return s.CRM
	case name == population.Shop && s.Shop != nil:
		return s.Shop
	case name == population.POS && s.POS != nil:
		return s.POS
	case name == population.Helpdesk && s.Helpdesk != nil:
		return s.Helpdesk
	case name == population.Mailing && s.Mailing != nil:
		return s.Mailing
	case name == population.Calls && s.Calls != nil:
		return s.Calls
	case name == population.SMS && s.SMS != nil:
		return s.SMS
	case name == population.Social && s.Social != nil:
		return s.Social
	case name == population.Analytics && s.Analytics != nil:
		return s.Analytics
	case name == population.Chatbot && s.Chatbot != nil:
		return s.Chatbot
	}
	return nil
}

// Reset zeroes every simulator's counts.
func (s *Set) Reset() {
	for _, sim := range s.All() {
		sim.Reset()
	}
}

// Totals returns each simulator's request (or statement) total by name.
func (s *Set) Totals() map[string]int64 {
	out := map[string]int64{}
	for _, sim := range s.All() {
		out[sim.Name()] = sim.Total()
	}
	return out
}

// Vars returns the gateway configuration variables: URLs without trailing
// slash (SHOP_URL is the base; GraphQL is at SHOP_URL+"/graphql"), the POS
// DSN and the credentials. HELPDESK_USER is the whole basic-auth user name,
// "<email>/token".
func (s *Set) Vars() map[string]string {
	o := s.opts
	v := map[string]string{
		"CRM_TOKEN":      o.CRMToken,
		"SHOP_TOKEN":     o.ShopToken,
		"HELPDESK_USER":  helpdesk.Options{Email: o.HelpdeskEmail}.User(),
		"HELPDESK_TOKEN": o.HelpdeskToken,
		// The secret the helpdesk signs webhooks with.
		"HELPDESK_WEBHOOK_SECRET": o.HelpdeskWebhookSecret,
		"MAILING_KEY":             o.MailingKey,
		"CALLS_KEY":               o.CallsKey,
		"SMS_ACCOUNT_SID":         o.SMSAccountSID,
		"SMS_TOKEN":               o.SMSToken,
		"SMS_SERVICE_SID":         sms.ServiceSID,
		"SOCIAL_TOKEN":            o.SocialToken,
		"SOCIAL_PAGE_ID":          social.PageID,
		"ANALYTICS_KEY":           o.AnalyticsKey,
		"ANALYTICS_SPACE":         analytics.SpaceID,
		"CHATBOT_TOKEN":           o.ChatbotToken,
	}
	for name, sim := range map[string]Simulator{
		"CRM_URL": s.Get(population.CRM), "SHOP_URL": s.Get(population.Shop), "POS_DSN": s.Get(population.POS),
		"HELPDESK_URL": s.Get(population.Helpdesk), "MAILING_URL": s.Get(population.Mailing), "CALLS_URL": s.Get(population.Calls),
		"SMS_URL": s.Get(population.SMS), "SOCIAL_URL": s.Get(population.Social),
		"ANALYTICS_URL": s.Get(population.Analytics), "CHATBOT_URL": s.Get(population.Chatbot),
	} {
		if sim != nil {
			v[name] = sim.URL()
		}
	}
	return v
}

// Close stops every simulator and drops the PostgreSQL POS schema.
func (s *Set) Close() error {
	var errs []error
	for _, sim := range s.All() {
		if c, ok := sim.(interface{ Close() error }); ok {
			errs = append(errs, c.Close())
		}
	}
	return errors.Join(errs...)
}
