package e2e

import (
	"fmt"
	"strings"
	"testing"

	"github.com/harmonyhq/harmony/internal/simulators/chatbot"
	"github.com/harmonyhq/harmony/internal/simulators/helpdesk"
	"github.com/harmonyhq/harmony/internal/simulators/population"
	"github.com/harmonyhq/harmony/internal/simulators/simhttp"
)

const transcriptQuery = `
query ($id: ID!) {
  customer(id: $id) {
    conversations(first: 20) {
      edges { node {
        id threadRef channels
        transcript(first: 100) {
          edges { node { interactionId messageId source at channel author text } }
          pageInfo { hasNextPage }
        }
      } }
    }
  }
}`

type transcriptEntry struct {
	InteractionID string  `json:"interactionId"`
	MessageID     *string `json:"messageId"`
	Source        string  `json:"source"`
	At            string  `json:"at"`
	Channel       string  `json:"channel"`
	Author        *string `json:"author"`
	Text          *string `json:"text"`
}

// A chatbot conversation handed off to an agent reads as one transcript:
// the bot's lines, then the helpdesk's messages, in time order, each as the
// simulators' raw data has it; every conversation of the page costs one
// messages call per system.
func TestTranscriptFollowsTheBotIntoTheHelpdesk(t *testing.T) {
	e := boot(t)
	pop := e.demo.Simulators.Population()
	var p *population.Person
	var handoff population.BotConversation
	for i := range pop.People {
		q := &pop.People[i]
		if !q.In(population.Chatbot) || !q.In(population.Helpdesk) || len(q.Conversations) < 2 {
			continue
		}
		for _, bc := range q.BotConversations {
			if bc.HandoffAt != nil {
				p, handoff = q, bc
			}
		}
		if p != nil {
			break
		}
	}
	if p == nil {
		t.Fatal("nobody's bot conversation was handed off")
	}
	id := externalCustomer(t, e, population.Chatbot, p.Key(population.Chatbot))
	before := guardCounts(t, e)
	var out struct {
		Customer struct {
			Conversations struct {
				Edges []struct {
					Node struct {
						ID         string   `json:"id"`
						ThreadRef  *string  `json:"threadRef"`
						Channels   []string `json:"channels"`
						Transcript struct {
							Edges []struct {
								Node transcriptEntry `json:"node"`
							} `json:"edges"`
						} `json:"transcript"`
					} `json:"node"`
				} `json:"edges"`
			} `json:"conversations"`
		} `json:"customer"`
	}
	e.mustQuery(t, transcriptQuery, map[string]any{"id": id}, &out)
	for _, sys := range []string{"helpdesk", "chatbot"} {
		if n := guardCounts(t, e)["messages/"+sys] - before["messages/"+sys]; n != 1 {
			t.Errorf("%s: %v messages calls for a page of %d conversations, want 1", sys, n, len(out.Customer.Conversations.Edges))
		}
	}

	// What the simulators hold: the bot's lines and the agent's messages.
	var want []string
	bc := chatbotConversation(handoff)
	for _, m := range chatbot.ConversationMessages(bc) {
		author := map[string]string{"end_user": "CUSTOMER", "bot": "BOT"}[m.Role]
		want = append(want, fmt.Sprintf("chatbot %s %s %s", m.CreatedAt, author, m.Text))
	}
	for _, c := range p.Conversations {
		if c.ThreadRef != handoff.ThreadRef {
			continue
		}
		for _, m := range helpdesk.ConversationMessages(c) {
			author := map[string]string{"user": "CUSTOMER", "business": "AGENT"}[m.Author.Type]
			want = append(want, fmt.Sprintf("helpdesk %s %s %s", m.CreatedAt, author, m.Body))
		}
	}
	found := false
	for _, ed := range out.Customer.Conversations.Edges {
		if ed.Node.ThreadRef == nil || *ed.Node.ThreadRef != handoff.ThreadRef {
			continue
		}
		found = true
		var got []string
		for _, te := range ed.Node.Transcript.Edges {
			n := te.Node
			if n.MessageID == nil || n.Author == nil || n.Text == nil {
				t.Errorf("entry %+v lacks its message, author or text", n)
				continue
			}
			if n.Source != "chatbot" && n.Source != "helpdesk" {
				continue // a call or a message on another channel in the same window
			}
			got = append(got, fmt.Sprintf("%s %s %s %s", n.Source, n.At, *n.Author, *n.Text))
		}
		if strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Errorf("transcript:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
	}
	if !found {
		t.Fatalf("no conversation has the thread ref of the hand-off")
	}
}

// chatbotConversation is the chatbot simulator's view of a bot
// conversation, as its messages are made from.
func chatbotConversation(c population.BotConversation) chatbot.Conversation {
	out := chatbot.Conversation{ID: c.ID, Topic: c.Topic, MessagesCount: c.MessagesCount,
		CreatedAt: simhttp.RFC3339(c.CreatedAt), EndedAt: simhttp.RFC3339(c.EndedAt)}
	if c.HandoffAt != nil {
		out.Handoff = &chatbot.Handoff{At: simhttp.RFC3339(*c.HandoffAt)}
	}
	return out
}
