package mailing_test

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/harmonyhq/harmony/internal/simulators/mailing"
	"github.com/harmonyhq/harmony/internal/simulators/population"
	"github.com/harmonyhq/harmony/internal/simulators/simhttp/simtest"
)

func TestSendTransactional(t *testing.T) {
	s, pop := start(t, 20)
	member := hash(pop.Members(population.Mailing)[0])
	tests := []struct {
		name   string
		in     mailing.TransactionalEmail
		status int
		sent   int // e-mails sent in total after it
	}{
		{"body", mailing.TransactionalEmail{MemberID: member, Body: "hi", IdempotencyKey: "k1"}, http.StatusOK, 1},
		{"repeated key is not sent again", mailing.TransactionalEmail{MemberID: member, Body: "hi", IdempotencyKey: "k1"}, http.StatusOK, 1},
		{"template", mailing.TransactionalEmail{MemberID: member, Template: "t"}, http.StatusOK, 2},
		{"unknown member", mailing.TransactionalEmail{MemberID: "nobody", Body: "hi"}, http.StatusNotFound, 2},
		{"empty", mailing.TransactionalEmail{MemberID: member}, http.StatusBadRequest, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := simtest.NewRequest(t, http.MethodPost, s.URL()+"/3.0/messages/send", tt.in)
			req.SetBasicAuth("anyone", key)
			var out []mailing.SendStatus
			if tt.status != http.StatusOK {
				simtest.DoJSON(t, req, tt.status, nil)
			} else if simtest.DoJSON(t, req, tt.status, &out); len(out) != 1 || out[0].ID == "" || out[0].Status != "sent" {
				t.Fatalf("answer = %+v", out)
			}
			if got := len(s.Sent()); got != tt.sent {
				t.Errorf("%d sent, want %d", got, tt.sent)
			}
		})
	}
	// The sent e-mails are the member's newest activity.
	var act struct{ Activity []mailing.Activity }
	simtest.DoJSON(t, get(t, s, "/3.0/activity", url.Values{"member_ids": {member}, "count_per_member": {"2"}}), http.StatusOK, &act)
	if len(act.Activity) != 2 || act.Activity[0].Action != "sent" || act.Activity[0].CampaignID != "transactional" {
		t.Fatalf("activity = %+v", act.Activity)
	}
}
