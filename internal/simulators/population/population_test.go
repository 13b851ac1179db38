package population

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/nyaruka/phonenumbers"
)

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatalf("marshal: %v", err)
	}
	return b
}

func TestGenerateDeterministic(t *testing.T) {
	tests := []struct {
		name      string
		a, b      uint64
		n         int
		wantEqual bool
	}{
		{"same seed", 42, 42, 200, true},
		{"different seed", 42, 43, 200, false},
		{"seed zero is a seed", 0, 0, 50, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a := mustJSON(t, Generate(tc.a, tc.n))
			b := mustJSON(t, Generate(tc.b, tc.n))
			if got := bytes.Equal(a, b); got != tc.wantEqual {
				t.Errorf("equal = %v, want %v", got, tc.wantEqual)
			}
		})
	}
}

func TestGeneratePrefixStable(t *testing.T) {
	small, big := Generate(7, 60), Generate(7, 240)
	for i := range small.People {
		if !bytes.Equal(mustJSON(t, small.People[i]), mustJSON(t, big.People[i])) {
			t.Fatalf("person %d differs between n=60 and n=240", i)
		}
	}
}

func TestNow(t *testing.T) {
	want, err := time.Parse(time.RFC3339, NowRFC3339)
	if err != nil {
		t.Fatal(err)
	}
	if !Now.Equal(want) || Now.Unix() != NowUnix {
		t.Errorf("Now = %v, want %v", Now, want)
	}
	if got := Now.Sub(HistoryStart); got != HistoryDays*24*time.Hour {
		t.Errorf("history = %v", got)
	}
}

func TestPresenceRatios(t *testing.T) {
	pop := Generate(DefaultSeed, 1000)
	tests := []struct {
		system string
		want   float64
	}{
		{CRM, 0.9}, {Shop, 0.7}, {POS, 0.55}, {Helpdesk, 0.6}, {Mailing, 0.75}, {Calls, 0.5},
	}
	for _, tc := range tests {
		t.Run(tc.system, func(t *testing.T) {
			got := float64(len(pop.Members(tc.system))) / float64(pop.Len())
			// Forcing every 20th person into all systems lifts each ratio a
			// little above its base probability.
			if got < tc.want-0.05 || got > tc.want+0.08 {
				t.Errorf("ratio = %.3f, want about %.2f", got, tc.want)
			}
		})
	}
	all := pop.InAll()
	if len(all) < pop.Len()/20 {
		t.Errorf("InAll = %d people, want at least 5%%", len(all))
	}
	for i := 0; i < pop.Len(); i += EveryoneEvery {
		if !pop.People[i].InAll() {
			t.Errorf("person %d not in all systems", i)
		}
	}
}

func TestIdentifiersUniqueAndConsistent(t *testing.T) {
	pop := Generate(DefaultSeed, 1000)
	emails, phones, cards := map[string]int{}, map[string]int{}, map[string]int{}
	for _, p := range pop.People {
		for kind, v := range map[string]string{"email": p.Email, "phone": p.Phone, "card": p.LoyaltyCard} {
			m := map[string]map[string]int{"email": emails, "phone": phones, "card": cards}[kind]
			if j, dup := m[v]; dup {
				t.Fatalf("%s of person %d also belongs to %d", kind, p.Index, j)
			}
			m[v] = p.Index
		}
		if p.Email != strings.ToLower(strings.TrimSpace(p.Email)) {
			t.Errorf("person %d: canonical e-mail not canonical", p.Index)
		}
		num, err := phonenumbers.Parse(p.Phone, "")
		if err != nil || !phonenumbers.IsValidNumber(num) || phonenumbers.GetRegionCodeForNumber(num) != p.Country {
			t.Errorf("person %d: phone not a valid %s number (%v)", p.Index, p.Country, err)
		}
		for sys, rec := range p.Records {
			if rec.Email != "" && strings.ToLower(strings.TrimSpace(rec.Email)) != p.Email {
				t.Errorf("person %d: %s e-mail does not normalise to the canonical one", p.Index, sys)
			}
			if rec.Phone != "" {
				num, err := phonenumbers.Parse(rec.Phone, "FR")
				if err != nil || phonenumbers.Format(num, phonenumbers.E164) != p.Phone {
					t.Errorf("person %d: %s phone does not normalise to E.164", p.Index, sys)
				}
			}
			if rec.WhatsApp != "" && "+"+rec.WhatsApp != p.Phone {
				t.Errorf("person %d: WhatsApp ID is not the phone's digits", p.Index)
			}
			if rec.Email == "" && rec.Phone == "" && rec.WhatsApp == "" {
				t.Errorf("person %d: %s record has no contact identifier", p.Index, sys)
			}
			if got, ok := pop.ByKey(sys, rec.Key); !ok || got.Index != p.Index {
				t.Errorf("person %d: ByKey(%s) does not find them", p.Index, sys)
			}
		}
	}
}

