package chatbot_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/harmonyhq/harmony/internal/simulators/chatbot"
	"github.com/harmonyhq/harmony/internal/simulators/population"
	"github.com/harmonyhq/harmony/internal/simulators/simhttp/simtest"
)

// The messages of several conversations come in one answer: as many as
// each conversation's messages_count, oldest first, opening with the
// person's question and, for a hand-off, closing with the bot passing the
// person on at the hand-off time.
func TestMessagesOfManyConversationsInOneCall(t *testing.T) {
	pop := population.Generate(42, 300)
	s, err := chatbot.New(t.Context(), pop, chatbot.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Stop)
	var ids []string
	want := map[string]population.BotConversation{}
	for _, p := range pop.Members(population.Chatbot) {
		for _, c := range p.BotConversations {
			if len(ids) < 40 {
				ids = append(ids, c.ID)
				want[c.ID] = c
			}
		}
	}
	r := simtest.NewRequest(t, http.MethodGet, s.URL()+"/api/v2/conversations/messages?"+
		url.Values{"conversation_ids": {strings.Join(append(ids, "bc_unknown"), ",")}}.Encode(), nil)
	r.Header.Set("Authorization", "Bearer "+chatbot.DefaultToken)
	var out struct {
		Data []chatbot.Message `json:"data"`
	}
	simtest.DoJSON(t, r, http.StatusOK, &out)
	byConv := map[string][]chatbot.Message{}
	for _, m := range out.Data {
		byConv[m.ConversationID] = append(byConv[m.ConversationID], m)
	}
	handoffs := 0
	for id, c := range want {
		ms := byConv[id]
		if len(ms) != c.MessagesCount || ms[0].Role != "end_user" || !strings.Contains(ms[0].Text, c.Topic) {
			t.Fatalf("%s: %d messages (want %d), first %+v", id, len(ms), c.MessagesCount, ms[0])
		}
		for i := 1; i < len(ms); i++ {
			if ms[i].CreatedAt < ms[i-1].CreatedAt {
				t.Errorf("%s: messages out of order", id)
			}
		}
		if c.HandoffAt != nil {
			handoffs++
			last := ms[len(ms)-1]
			if last.Role != "bot" || last.CreatedAt != c.HandoffAt.UTC().Format("2006-01-02T15:04:05Z") {
				t.Errorf("%s: last message %+v, want the bot's at the hand-off", id, last)
			}
		}
	}
	if len(byConv) != len(want) {
		t.Errorf("messages of %d conversations, want %d (none for an unknown one)", len(byConv), len(want))
	}
	if handoffs == 0 {
		t.Log("no hand-off among the conversations asked")
	}
	if n := s.Count("conversations.messages"); n != 1 {
		t.Errorf("%d calls counted, want 1", n)
	}
}
