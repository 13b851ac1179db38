package identity

import (
	"errors"
	"reflect"
	"testing"

	"github.com/harmonyhq/harmony/internal/config"
	"github.com/harmonyhq/harmony/internal/store"
)

func TestNormalize(t *testing.T) {
	plain := Normalizer{DefaultRegion: "FR"}
	gmail := Normalizer{DefaultRegion: "FR", Email: config.EmailRules{Domains: map[string]config.EmailDomain{
		"gmail.example":      {IgnoreDots: true, StripPlus: true},
		"googlemail.example": {SameAs: "gmail.example"},
		"plus.example":       {StripPlus: true},
		"dots.example":       {IgnoreDots: true},
		"alias.example":      {SameAs: "dots.example", StripPlus: true},
	}}}
	de := Normalizer{DefaultRegion: "DE"}
	tests := []struct {
		name      string
		n         Normalizer
		kind, in  string
		want      string
		invalid   bool
		wantError bool // an error that is not ErrInvalid
	}{
		// E-mail: case and whitespace; provider rules only where configured.
		{name: "email case and spaces", n: plain, kind: store.KindEmail, in: " Marie.Dupont@Example.COM ", want: "marie.dupont@example.com"},
		{name: "email angle brackets", n: plain, kind: store.KindEmail, in: "<marie@example.com>", want: "marie@example.com"},
		{name: "email plus kept by default", n: plain, kind: store.KindEmail, in: "marie+news@example.com", want: "marie+news@example.com"},
		{name: "email dots kept by default", n: plain, kind: store.KindEmail, in: "m.a.rie@gmail.example", want: "m.a.rie@gmail.example"},
		{name: "email rules of another domain do not apply", n: gmail, kind: store.KindEmail, in: "Marie.Dupont+x@example.com", want: "marie.dupont+x@example.com"},
		{name: "email ignore dots and strip plus", n: gmail, kind: store.KindEmail, in: "Marie.Dupont+news@Gmail.example", want: "mariedupont@gmail.example"},
		{name: "email strip plus only", n: gmail, kind: store.KindEmail, in: "marie.dupont+news@plus.example", want: "marie.dupont@plus.example"},
		{name: "email ignore dots only", n: gmail, kind: store.KindEmail, in: "marie.dupont+news@dots.example", want: "mariedupont+news@dots.example"},
		{name: "email alias takes its target's rules", n: gmail, kind: store.KindEmail, in: "marie.dupont+x@googlemail.example", want: "mariedupont@gmail.example"},
		{name: "email alias adds its own rules", n: gmail, kind: store.KindEmail, in: "ma.rie+x@alias.example", want: "marie@dots.example"},
		{name: "email nothing left after the tag", n: gmail, kind: store.KindEmail, in: "+news@plus.example", invalid: true},
		{name: "email display name", n: plain, kind: store.KindEmail, in: "Marie <marie@example.com>", want: "marie@example.com"},
		{name: "email comment", n: plain, kind: store.KindEmail, in: "marie@example.com (Marie)", invalid: true},
		{name: "email no at", n: plain, kind: store.KindEmail, in: "not-an-email", invalid: true},
		{name: "email no dot in domain", n: plain, kind: store.KindEmail, in: "marie@localhost", invalid: true},
		{name: "email empty", n: plain, kind: store.KindEmail, in: " ", invalid: true},

		// Phone: E.164, national numbers in the default region.
		{name: "phone national FR", n: plain, kind: store.KindPhone, in: "06 12 34 56 78", want: "+33612345678"},
		{name: "phone international spaced", n: plain, kind: store.KindPhone, in: "+33 6 12 34 56 78", want: "+33612345678"},
		{name: "phone national digits", n: plain, kind: store.KindPhone, in: "0612345678", want: "+33612345678"},
		{name: "phone dots and dashes", n: plain, kind: store.KindPhone, in: "06.12.34-56-78", want: "+33612345678"},
		{name: "phone 00 prefix", n: plain, kind: store.KindPhone, in: "0033 6 12 34 56 78", want: "+33612345678"},
		{name: "phone foreign international", n: plain, kind: store.KindPhone, in: "+49 151 23456789", want: "+4915123456789"},
		{name: "phone national DE", n: de, kind: store.KindPhone, in: "0151 23456789", want: "+4915123456789"},
		{name: "phone too short", n: plain, kind: store.KindPhone, in: "12", invalid: true},
		{name: "phone words", n: plain, kind: store.KindPhone, in: "call me", invalid: true},

		// WhatsApp: international digits.
		{name: "whatsapp digits", n: plain, kind: store.KindWhatsApp, in: "33612345678", want: "+33612345678"},
		{name: "whatsapp plus", n: plain, kind: store.KindWhatsApp, in: "+33612345678", want: "+33612345678"},
		{name: "whatsapp jid", n: plain, kind: store.KindWhatsApp, in: "33612345678@s.whatsapp.net", want: "+33612345678"},
		{name: "whatsapp spaces and dashes", n: plain, kind: store.KindWhatsApp, in: "+33 6-12-34-56-78", want: "+33612345678"},
		{name: "whatsapp ignores the default region", n: de, kind: store.KindWhatsApp, in: "4915123456789", want: "+4915123456789"},
		{name: "whatsapp group id", n: plain, kind: store.KindWhatsApp, in: "123456789-1600000000@g.us", invalid: true},
		{name: "whatsapp letters", n: plain, kind: store.KindWhatsApp, in: "33abc", invalid: true},
		{name: "whatsapp plus alone", n: plain, kind: store.KindWhatsApp, in: "+", invalid: true},

		// Loyalty cards.
		{name: "loyalty card", n: plain, kind: store.KindLoyaltyCard, in: "lc-1234 5678", want: "LC12345678"},
		{name: "loyalty card dots", n: plain, kind: store.KindLoyaltyCard, in: "LC.1234.5678", want: "LC12345678"},
		{name: "loyalty card symbols", n: plain, kind: store.KindLoyaltyCard, in: "LC<1>", invalid: true},
		{name: "loyalty card separators only", n: plain, kind: store.KindLoyaltyCard, in: "- -", invalid: true},

		// Social handles.
		{name: "social handle", n: plain, kind: store.KindSocial, in: "Instagram:@Marie.Dupont", want: "instagram:marie.dupont"},
		{name: "social handle without at", n: plain, kind: store.KindSocial, in: " x : marie_d-1 ", want: "x:marie_d-1"},
		{name: "social handle without network", n: plain, kind: store.KindSocial, in: "@marie", invalid: true},
		{name: "social handle empty network", n: plain, kind: store.KindSocial, in: ":marie", invalid: true},
		{name: "social handle empty handle", n: plain, kind: store.KindSocial, in: "instagram:@", invalid: true},
		{name: "social handle bad character", n: plain, kind: store.KindSocial, in: "instagram:marie dupont", invalid: true},

		// External IDs.
		{name: "external id trimmed", n: plain, kind: store.KindExternalID, in: " gid://shop/Customer/7001 ", want: "gid://shop/Customer/7001"},
		{name: "external id case kept", n: plain, kind: store.KindExternalID, in: "P-00AbC", want: "P-00AbC"},
		{name: "external id empty", n: plain, kind: store.KindExternalID, in: "", invalid: true},

		{name: "unknown kind", n: plain, kind: "fax", in: "0123456789", wantError: true},
		{name: "unknown kind, empty value", n: plain, kind: "fax", in: "", wantError: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.n.Normalize(tt.kind, tt.in)
			switch {
			case tt.wantError:
				if err == nil || errors.Is(err, ErrInvalid) {
					t.Fatalf("Normalize = %q, %v; want an error other than ErrInvalid", got, err)
				}
			case tt.invalid:
				if !errors.Is(err, ErrInvalid) {
					t.Fatalf("Normalize = %q, %v; want ErrInvalid", got, err)
				}
			case err != nil || got != tt.want:
				t.Fatalf("Normalize = %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}

func TestNewPolicy(t *testing.T) {
	def, err := NewPolicy(config.Identity{})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(def, DefaultPolicy()) {
		t.Errorf("NewPolicy(zero) = %+v, want DefaultPolicy() %+v", def, DefaultPolicy())
	}

	p, err := NewPolicy(config.Identity{
		DefaultRegion: "de",
		Email: config.EmailRules{Domains: map[string]config.EmailDomain{
			"gmail.example": {IgnoreDots: true}, "googlemail.example": {SameAs: "gmail.example"},
		}},
		Rules: []config.MatchRule{
			{Name: "mobile", Kinds: []string{"whatsapp"}, Confidence: 0.9},
			{Name: "mail", Kinds: []string{"email", "social_handle"}},
		},
		Blocked:                     map[string][]string{"email": {"Shop@*"}, "loyalty_card": {"lc0000*"}},
		ReplaceBlocked:              true,
		AllowReservedDomains:        true,
		MaxIdentitiesPerCustomer:    10,
		AlertCustomersPerIdentifier: 5,
	})
	if err != nil {
		t.Fatal(err)
	}
	if p.MaxIdentities != 10 || p.AlertThreshold != 5 || p.Normalizer.DefaultRegion != "DE" {
		t.Errorf("policy = %+v", p)
	}
	if v, err := p.Normalizer.Normalize(store.KindEmail, "a.b@googlemail.example"); err != nil || v != "ab@gmail.example" {
		t.Errorf("the policy's normaliser gives %q, %v; want the configured e-mail rules", v, err)
	}
	rules := []struct {
		kind, rule string
		confidence float64
		ok         bool
	}{
		{store.KindPhone, "mobile", 0.9, true}, // phone and whatsapp are interchangeable
		{store.KindWhatsApp, "mobile", 0.9, true},
		{store.KindEmail, "mail", 1, true}, // confidence defaults to 1
		{store.KindSocial, "mail", 1, true},
		{store.KindLoyaltyCard, "", 0, false},
		{store.KindExternalID, "", 0, false},
	}
	for _, r := range rules {
		got, ok := p.RuleFor(r.kind)
		if ok != r.ok || got.Name != r.rule || got.Confidence != r.confidence {
			t.Errorf("RuleFor(%s) = %+v, %v; want %s at %v", r.kind, got, ok, r.rule, r.confidence)
		}
	}
	blocked := []struct {
		kind, value string
		want        bool
	}{
		{store.KindEmail, "shop@example.com", true},  // patterns take their kind's case
		{store.KindEmail, "info@example.com", false}, // defaults replaced
		{store.KindLoyaltyCard, "LC00001234", true},
		{store.KindLoyaltyCard, "LC10001234", false},
	}
	for _, b := range blocked {
		if got := p.Blocked(b.kind, b.value); got != b.want {
			t.Errorf("Blocked(%s, %s) = %v, want %v", b.kind, b.value, got, b.want)
		}
	}

	bad := []config.Identity{
		{DefaultRegion: "XX"},
		{Rules: []config.MatchRule{{Name: "a", Kinds: []string{"fax"}}}},
		{Rules: []config.MatchRule{{Name: "a", Kinds: []string{"email"}}, {Name: "a", Kinds: []string{"phone"}}}},
		{Rules: []config.MatchRule{{Name: "a"}}},
		{Rules: []config.MatchRule{{Name: RuleNew, Kinds: []string{"email"}}}},
		{Rules: []config.MatchRule{{Name: "a", Kinds: []string{"email"}, Confidence: 1.5}}},
		{Blocked: map[string][]string{"email": {"[a-"}}},
		{Blocked: map[string][]string{"fax": {"*"}}},
		{Blocked: map[string][]string{"email": {" "}}},
		{MaxIdentitiesPerCustomer: 1},
		{AlertCustomersPerIdentifier: -1},
		{Email: config.EmailRules{Domains: map[string]config.EmailDomain{"localhost": {IgnoreDots: true}}}},
		{Email: config.EmailRules{Domains: map[string]config.EmailDomain{"a.example": {SameAs: "b.example"}, "b.example": {SameAs: "c.example"}}}},
	}
	for i, cfg := range bad {
		if _, err := NewPolicy(cfg); err == nil {
			t.Errorf("NewPolicy(bad[%d] %+v) accepted", i, cfg)
		}
	}
}

func TestDefaultPolicyBlocked(t *testing.T) {
	p := DefaultPolicy()
	tests := []struct {
		kind, value string
		want        bool
	}{
		{store.KindEmail, "info@example.com", true},
		{store.KindEmail, "noreply@shop.example", true},
		{store.KindEmail, "marie@shop.fr", false},
		{store.KindEmail, "myinfo@shop.fr", false},
		{store.KindEmail, "marie@example.com", true}, // a reserved domain: a placeholder
		{store.KindPhone, "+33639981234", true},      // French fiction range
		{store.KindWhatsApp, "+33639981234", true},   // phone patterns apply to WhatsApp IDs
		{store.KindPhone, "+12125550123", true},
		{store.KindPhone, "+447700900123", true},
		{store.KindPhone, "+33612478931", false},
		{store.KindPhone, "+33612345678", true}, // counting up: a placeholder
		{store.KindLoyaltyCard, "LC12345678", false},
	}
	for _, tt := range tests {
		if got := p.Blocked(tt.kind, tt.value); got != tt.want {
			t.Errorf("Blocked(%s, %s) = %v, want %v", tt.kind, tt.value, got, tt.want)
		}
	}
	if _, ok := p.RuleFor(store.KindSocial); ok {
		t.Error("social handles match by default; they must only link")
	}
	if r, ok := p.RuleFor(store.KindLoyaltyCard); !ok || r.Name != "loyalty_card" || p.Rules[0].Name != "loyalty_card" {
		t.Errorf("the loyalty card rule = %+v, %v; want it first", r, ok)
	}
}

// TestNormalizeForSystemRegion reads national numbers in the region of the
// system they come from; international numbers read the same everywhere,
// and values without a system keep the default region.
func TestNormalizeForSystemRegion(t *testing.T) {
	p, err := NewPolicy(config.Identity{DefaultRegion: "FR", Regions: map[string]string{"crm_us": "us", "shop_de": "DE"}})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		system, in string
		want       string // "" for ErrInvalid
	}{
		{"crm_us", "(212) 734-9180", "+12127349180"},
		{"crm_us", "212.734.9180", "+12127349180"},
		{"crm_us", "+33 6 12 47 89 31", "+33612478931"}, // international: the region does not matter
		{"shop_de", "0151 23456789", "+4915123456789"},
		{"shop", "(212) 734-9180", ""}, // a French system: not a French number
		{"shop", "06 12 47 89 31", "+33612478931"},
		{"shop", "+1 212 734 9180", "+12127349180"}, // international in a French system
		{"", "06 12 47 89 31", "+33612478931"},
	}
	for _, tt := range tests {
		got, err := p.NormalizeFor(tt.system, store.KindPhone, tt.in)
		switch {
		case tt.want == "" && !errors.Is(err, ErrInvalid):
			t.Errorf("NormalizeFor(%s, %q) = %q, %v; want ErrInvalid", tt.system, tt.in, got, err)
		case tt.want != "" && (err != nil || got != tt.want):
			t.Errorf("NormalizeFor(%s, %q) = %q, %v; want %s", tt.system, tt.in, got, err, tt.want)
		}
	}
	// A value typed by a person has no system: the default region.
	if _, err := p.Normalizer.Normalize(store.KindPhone, "(212) 734-9180"); !errors.Is(err, ErrInvalid) {
		t.Errorf("Normalize read a US national number in FR: %v", err)
	}
	// The system's region applies to what reduce reads from its records.
	r, invalid := reduce("crm_us", prof("1", "phone", "(212) 734-9180"), p)
	if invalid != 0 || len(r.refs) != 1 || r.refs[0].value != "+12127349180" || r.refs[0].status != store.StatusMatch {
		t.Errorf("reduce = %+v, %d invalid", r, invalid)
	}
	if _, err := NewPolicy(config.Identity{Regions: map[string]string{"crm_us": "USA"}}); err == nil {
		t.Error("NewPolicy accepted a region that is not one")
	}
}

// TestNormalizeForms reads identifiers in the forms systems write them:
// URI schemes, Twilio's channel prefix, display names.
func TestNormalizeForms(t *testing.T) {
	n := Normalizer{DefaultRegion: "FR"}
	tests := []struct {
		kind, in string
		want     string // "" for ErrInvalid
	}{
		{store.KindPhone, "whatsapp:+33612478931", "+33612478931"},
		{store.KindPhone, "WhatsApp:+33 6 12 47 89 31", "+33612478931"},
		{store.KindPhone, "tel:+33-6-12-47-89-31", "+33612478931"},
		{store.KindPhone, "tel:06.12.47.89.31", "+33612478931"},
		{store.KindPhone, "tel:+1-212-734-9180;ext=12", "+12127349180"},
		{store.KindPhone, "sms:+33612478931?body=Bonjour", "+33612478931"},
		{store.KindPhone, "sms:+33612478931,+33687654329", ""}, // two numbers are not one
		{store.KindPhone, "tel:", ""},
		{store.KindWhatsApp, "whatsapp:+33612478931", "+33612478931"},
		{store.KindWhatsApp, "WHATSAPP:33612478931", "+33612478931"},
		{store.KindWhatsApp, "33612478931@c.us", "+33612478931"},
		{store.KindWhatsApp, "whatsapp:", ""},
		{store.KindWhatsApp, "whatsapp:+33abc", ""},

		{store.KindEmail, "Marie Dupont <Marie.Dupont@Example.fr>", "marie.dupont@example.fr"},
		{store.KindEmail, `"Dupont, Marie" <marie.dupont@example.fr>`, "marie.dupont@example.fr"},
		{store.KindEmail, `"Marie" <marie.dupont@example.fr>`, "marie.dupont@example.fr"},
		{store.KindEmail, "Hélène <helene@example.fr>", "helene@example.fr"},
		{store.KindEmail, "mailto:Marie.Dupont@Example.fr", "marie.dupont@example.fr"},
		{store.KindEmail, "MAILTO:marie.dupont@example.fr?subject=Commande%20123", "marie.dupont@example.fr"},
		{store.KindEmail, "mailto:marie%2Bnews@example.fr", "marie+news@example.fr"},
		{store.KindEmail, "mailto:", ""},
		{store.KindEmail, "mailto:a@example.fr,b@example.fr", ""}, // two addresses
		{store.KindEmail, "Marie <marie@example.fr>, Paul <paul@example.fr>", ""},
		{store.KindEmail, "Marie <marie@example.fr> (home)", ""},
		{store.KindEmail, `"marie dupont"@example.fr`, ""}, // a quoted local part
		{store.KindEmail, "Marie <marie@localhost>", ""},
	}
	for _, tt := range tests {
		got, err := n.Normalize(tt.kind, tt.in)
		switch {
		case tt.want == "" && !errors.Is(err, ErrInvalid):
			t.Errorf("Normalize(%s, %q) = %q, %v; want ErrInvalid", tt.kind, tt.in, got, err)
		case tt.want != "" && (err != nil || got != tt.want):
			t.Errorf("Normalize(%s, %q) = %q, %v; want %s", tt.kind, tt.in, got, err, tt.want)
		}
	}
}
