package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/harmonyhq/harmony/internal/simulators/population"
)

// The four systems added to the six first ones (an SMS provider, a social
// inbox, product analytics for the app and the website, a chatbot): each
// test works out what the gateway must answer from the simulators' own
// answers, over HTTP, never from the gateway.

// bearerGet reads a simulator's answer with a bearer token.
func bearerGet(t *testing.T, rawURL, token string, out any) {
	t.Helper()
	simulatorDo(t, http.MethodGet, rawURL, func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+token) }, nil, out)
}

func simulatorDo(t *testing.T, method, rawURL string, auth func(*http.Request), body any, out any) {
	t.Helper()
	var rd *bytes.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	} else {
		rd = bytes.NewReader(nil)
	}
	req, err := http.NewRequestWithContext(t.Context(), method, rawURL, rd)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	auth(req)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		t.Fatalf("%s %s: status %d", method, req.URL.Path, resp.StatusCode)
	}
	if out != nil {
		if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
			t.Fatal(err)
		}
	}
}

// channelRaw is what the four newer systems hold about one person, read
// from their APIs: source -> native interaction IDs.
func channelRaw(t *testing.T, e *env, p population.Person) map[string][]string {
	t.Helper()
	v := e.demo.Simulators.Vars()
	out := map[string][]string{}
	var sms struct {
		Messages []struct{ SID string } `json:"messages"`
	}
	simulatorGet(t, v["SMS_URL"]+"/2010-04-01/Accounts/"+v["SMS_ACCOUNT_SID"]+"/Messages.json?"+
		url.Values{"Contacts": {p.Key(population.SMS)}, "PageSizePerContact": {"1000"}}.Encode(),
		v["SMS_ACCOUNT_SID"], v["SMS_TOKEN"], &sms)
	for _, m := range sms.Messages {
		out[population.SMS] = append(out[population.SMS], m.SID)
	}
	var social struct {
		Data []struct{ ID string } `json:"data"`
	}
	bearerGet(t, v["SOCIAL_URL"]+"/v19.0/"+v["SOCIAL_PAGE_ID"]+"/inbox?"+
		url.Values{"contact_ids": {p.Key(population.Social)}, "limit_per_contact": {"1000"}}.Encode(), v["SOCIAL_TOKEN"], &social)
	for _, m := range social.Data {
		out[population.Social] = append(out[population.Social], m.ID)
	}
	var events struct {
		Data []struct {
			MessageID string `json:"message_id"`
		} `json:"data"`
	}
	bearerGet(t, v["ANALYTICS_URL"]+"/v1/spaces/"+v["ANALYTICS_SPACE"]+"/collections/users/events?"+
		url.Values{"user_ids": {p.Key(population.Analytics)}, "limit_per_user": {"1000"}}.Encode(), v["ANALYTICS_KEY"], &events)
	for _, ev := range events.Data {
		out[population.Analytics] = append(out[population.Analytics], ev.MessageID)
	}
	var bot struct {
		Data []struct{ ID string } `json:"data"`
	}
	bearerGet(t, v["CHATBOT_URL"]+"/api/v2/conversations?"+
		url.Values{"end_user_ids": {p.Key(population.Chatbot)}, "per_end_user": {"1000"}}.Encode(), v["CHATBOT_TOKEN"], &bot)
	for _, c := range bot.Data {
		out[population.Chatbot] = append(out[population.Chatbot], c.ID)
	}
	return out
}

// channelsPerson is someone all ten systems know with activity in each of
// the four newer ones, other than the people the tests that record
// activity or count timelines use.
func channelsPerson(t *testing.T, pop *population.Population) population.Person {
	t.Helper()
	avoid := []int{richPerson(t, pop).Index, journeyPerson(t, pop).Index, metricsPerson(t, pop).Index}
	for _, p := range pop.InAll() {
		if slices.Contains(avoid, p.Index) {
			continue
		}
		anonymous := slices.ContainsFunc(p.AppEvents, func(e population.AppEvent) bool { return e.UserID == "" && e.Joined })
		if len(p.SMSMessages) > 0 && len(p.SocialMessages) > 0 && len(p.BotConversations) > 0 && anonymous {
			return p
		}
	}
	t.Fatal("nobody in all ten systems with SMS, social, identified app activity and chatbot conversations")
	return population.Person{}
}

