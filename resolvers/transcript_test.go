package resolvers

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/harmonyhq/harmony/connectors"
	"github.com/harmonyhq/harmony/graph/model"
	"github.com/harmonyhq/harmony/internal/apperr"
)

func TestTranscriptPages(t *testing.T) {
	bot, customer := model.AuthorBot, model.AuthorCustomer
	t0 := time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC)
	at := func(min int) time.Time { return t0.Add(time.Duration(min) * time.Minute) }
	// A bot conversation handed off to a chat, then an SMS and a call; the
	// bot's and the chat's messages come from their systems.
	c := &model.Conversation{Messages: []model.Interaction{
		{ID: "bc_1", Source: "chatbot", Channel: model.ChannelChat, OccurredAt: at(0), Author: &bot},
		{ID: "cv_1", Source: "helpdesk", Channel: model.ChannelChat, OccurredAt: at(3)},
		{ID: "SM1", Source: "sms", Channel: model.ChannelSms, OccurredAt: at(4), Author: &customer, Summary: strPtr("on my way")},
		{ID: "c1", Source: "calls", Channel: model.ChannelPhone, OccurredAt: at(30)},
	}}
	msgs := [][]connectors.Message{
		{{ID: "bc_1-m1", Thread: "bc_1", Author: "customer", SentAt: at(0), Text: "Hi"},
			{ID: "bc_1-m2", Thread: "bc_1", Author: "bot", SentAt: at(1), Text: "Sure"},
			{ID: "bc_1-m3", Thread: "bc_1", Author: "bot", SentAt: at(3), Text: "Passing you on"}},
		{{ID: "cv_1-m1", Thread: "cv_1", Author: "customer", SentAt: at(3), Text: "Where is it?"},
			{ID: "cv_1-m2", Thread: "cv_1", Author: "agent", SentAt: at(5), Text: "Checking", Channel: "whatsapp"}},
		nil, nil,
	}
	entries := transcriptEntries(c, msgs)
	// Walk it two at a time: every entry once, in time order, with its
	// author and channel.
	var got []string
	var after string
	for pages := 0; ; pages++ {
		out, err := transcriptPage(entries, 2, after)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range out.Edges {
			a, id := "-", e.Node.InteractionID
			if e.Node.Author != nil {
				a = string(*e.Node.Author)
			}
			if e.Node.MessageID != nil {
				id = *e.Node.MessageID
			}
			got = append(got, fmt.Sprintf("%s/%s/%s/%s", e.Node.Source, id, a, e.Node.Channel))
		}
		if !out.PageInfo.HasNextPage {
			break
		}
		after = *out.PageInfo.EndCursor
		if pages > 5 {
			t.Fatal("the transcript does not end")
		}
	}
	want := "[chatbot/bc_1-m1/CUSTOMER/CHAT chatbot/bc_1-m2/BOT/CHAT chatbot/bc_1-m3/BOT/CHAT helpdesk/cv_1-m1/CUSTOMER/CHAT " +
		"sms/SM1/CUSTOMER/SMS helpdesk/cv_1-m2/AGENT/WHATSAPP calls/c1/-/PHONE]"
	if fmt.Sprint(got) != want {
		t.Fatalf("transcript\n%v, want\n%s", got, want)
	}

	// Without the systems' messages (a failing system), each interaction
	// is one entry.
	if n := len(transcriptEntries(c, nil)); n != 4 {
		t.Errorf("%d entries without messages, want 4", n)
	}

	// Bad input is refused with BAD_USER_INPUT, never echoed.
	bad := "not a cursor"
	foreign := transcriptCursor(&model.TranscriptEntry{Source: "crm", InteractionID: "elsewhere"})
	for _, after := range []string{bad, foreign} {
		_, err := transcriptPage(entries, 2, after)
		var ae *apperr.Error
		if !errors.As(err, &ae) {
			t.Errorf("after %q: error %v, want an input error", after, err)
		}
	}
}
