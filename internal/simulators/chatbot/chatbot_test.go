package chatbot_test

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/harmonyhq/harmony/internal/simulators/chatbot"
	"github.com/harmonyhq/harmony/internal/simulators/population"
	"github.com/harmonyhq/harmony/internal/simulators/simhttp/simtest"
)

// TestHandoffsCarryTheHelpdeskThread: a handed-off conversation carries
// the thread ref of a helpdesk chat of the same person that starts when
// the bot hands off; the others carry the bot's own refs.
func TestHandoffsCarryTheHelpdeskThread(t *testing.T) {
	pop := population.Generate(42, 300)
	s, err := chatbot.New(t.Context(), pop, chatbot.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Stop)
	handoffs := 0
	for _, p := range pop.Members(population.Chatbot) {
		r := simtest.NewRequest(t, http.MethodGet, s.URL()+"/api/v2/conversations?"+
			url.Values{"end_user_ids": {p.Key(population.Chatbot)}, "per_end_user": {"1000"}}.Encode(), nil)
		r.Header.Set("Authorization", "Bearer "+chatbot.DefaultToken)
		var out struct {
			Data []chatbot.Conversation `json:"data"`
		}
		simtest.DoJSON(t, r, http.StatusOK, &out)
		if len(out.Data) != len(p.BotConversations) {
			t.Fatalf("person %d: %d conversations, want %d", p.Index, len(out.Data), len(p.BotConversations))
		}
		for _, c := range out.Data {
			if c.Handoff == nil {
				if c.Status == "handed_off" || len(c.ThreadRef) < 2 || c.ThreadRef[:2] != "B-" {
					t.Errorf("conversation %s: status %s, ref %s", c.ID, c.Status, c.ThreadRef)
				}
				continue
			}
			handoffs++
			found := false
			for _, conv := range p.Conversations {
				if conv.ThreadRef == c.ThreadRef && conv.Channel == "chat" && c.Handoff.At == conv.CreatedAt.UTC().Format("2006-01-02T15:04:05Z") {
					found = true
				}
			}
			if !found || c.Status != "handed_off" || c.CreatedAt >= c.Handoff.At {
				t.Errorf("hand-off %s (ref %s) continues no helpdesk chat of the person", c.ID, c.ThreadRef)
			}
		}
	}
	if handoffs == 0 {
		t.Fatal("no hand-off in the population")
	}
}