// handoffPerson is someone whose chatbot handed a conversation off to the
// helpdesk, other than the people the tests that record activity or count
// timelines use.
func handoffPerson(t *testing.T, pop *population.Population) population.Person {
	t.Helper()
	avoid := []int{richPerson(t, pop).Index, journeyPerson(t, pop).Index, metricsPerson(t, pop).Index}
	for _, p := range pop.Members(population.Chatbot) {
		if !slices.Contains(avoid, p.Index) && p.In(population.Helpdesk) &&
			slices.ContainsFunc(p.BotConversations, func(c population.BotConversation) bool { return c.HandoffAt != nil }) {
			return *p
		}
	}
	t.Fatal("no chatbot conversation in the population was handed off")
	return population.Person{}
}

const channelsTimeline = `query ($id: ID!, $after: String, $filter: TimelineFilter) {
  customer(id: $id) {
    timeline(first: 100, after: $after, filter: $filter) {
      edges { node { channel source kind payload { ... on Interaction { id author } } } }
      pageInfo { hasNextPage endCursor }
      gaps { source code }
    }
  }
}`

type channelsEntry struct {
	Channel, Source, Kind string
	Payload               struct {
		ID     string
		Author *string
	}
}

// channelsWalk reads a customer's whole timeline on the given channels.
func channelsWalk(t *testing.T, e *env, id string, channels ...string) []channelsEntry {
	t.Helper()
	var all []channelsEntry
	var after any
	for range 100 {
		var out struct {
			C struct {
				Timeline struct {
					Edges []struct {
						Node channelsEntry `json:"node"`
					} `json:"edges"`
					PageInfo struct {
						HasNextPage bool   `json:"hasNextPage"`
						EndCursor   string `json:"endCursor"`
					} `json:"pageInfo"`
					Gaps []struct{ Source, Code string } `json:"gaps"`
				} `json:"timeline"`
			} `json:"customer"`
		}
		e.mustQuery(t, channelsTimeline, map[string]any{"id": id, "after": after, "filter": map[string]any{"channels": channels}}, &out)
		if len(out.C.Timeline.Gaps) > 0 {
			t.Fatalf("gaps %+v", out.C.Timeline.Gaps)
		}
		for _, edge := range out.C.Timeline.Edges {
			all = append(all, edge.Node)
		}
		if !out.C.Timeline.PageInfo.HasNextPage {
			return all
		}
		after = out.C.Timeline.PageInfo.EndCursor
	}
	t.Fatal("the timeline does not end")
	return nil
}

func TestDemoHasTenSystemsOrMore(t *testing.T) {
	e := boot(t)
	var out struct {
		Sources []struct {
			Name         string
			Capabilities []string
		}
	}
	e.mustQuery(t, `{ sources { name capabilities } }`, nil, &out)
	var names []string
	for _, s := range out.Sources {
		names = append(names, s.Name)
	}
	if len(names) < 10 {
		t.Fatalf("%d systems (%v), want ten or more", len(names), names)
	}
	for _, want := range population.Systems() {
		if !slices.Contains(names, want) {
			t.Errorf("system %s is not wired (%v)", want, names)
		}
	}
}