func TestNoise(t *testing.T) {
	pop := Generate(DefaultSeed, 300)
	tests := []struct {
		name string
		has  func(p *Person) bool
	}{
		{"crm e-mail casing differs from shop", func(p *Person) bool {
			c, s := p.Records[CRM].Email, p.Records[Shop].Email
			return c != "" && s != "" && c != s && strings.EqualFold(c, s)
		}},
		{"helpdesk e-mail padded", func(p *Person) bool {
			e := p.Records[Helpdesk].Email
			return e != "" && e != strings.TrimSpace(e)
		}},
		{"crm national phone", func(p *Person) bool { return strings.HasPrefix(p.Records[CRM].Phone, "0") }},
		{"crm spaced international phone", func(p *Person) bool { return strings.HasPrefix(p.Records[CRM].Phone, "+33 ") }},
		{"pos national digits", func(p *Person) bool {
			ph := p.Records[POS].Phone
			return len(ph) == 10 && strings.HasPrefix(ph, "0") && !strings.Contains(ph, " ")
		}},
		{"whatsapp digits", func(p *Person) bool { return p.Records[Helpdesk].WhatsApp != "" }},
		{"record without e-mail", func(p *Person) bool { return p.In(CRM) && p.Records[CRM].Email == "" }},
		{"record without phone", func(p *Person) bool { return p.In(Shop) && p.Records[Shop].Phone == "" }},
		{"absent from a system", func(p *Person) bool { return !p.InAll() }},
		{"call continues a conversation", func(p *Person) bool {
			for _, c := range p.Calls {
				if c.Ref != "" {
					return true
				}
			}
			return false
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for i := range pop.People {
				if tc.has(&pop.People[i]) {
					return
				}
			}
			t.Errorf("nobody has it")
		})
	}
}

func TestActivity(t *testing.T) {
	pop := Generate(DefaultSeed, 400)
	inHistory := func(ts time.Time) bool { return !ts.Before(HistoryStart) && !ts.After(Now) }
	for _, p := range pop.People {
		checkOrder(t, p.Index, "orders", len(p.Orders), 15, func(i int) (time.Time, int64) {
			return p.Orders[i].CreatedAt, idNumber(p.Orders[i].ID)
		})
		checkOrder(t, p.Index, "sales", len(p.Sales), 10, func(i int) (time.Time, int64) {
			return p.Sales[i].SoldAt, idNumber(p.Sales[i].ID)
		})
		checkOrder(t, p.Index, "conversations", len(p.Conversations), 8, func(i int) (time.Time, int64) {
			return p.Conversations[i].CreatedAt, idNumber(p.Conversations[i].ID)
		})
		checkOrder(t, p.Index, "e-mail events", len(p.EmailEvents), MaxEmailEvents, func(i int) (time.Time, int64) {
			return p.EmailEvents[i].Timestamp, idNumber(p.EmailEvents[i].ID)
		})
		checkOrder(t, p.Index, "calls", len(p.Calls), 6, func(i int) (time.Time, int64) {
			return p.Calls[i].StartedAt, p.Calls[i].ID
		})
		refs := map[string]bool{}
		for _, c := range p.Conversations {
			refs[c.ThreadRef] = true
			if !inHistory(c.CreatedAt) {
				t.Errorf("person %d: conversation outside history", p.Index)
			}
			switch {
			case c.Status == "solved" && (c.SolvedAt == nil || c.FirstResponseAt == nil || c.SolvedAt.Before(*c.FirstResponseAt)):
				t.Errorf("person %d: solved conversation without consistent times", p.Index)
			case c.FirstResponseAt != nil && (c.FirstResponseAt.Before(c.CreatedAt) || c.FirstResponseAt.After(Now)):
				t.Errorf("person %d: first response out of order", p.Index)
			case c.Status != "solved" && (c.SolvedAt != nil || c.Satisfaction != ""):
				t.Errorf("person %d: unsolved conversation has solve data", p.Index)
			}
		}
		for _, c := range p.Calls {
			if c.Ref != "" && !refs[c.Ref] {
				t.Errorf("person %d: call ref is not one of their conversations", p.Index)
			}
			if c.Duration != int(c.EndedAt.Sub(c.StartedAt)/time.Second) || !inHistory(c.StartedAt) {
				t.Errorf("person %d: call times inconsistent", p.Index)
			}
		}
		for _, o := range p.Orders {
			var sum int64
			for _, l := range o.Lines {
				sum += int64(l.Quantity) * l.UnitCents
			}
			if sum != o.TotalCents || !inHistory(o.CreatedAt) {
				t.Errorf("person %d: order total or time wrong", p.Index)
			}
		}
	}
}

// checkOrder checks a person's list is at most limit long and newest first,
// ties broken by id descending.
func checkOrder(t *testing.T, person int, what string, n, limit int, key func(i int) (time.Time, int64)) {
	t.Helper()
	if n > limit {
		t.Errorf("person %d: %d %s, want at most %d", person, n, what, limit)
	}
	for i := 1; i < n; i++ {
		pt, pid := key(i - 1)
		ct, cid := key(i)
		if ct.After(pt) || (ct.Equal(pt) && cid > pid) {
			t.Errorf("person %d: %s not newest first at %d", person, what, i)
		}
	}
}

// TestSMSBodiesAreFilledIn: every text's template was filled in, none
// shows a formatting verb or a doubled percent sign.
func TestSMSBodiesAreFilledIn(t *testing.T) {
	pop := Generate(DefaultSeed, 300)
	n := 0
	for _, p := range pop.People {
		for _, m := range p.SMSMessages {
			n++
			if strings.Contains(m.Body, "%s") || strings.Contains(m.Body, "%%") {
				t.Errorf("text %q was not filled in", m.Body)
			}
		}
	}
	if n == 0 {
		t.Fatal("no text message in the population")
	}
}
