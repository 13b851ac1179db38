package resolvers

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/harmonyhq/harmony/graph/model"
	"github.com/harmonyhq/harmony/internal/apperr"
)

func TestTranscriptPages(t *testing.T) {
	bot, customer := model.AuthorBot, model.AuthorCustomer
	t0 := time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC)
	c := &model.Conversation{}
	for i, src := range []string{"chatbot", "helpdesk", "sms", "helpdesk", "calls"} {
		m := model.Interaction{ID: fmt.Sprint("x", i), Source: src, Channel: model.ChannelChat, OccurredAt: t0.Add(time.Duration(i) * time.Minute)}
		switch src {
		case "chatbot":
			m.Author = &bot
		case "sms":
			m.Author = &customer
		}
		c.Messages = append(c.Messages, m)
	}
	// Walk it two at a time: every entry once, in order, with its author.
	var got []string
	var after *string
	for pages := 0; ; pages++ {
		two := 2
		out, err := transcript(c, &two, after)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range out.Edges {
			a := "-"
			if e.Node.Author != nil {
				a = string(*e.Node.Author)
			}
			got = append(got, e.Node.Source+"/"+e.Node.InteractionID+"/"+a)
		}
		if !out.PageInfo.HasNextPage {
			break
		}
		after = out.PageInfo.EndCursor
		if pages > 5 {
			t.Fatal("the transcript does not end")
		}
	}
	want := "[chatbot/x0/BOT helpdesk/x1/- sms/x2/CUSTOMER helpdesk/x3/- calls/x4/-]"
	if fmt.Sprint(got) != want {
		t.Fatalf("transcript %v, want %s", got, want)
	}

	// Bad input is refused with BAD_USER_INPUT, never echoed.
	zero, bad, foreign := 0, "not a cursor", transcriptCursor(&model.Interaction{Source: "crm", ID: "elsewhere"})
	for _, tc := range []struct {
		first *int
		after *string
	}{{&zero, nil}, {nil, &bad}, {nil, &foreign}} {
		_, err := transcript(c, tc.first, tc.after)
		var ae *apperr.Error
		if !errors.As(err, &ae) {
			t.Errorf("first %v after %v: error %v, want an input error", tc.first, tc.after, err)
		}
	}
}