// TestTimelineShowsSMSSocialAppAndWebActivity: a customer's SMS, social,
// app and web entries are exactly what the SMS provider, the social
// inbox, the analytics and the chatbot hold for the person, each system
// keyed to that person (one customer, ten system keys), and no anonymous
// app or web activity that no identify linked to them.
func TestTimelineShowsSMSSocialAppAndWebActivity(t *testing.T) {
	e := boot(t)
	p := channelsPerson(t, e.demo.Simulators.Population())
	id := externalCustomer(t, e, population.CRM, p.Key(population.CRM))
	for _, sys := range population.Systems() {
		if got := externalCustomer(t, e, sys, p.Key(sys)); got != id {
			t.Fatalf("the %s record is customer %s, the CRM contact %s", sys, got, id)
		}
	}
	raw := channelRaw(t, e, p)
	got := map[string][]string{}
	channels := map[string]map[string]bool{}
	authors := map[string]map[string]bool{}
	for _, en := range channelsWalk(t, e, id, "SMS", "SOCIAL", "APP", "WEB", "CHAT") {
		if en.Source == population.Helpdesk {
			continue // the helpdesk's chats, checked elsewhere
		}
		got[en.Source] = append(got[en.Source], en.Payload.ID)
		if channels[en.Source] == nil {
			channels[en.Source], authors[en.Source] = map[string]bool{}, map[string]bool{}
		}
		channels[en.Source][en.Channel] = true
		author := "null"
		if en.Payload.Author != nil {
			author = *en.Payload.Author
		}
		authors[en.Source][author] = true
	}
	for _, sys := range []string{population.SMS, population.Social, population.Analytics, population.Chatbot} {
		want := raw[sys]
		slices.Sort(want)
		slices.Sort(got[sys])
		if len(want) == 0 || !slices.Equal(got[sys], want) {
			t.Errorf("%s on the timeline: %d entries %v, the system holds %d %v", sys, len(got[sys]), got[sys], len(want), want)
		}
	}
	if !channels[population.SMS]["SMS"] || len(channels[population.SMS]) != 1 {
		t.Errorf("SMS channels %v", channels[population.SMS])
	}
	if !channels[population.Social]["SOCIAL"] || len(channels[population.Social]) != 1 {
		t.Errorf("social channels %v", channels[population.Social])
	}
	for ch := range channels[population.Analytics] {
		if ch != "APP" && ch != "WEB" {
			t.Errorf("analytics entry on channel %s", ch)
		}
	}
	if authors[population.Chatbot]["BOT"] != true || len(authors[population.Chatbot]) != 1 {
		t.Errorf("chatbot authors %v, want BOT only", authors[population.Chatbot])
	}
	if !authors[population.Social]["CUSTOMER"] {
		t.Errorf("social authors %v, want the customer's", authors[population.Social])
	}

	// The population's ground truth agrees with the analytics' answer:
	// every joined event and none of the devices never identified.
	var joined, never []string
	for _, ev := range p.AppEvents {
		if ev.Joined {
			joined = append(joined, ev.ID)
		} else {
			never = append(never, ev.ID)
		}
	}
	slices.Sort(joined)
	if !slices.Equal(joined, got[population.Analytics]) {
		t.Errorf("analytics entries %v, want the joined events %v", got[population.Analytics], joined)
	}
	for _, id := range never {
		if slices.Contains(got[population.Analytics], id) {
			t.Errorf("event %s of a device never identified is on the timeline", id)
		}
	}
}

// TestAnonymousActivityJoinsOnIdentify: an event the website sends before
// the visitor logs in (an anonymous ID only) is nobody's, on no timeline;
// once an identify links the anonymous ID to the user, it is on the
// user's customer's timeline.
func TestAnonymousActivityJoinsOnIdentify(t *testing.T) {
	e := boot(t)
	pop := e.demo.Simulators.Population()
	p := channelsPerson(t, pop)
	id := externalCustomer(t, e, population.Analytics, p.Key(population.Analytics))
	v := e.demo.Simulators.Vars()
	anon := fmt.Sprintf("e2e-anon-%d", time.Now().UnixNano())
	msg := anon + "-view"
	auth := func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+v["ANALYTICS_KEY"]) }
	at := time.Now().UTC().Add(-time.Minute).Truncate(time.Second).Format(time.RFC3339)
	simulatorDo(t, http.MethodPost, v["ANALYTICS_URL"]+"/v1/page", auth, map[string]any{
		"anonymousId": anon, "name": "Product: Linen shirt", "properties": map[string]any{"sku": "APP-SHI-010"},
		"context": map[string]any{"source": "web"}, "timestamp": at, "messageId": msg}, nil)

	onTimeline := func() bool {
		for _, en := range channelsWalk(t, e, id, "WEB") {
			if en.Source == population.Analytics && en.Payload.ID == msg {
				return true
			}
		}
		return false
	}
	if onTimeline() {
		t.Fatal("an anonymous page view is on a customer's timeline before any identify")
	}
	simulatorDo(t, http.MethodPost, v["ANALYTICS_URL"]+"/v1/identify", auth, map[string]any{
		"anonymousId": anon, "userId": p.Key(population.Analytics)}, nil)
	if !onTimeline() {
		t.Fatal("the page view is not on the customer's timeline after the identify")
	}
}

