package helpdesk_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/harmonyhq/harmony/internal/simulators/helpdesk"
	"github.com/harmonyhq/harmony/internal/simulators/population"
	"github.com/harmonyhq/harmony/internal/simulators/simhttp/simtest"
)

// The messages of several conversations come in one answer: the
// customer's opening message is the subject, the agent answers at the
// first response time, and there are messages_count of them.
func TestThreadMessagesOfManyConversationsInOneCall(t *testing.T) {
	pop := population.Generate(42, 200)
	s, err := helpdesk.New(t.Context(), pop, helpdesk.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Stop)
	want := map[string]population.Conversation{}
	var ids []string
	for _, p := range pop.Members(population.Helpdesk) {
		for _, c := range p.Conversations {
			if len(ids) < 40 {
				ids = append(ids, c.ID)
				want[c.ID] = c
			}
		}
	}
	r := simtest.NewRequest(t, http.MethodGet, s.URL()+"/api/v2/conversations/messages.json?"+
		url.Values{"conversation_ids": {strings.Join(ids, ",")}}.Encode(), nil)
	r.SetBasicAuth(helpdesk.Options{}.User(), helpdesk.DefaultToken)
	var out struct {
		Messages []helpdesk.ThreadMessage `json:"messages"`
	}
	simtest.DoJSON(t, r, http.StatusOK, &out)
	by := map[string][]helpdesk.ThreadMessage{}
	for _, m := range out.Messages {
		by[m.ConversationID] = append(by[m.ConversationID], m)
	}
	for id, c := range want {
		ms := by[id]
		if len(ms) != c.MessagesCount || ms[0].Author.Type != "user" || ms[0].Body != c.Subject || ms[0].Channel != c.Channel {
			t.Fatalf("%s: %d messages (want %d), first %+v", id, len(ms), c.MessagesCount, ms[0])
		}
		if c.FirstResponseAt != nil && (ms[1].Author.Type != "business" || ms[1].CreatedAt != c.FirstResponseAt.UTC().Format("2006-01-02T15:04:05Z")) {
			t.Errorf("%s: second message %+v, want the agent's at the first response", id, ms[1])
		}
	}
	if n := s.Count("conversations.messages"); n != 1 {
		t.Errorf("%d calls counted, want 1", n)
	}
}
