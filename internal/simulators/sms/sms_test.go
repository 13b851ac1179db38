package sms_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/harmonyhq/harmony/internal/simulators/population"
	"github.com/harmonyhq/harmony/internal/simulators/simhttp/simtest"
	"github.com/harmonyhq/harmony/internal/simulators/sms"
)

func start(t *testing.T, n int) (*sms.Server, *population.Population) {
	t.Helper()
	pop := population.Generate(42, n)
	s, err := sms.New(t.Context(), pop, sms.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Stop)
	return s, pop
}

func req(t *testing.T, s *sms.Server, method, path string, body any) *http.Request {
	r := simtest.NewRequest(t, method, s.URL()+path, body)
	r.SetBasicAuth(sms.DefaultAccountSID, sms.DefaultToken)
	return r
}

const messages = "/2010-04-01/Accounts/" + sms.DefaultAccountSID + "/Messages.json"

type messagesOut struct {
	Messages []sms.Message `json:"messages"`
}

// TestMessagesOfManyNumbersInOneRequest: the messages of several numbers
// in one request, grouped by number in input order, each newest first,
// limited per number, with the customer-side number as contact.
func TestMessagesOfManyNumbersInOneRequest(t *testing.T) {
	s, pop := start(t, 200)
	var a, b *population.Person
	for _, p := range pop.Members(population.SMS) {
		switch {
		case a == nil && len(p.SMSMessages) >= 3:
			a = p
		case b == nil && len(p.SMSMessages) >= 1:
			b = p
		}
	}
	if a == nil || b == nil {
		t.Fatal("too few people with texts")
	}
	var out messagesOut
	q := url.Values{"Contacts": {b.Key(population.SMS) + ",+33100000001," + a.Key(population.SMS)}, "PageSizePerContact": {"2"}}
	simtest.DoJSON(t, req(t, s, http.MethodGet, messages+"?"+q.Encode(), nil), http.StatusOK, &out)
	var want []string
	for _, m := range b.SMSMessages[:min(2, len(b.SMSMessages))] {
		want = append(want, m.ID)
	}
	want = append(want, a.SMSMessages[0].ID, a.SMSMessages[1].ID)
	var got []string
	for _, m := range out.Messages {
		got = append(got, m.SID)
		if m.Direction == "inbound" && (m.From != m.Contact || m.Status != "received") ||
			m.Direction != "inbound" && m.To != m.Contact {
			t.Errorf("message %s: %+v", m.SID, m)
		}
	}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("messages %v, want %v", got, want)
	}
	if s.Count("messages") != 1 {
		t.Errorf("%d requests", s.Count("messages"))
	}
}

func TestSendJoinsTheMessagesOnce(t *testing.T) {
	s, pop := start(t, 50)
	to := pop.Members(population.SMS)[0].Key(population.SMS)
	body := map[string]string{"To": to, "Body": "Your parcel is on its way", "idempotency_key": "k1"}
	var first, again map[string]string
	simtest.DoJSON(t, req(t, s, http.MethodPost, messages, body), http.StatusCreated, &first)
	simtest.DoJSON(t, req(t, s, http.MethodPost, messages, body), http.StatusCreated, &again)
	if first["sid"] == "" || again["sid"] != first["sid"] || len(s.Sent()) != 1 {
		t.Fatalf("sent %v then %v, outbox %d", first, again, len(s.Sent()))
	}
	var out messagesOut
	simtest.DoJSON(t, req(t, s, http.MethodGet, messages+"?"+url.Values{"Contacts": {to}, "PageSizePerContact": {"1"}}.Encode(), nil), http.StatusOK, &out)
	if len(out.Messages) != 1 || out.Messages[0].SID != first["sid"] || out.Messages[0].Status != "queued" || out.Messages[0].Body != "" {
		raw, _ := json.Marshal(out)
		t.Fatalf("newest message %s", raw)
	}
	simtest.DoJSON(t, req(t, s, http.MethodPost, messages, map[string]string{"To": "+33100000001", "Body": "x"}), http.StatusNotFound, nil)
	simtest.DoJSON(t, req(t, s, http.MethodPost, messages, map[string]string{"To": to}), http.StatusBadRequest, nil)
}

func TestBindingsListWalksAllOnce(t *testing.T) {
	s, pop := start(t, 120)
	seen := map[string]int{}
	token := ""
	for {
		var page struct {
			Bindings []sms.Binding `json:"bindings"`
			Meta     struct {
				NextPageToken *string `json:"next_page_token"`
			} `json:"meta"`
		}
		q := url.Values{"PageSize": {"9"}, "PageToken": {token}}
		simtest.DoJSON(t, req(t, s, http.MethodGet, "/v1/Services/"+sms.ServiceSID+"/Bindings?"+q.Encode(), nil), http.StatusOK, &page)
		for _, b := range page.Bindings {
			seen[b.Address]++
		}
		if page.Meta.NextPageToken == nil {
			break
		}
		token = *page.Meta.NextPageToken
	}
	if len(seen) != len(pop.Members(population.SMS)) {
		t.Fatalf("walked %d bindings, want %d", len(seen), len(pop.Members(population.SMS)))
	}
	for a, n := range seen {
		if n != 1 || !strings.HasPrefix(a, "+") {
			t.Errorf("binding %q seen %d times", a, n)
		}
	}
}