// TestChatbotHandsOffToAnAgentInOneConversation: a conversation the bot
// handed off goes on in the helpdesk; the customer's conversations show
// both as one thread, the bot's part first (author BOT), then the
// helpdesk's.
func TestChatbotHandsOffToAnAgentInOneConversation(t *testing.T) {
	e := boot(t)
	pop := e.demo.Simulators.Population()
	p := handoffPerson(t, pop)
	v := e.demo.Simulators.Vars()
	var bot struct {
		Data []struct {
			ID        string          `json:"id"`
			ThreadRef string          `json:"thread_ref"`
			Handoff   json.RawMessage `json:"handoff"`
		} `json:"data"`
	}
	bearerGet(t, v["CHATBOT_URL"]+"/api/v2/conversations?"+
		url.Values{"end_user_ids": {p.Key(population.Chatbot)}, "per_end_user": {"1000"}}.Encode(), v["CHATBOT_TOKEN"], &bot)
	var botID, ref string
	for _, c := range bot.Data {
		if string(c.Handoff) != "null" && len(c.Handoff) > 0 {
			botID, ref = c.ID, c.ThreadRef
			break
		}
	}
	if ref == "" {
		t.Fatal("the person's chatbot conversations hold no hand-off")
	}
	var hd struct {
		Conversations []struct {
			ID        string `json:"id"`
			ThreadRef string `json:"thread_ref"`
		} `json:"conversations"`
	}
	simulatorGet(t, v["HELPDESK_URL"]+"/api/v2/conversations.json?"+url.Values{"user_ids": {p.Key(population.Helpdesk)}, "per_user": {"1000"}}.Encode(),
		v["HELPDESK_USER"], v["HELPDESK_TOKEN"], &hd)
	var helpdeskID string
	for _, c := range hd.Conversations {
		if c.ThreadRef == ref {
			helpdeskID = c.ID
		}
	}
	if helpdeskID == "" {
		t.Fatalf("no helpdesk conversation carries the hand-off's thread")
	}

	id := externalCustomer(t, e, population.Chatbot, p.Key(population.Chatbot))
	var out struct {
		C struct {
			Conversations struct {
				Edges []struct {
					Node struct {
						ThreadRef *string
						Channels  []string
						Messages  []struct {
							ID, Source, Channel string
							Author              *string
						}
					}
				}
			}
		} `json:"customer"`
	}
	e.mustQuery(t, `query ($id: ID!) { customer(id: $id) { conversations(first: 100) { edges { node {
  threadRef channels messages { id source channel author } } } } } }`, map[string]any{"id": id}, &out)
	found := 0
	for _, edge := range out.C.Conversations.Edges {
		c := edge.Node
		var sources []string
		var botAt, helpdeskAt = -1, -1
		for i, m := range c.Messages {
			sources = append(sources, m.Source)
			switch {
			case m.Source == population.Chatbot && m.ID == botID:
				botAt = i
				if m.Author == nil || *m.Author != "BOT" {
					t.Errorf("the bot's conversation has author %v, want BOT", m.Author)
				}
			case m.Source == population.Helpdesk && m.ID == helpdeskID:
				helpdeskAt = i
				if m.Author != nil && *m.Author == "BOT" {
					t.Errorf("the agent's conversation is marked as the bot's")
				}
			}
		}
		if botAt < 0 && helpdeskAt < 0 {
			continue
		}
		found++
		if botAt < 0 || helpdeskAt < 0 || botAt > helpdeskAt {
			t.Fatalf("thread %v: messages from %v; the bot's at %d, the helpdesk's at %d, want both, the bot's first",
				c.ThreadRef, sources, botAt, helpdeskAt)
		}
		if c.ThreadRef == nil || *c.ThreadRef != ref || !slices.Contains(c.Channels, "CHAT") {
			t.Errorf("thread %v on %v, want %s on CHAT", c.ThreadRef, c.Channels, ref)
		}
	}
	if found != 1 {
		t.Fatalf("the bot's and the agent's parts are in %d conversations, want one", found)
	}
	if strings.Contains(ref, p.Key(population.Chatbot)) {
		t.Fatal("a thread ref holds a system key")
	}
}

// newerEvents counts the person's entries in the four newer systems, as
// the timeline shows them: every text, social item and bot conversation,
// and the app and web events that belong to the user (not those of
// devices no identify linked).
func newerEvents(p *population.Person) int {
	n := len(p.SMSMessages) + len(p.SocialMessages) + len(p.BotConversations)
	for _, e := range p.AppEvents {
		if e.Joined {
			n++
		}
	}
	return n
}

// newerContacts reads the person's contacts in the four newer systems
// from their APIs, as the metrics count them: every item is a contact;
// the customer started the inbound texts, the direct messages they wrote
// and the bot conversations, not the mentions, comments, page views or
// app events.
func newerContacts(t *testing.T, e *env, p population.Person) []metricContact {
	t.Helper()
	v := e.demo.Simulators.Vars()
	var out []metricContact
	if p.In(population.SMS) {
		var sms struct {
			Messages []struct {
				Direction string `json:"direction"`
				DateSent  string `json:"date_sent"`
			} `json:"messages"`
		}
		simulatorGet(t, v["SMS_URL"]+"/2010-04-01/Accounts/"+v["SMS_ACCOUNT_SID"]+"/Messages.json?"+
			url.Values{"Contacts": {p.Key(population.SMS)}, "PageSizePerContact": {"1000"}}.Encode(),
			v["SMS_ACCOUNT_SID"], v["SMS_TOKEN"], &sms)
		for _, m := range sms.Messages {
			out = append(out, metricContact{"SMS", mustTime(t, m.DateSent), m.Direction == "inbound"})
		}
	}
	if p.In(population.Social) {
		var social struct {
			Data []struct {
				Kind        string                `json:"kind"`
				CreatedTime string                `json:"created_time"`
				From        struct{ Role string } `json:"from"`
			} `json:"data"`
		}
		bearerGet(t, v["SOCIAL_URL"]+"/v19.0/"+v["SOCIAL_PAGE_ID"]+"/inbox?"+
			url.Values{"contact_ids": {p.Key(population.Social)}, "limit_per_contact": {"1000"}}.Encode(), v["SOCIAL_TOKEN"], &social)
		for _, m := range social.Data {
			out = append(out, metricContact{"SOCIAL", mustTime(t, m.CreatedTime), m.Kind == "dm" && m.From.Role == "customer"})
		}
	}
	if p.In(population.Analytics) {
		var events struct {
			Data []struct {
				Source    string `json:"source"`
				Timestamp string `json:"timestamp"`
			} `json:"data"`
		}
		bearerGet(t, v["ANALYTICS_URL"]+"/v1/spaces/"+v["ANALYTICS_SPACE"]+"/collections/users/events?"+
			url.Values{"user_ids": {p.Key(population.Analytics)}, "limit_per_user": {"1000"}}.Encode(), v["ANALYTICS_KEY"], &events)
		for _, ev := range events.Data {
			ch := "APP"
			if ev.Source == "web" {
				ch = "WEB"
			}
			out = append(out, metricContact{ch, mustTime(t, ev.Timestamp), false})
		}
	}
	if p.In(population.Chatbot) {
		var bot struct {
			Data []struct {
				Channel   string `json:"channel"`
				CreatedAt string `json:"created_at"`
			} `json:"data"`
		}
		bearerGet(t, v["CHATBOT_URL"]+"/api/v2/conversations?"+
			url.Values{"end_user_ids": {p.Key(population.Chatbot)}, "per_end_user": {"1000"}}.Encode(), v["CHATBOT_TOKEN"], &bot)
		for _, c := range bot.Data {
			ch := "CHAT"
			if c.Channel == "in_app" {
				ch = "APP"
			}
			out = append(out, metricContact{ch, mustTime(t, c.CreatedAt), true})
		}
	}
	return out
}

// TestTranscriptOfAHandOffInOrder: the transcript of a handed-off
// conversation is its messages oldest first, the bot's (author BOT, on
// CHAT) before the helpdesk's; and transcripts of a page of customers'
// conversations cost the conversations' own calls and one messages call
// per system that serves messages. (Paging by cursor: resolvers'
// TestTranscriptPages; the messages against the simulators' raw data:
// TestTranscriptFollowsTheBotIntoTheHelpdesk.)
func TestTranscriptOfAHandOffInOrder(t *testing.T) {
	e := boot(t)
	p := handoffPerson(t, e.demo.Simulators.Population())
	var ref string
	for _, c := range p.BotConversations {
		if c.HandoffAt != nil {
			ref = c.ThreadRef
			break
		}
	}
	id := externalCustomer(t, e, population.Chatbot, p.Key(population.Chatbot))
	type entry struct {
		Source, Channel, At string
		Author              *string
	}
	var out struct {
		C struct {
			Conversations struct {
				Edges []struct {
					Node struct {
						ThreadRef  *string
						Messages   []struct{ ID string }
						Transcript struct {
							Edges []struct {
								Node entry
							}
							PageInfo struct{ HasNextPage bool }
						}
					}
				}
			}
		} `json:"customer"`
	}
	e.mustQuery(t, `query ($id: ID!) { customer(id: $id) { conversations(first: 100) { edges { node {
  threadRef messages { id } transcript(first: 100) { edges { node { source channel at author text } } pageInfo { hasNextPage } } } } } } }`,
		map[string]any{"id": id}, &out)
	var entries []entry
	found := 0
	for _, edge := range out.C.Conversations.Edges {
		c := edge.Node
		if c.ThreadRef == nil || *c.ThreadRef != ref {
			continue
		}
		found++
		for _, x := range c.Transcript.Edges {
			entries = append(entries, x.Node)
		}
		if len(entries) <= len(c.Messages) || c.Transcript.PageInfo.HasNextPage {
			t.Fatalf("transcript of %d entries (more: %v), the conversation has %d interactions: their messages are missing", len(entries), c.Transcript.PageInfo.HasNextPage, len(c.Messages))
		}
	}
	if found != 1 {
		t.Fatalf("%d conversations carry the hand-off's thread, want one", found)
	}
	if len(entries) < 2 || entries[0].Source != population.Chatbot || entries[0].Channel != "CHAT" {
		t.Fatalf("transcript %+v, want the bot's part first", entries)
	}
	firstAgent := slices.IndexFunc(entries, func(x entry) bool { return x.Source == population.Helpdesk })
	if firstAgent < 1 {
		t.Fatalf("transcript %+v has no helpdesk part after the bot's", entries)
	}
	if !slices.ContainsFunc(entries[:firstAgent], func(x entry) bool { return x.Author != nil && *x.Author == "BOT" }) {
		t.Fatalf("transcript %+v: the bot says nothing before the helpdesk", entries)
	}
	for i := 1; i < len(entries); i++ {
		if entries[i].At < entries[i-1].At {
			t.Fatalf("transcript goes back in time at %d: %+v", i, entries)
		}
	}

	// A page of customers, their conversations and transcripts: one call
	// per system that has interactions, and one messages call per system
	// that serves messages, for every conversation of every customer.
	sims := e.demo.Simulators
	sims.Reset()
	e.mustQuery(t, `{ customers(first: 30) { edges { node { conversations(first: 5) { edges { node {
  transcript(first: 3) { edges { node { author channel at text } } } } } } } } } }`, nil, nil)
	for _, name := range []string{population.Helpdesk, population.SMS, population.Social, population.Analytics, population.Chatbot} {
		for route, n := range sims.Get(name).Counts() {
			if n > 1 {
				t.Errorf("%s %s served %d requests, want at most one", name, route, n)
			}
		}
	}
	for _, name := range []string{population.SMS, population.Social, population.Analytics} {
		if sims.Get(name).Total() != 1 {
			t.Errorf("%s served %d requests, want one", name, sims.Get(name).Total())
		}
	}
	for _, name := range []string{population.Helpdesk, population.Chatbot} {
		if c := sims.Get(name).Counts(); c["conversations"] != 1 || c["conversations.messages"] != 1 {
			t.Errorf("%s served %v, want one conversations and one messages request", name, c)
		}
	}
}
