package e2e

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/harmonyhq/harmony/internal/simulators/mailing"
	"github.com/harmonyhq/harmony/internal/simulators/population"
)

const journeyPage = `
query Page($id: ID!, $n: Int!, $after: String, $filter: TimelineFilter) {
  customer(id: $id) {
    timeline(first: $n, after: $after, filter: $filter) {
      edges { node { id occurredAt channel source kind } }
      pageInfo { hasNextPage endCursor }
      gaps { source capability code }
    }
  }
}`

type journeyEntry struct {
	ID, OccurredAt, Channel, Source, Kind string
}

type journeyPageOut struct {
	C struct {
		Timeline struct {
			Edges []struct {
				Node journeyEntry `json:"node"`
			} `json:"edges"`
			PageInfo struct {
				HasNextPage bool   `json:"hasNextPage"`
				EndCursor   string `json:"endCursor"`
			} `json:"pageInfo"`
			Gaps []struct{ Source, Capability, Code string } `json:"gaps"`
		} `json:"timeline"`
	} `json:"customer"`
}

const recordInteraction = `mutation Rec($in: RecordInteractionInput!) {
  recordInteraction(input: $in) { id source channel type occurredAt threadRef }
}`

type recorded struct {
	ID, Source, Channel, Type, OccurredAt string
	ThreadRef                             *string
}

func record(t *testing.T, e *env, in map[string]any) recorded {
	t.Helper()
	var out struct {
		R recorded `json:"recordInteraction"`
	}
	e.mustQuery(t, recordInteraction, map[string]any{"in": in}, &out)
	return out.R
}

// walkJourney pages through a customer's timeline and checks each page is
// newest first and gap-free; between(page) runs after each page. It
// returns the entries in order and, per page, the connector requests the
// guard counted.
func walkJourney(t *testing.T, e *env, id string, n int, filter map[string]any, between func(page int)) ([]journeyEntry, []pageCost) {
	t.Helper()
	var all []journeyEntry
	var calls []pageCost
	var after any
	for page := 1; ; page++ {
		before, beforeItems := guardCounts(t, e), guardSeries(t, e, "harmony_connector_items_total")
		var out journeyPageOut
		vars := map[string]any{"id": id, "n": n, "after": after}
		if filter != nil {
			vars["filter"] = filter
		}
		e.mustQuery(t, journeyPage, vars, &out)
		calls = append(calls, pageCost{
			requests: seriesDelta(before, guardCounts(t, e)),
			items:    seriesDelta(beforeItems, guardSeries(t, e, "harmony_connector_items_total")),
		})
		tl := out.C.Timeline
		if len(tl.Gaps) > 0 {
			t.Fatalf("page %d has gaps %+v", page, tl.Gaps)
		}
		if len(tl.Edges) > n {
			t.Fatalf("page %d has %d entries, asked %d", page, len(tl.Edges), n)
		}
		for _, edge := range tl.Edges {
			if len(all) > 0 && edge.Node.OccurredAt > all[len(all)-1].OccurredAt {
				t.Fatalf("page %d goes back in time: %s after %s", page, edge.Node.OccurredAt, all[len(all)-1].OccurredAt)
			}
			all = append(all, edge.Node)
		}
		if between != nil {
			between(page)
		}
		if !tl.PageInfo.HasNextPage {
			return all, calls
		}
		after = tl.PageInfo.EndCursor
		if page > 300 {
			t.Fatal("the timeline does not end")
		}
	}
}

func ids(es []journeyEntry) []string {
	out := make([]string, len(es))
	for i, e := range es {
		out[i] = e.ID
	}
	return out
}

// TestJourneyTimelinePagesAreBoundedAndStableWhileEventsArrive walks a
// rich customer's timeline twice, recording new activity between the
// pages of the second walk: activity newer than the first page never
// appears later (no duplicate, no shift), activity older than the walk's
// position appears once, and every page costs at most one request per
// source and capability, each asking n+1 items past its position (the
// merge's unit tests count the items; here the guard counts requests).
func TestJourneyTimelinePagesAreBoundedAndStableWhileEventsArrive(t *testing.T) {
	e := boot(t)
	p := journeyPerson(t, e.demo.Simulators.Population())
	id := externalCustomer(t, e, population.CRM, p.Key(population.CRM))
	const n = 7

	baseline, costs := walkJourney(t, e, id, n, nil, nil)
	want := len(p.Orders) + len(p.Sales) + len(p.Conversations) + len(p.EmailEvents) + len(mailing.SurveyAnswers(&p)) + len(p.Calls) +
		newerEvents(&p)
	if got := len(baseline) - countSource(baseline, "harmony"); got != want {
		t.Fatalf("walked %d entries from the systems, want %d", got, want)
	}
	for i, c := range costs {
		for k, v := range c.requests {
			if v > 1 {
				t.Errorf("page %d: %v requests to %s, want at most one per source and capability", i+1, v, k)
			}
		}
		// Each source is asked for at most n+1 items after its position,
		// plus the one at its position that an earlier page showed (the
		// cursor's Skip: no two items of a source share a second here), so
		// a page costs at most sources × (n+2) upstream items.
		total := 0.0
		for k, v := range c.items {
			total += v
			if v > n+2 {
				t.Errorf("page %d: %s returned %v items, want at most n+2 = %d", i+1, k, v, n+2)
			}
		}
		if limit := float64(len(c.requests) * (n + 2)); total > limit {
			t.Errorf("page %d: %v upstream items from %d sources, want at most %v", i+1, total, len(c.requests), limit)
		}
	}
	if len(costs) < 3 {
		t.Fatalf("walked %d pages; the bound is only shown over several", len(costs))
	}
	items := 0.0
	for _, c := range costs {
		for _, v := range c.items {
			items += v
		}
	}
	if items < float64(want) {
		t.Fatalf("the systems returned %v items over the walk, fewer than the %d entries shown: items are not counted", items, want)
	}

	old := "2001-02-03T04:05:06Z"
	second, _ := walkJourney(t, e, id, n, nil, func(page int) {
		switch page {
		case 1, 2, 3:
			record(t, e, map[string]any{"customerId": id, "channel": "PHONE", "type": "CALL",
				"summary": fmt.Sprintf("new call during page %d", page), "clientId": fmt.Sprintf("journey-stable-%d-%d", page, time.Now().UnixNano())})
		}
		if page == 1 {
			record(t, e, map[string]any{"customerId": id, "channel": "STORE", "type": "VISIT", "occurredAt": old,
				"clientId": fmt.Sprintf("journey-old-%d", time.Now().UnixNano())})
		}
	})
	seen := map[string]bool{}
	for _, en := range second {
		if seen[en.ID] {
			t.Fatalf("%s shown twice", en.ID)
		}
		seen[en.ID] = true
	}
	for _, en := range baseline {
		if !seen[en.ID] {
			t.Errorf("%s skipped while events arrived", en.ID)
		}
	}
	if extra := len(second) - len(baseline); extra != 1 || second[len(second)-1].OccurredAt != old || second[len(second)-1].Source != "harmony" {
		t.Fatalf("second walk has %d more entries (last %+v), want only the old visit recorded meanwhile, last", extra, second[len(second)-1])
	}
}

// journeyPerson is someone all six systems know, with activity in each,
// other than richPerson: the tests here record activity, and other tests
// count richPerson's timeline.
func journeyPerson(t *testing.T, pop *population.Population) population.Person {
	t.Helper()
	rich := richPerson(t, pop)
	all := pop.InAll()
	for i := len(all) - 1; i >= 0; i-- {
		p := all[i]
		if p.Index != rich.Index && len(p.Orders) > 0 && len(p.Conversations) > 0 && len(p.EmailEvents) > 0 && len(p.Calls) > 0 {
			return p
		}
	}
	t.Fatal("the population has no second person with activity in every system")
	return population.Person{}
}

// pageCost is what one timeline page cost upstream, by connector and
// capability: calls made and items returned.
type pageCost struct {
	requests, items map[string]float64
}

// seriesDelta is after − before, for the series that grew.
func seriesDelta(before, after map[string]float64) map[string]float64 {
	out := map[string]float64{}
	for k, v := range after {
		if d := v - before[k]; d > 0 {
			out[k] = d
		}
	}
	return out
}

func countSource(es []journeyEntry, source string) int {
	n := 0
	for _, e := range es {
		if e.Source == source {
			n++
		}
	}
	return n
}

// TestJourneyTimelineFiltersArePushedDown checks the time bounds reach the
// systems: the gateway does not filter by time itself, so an entry outside
// the bounds could only appear if a system was asked without them. Channel
// and kind filters keep exactly the matching entries, a system that cannot
// match is not asked at all, and a cursor only works with its filter.
func TestJourneyTimelineFiltersArePushedDown(t *testing.T) {
	e := boot(t)
	p := richPerson(t, e.demo.Simulators.Population())
	id := externalCustomer(t, e, population.CRM, p.Key(population.CRM))
	all, _ := walkJourney(t, e, id, 50, nil, nil)
	if len(all) < 12 {
		t.Fatalf("only %d entries", len(all))
	}
	until, since := all[len(all)/4].OccurredAt, all[len(all)/2].OccurredAt
	var want []string
	for _, en := range all {
		if en.OccurredAt >= since && en.OccurredAt <= until {
			want = append(want, en.ID)
		}
	}
	got, _ := walkJourney(t, e, id, 3, map[string]any{"since": since, "until": until}, nil)
	for _, en := range got {
		if en.OccurredAt < since || en.OccurredAt > until {
			t.Fatalf("%s at %s is outside [%s, %s]: a system was read without the bounds", en.ID, en.OccurredAt, since, until)
		}
	}
	if !slices.Equal(ids(got), want) {
		t.Fatalf("bounded walk = %v\nwant          %v", ids(got), want)
	}

	want = nil
	for _, en := range all {
		if en.Channel == "CHAT" || en.Channel == "PHONE" {
			want = append(want, en.ID)
		}
	}
	filter := map[string]any{"channels": []string{"CHAT", "PHONE"}}
	got, _ = walkJourney(t, e, id, 4, filter, nil)
	if !slices.Equal(ids(got), want) {
		t.Fatalf("channel walk = %v\nwant          %v", ids(got), want)
	}

	// Orders only: no interaction system is asked.
	_, costs := walkJourney(t, e, id, 5, map[string]any{"kinds": []string{"ORDER"}}, nil)
	for i, c := range costs {
		for k := range c.requests {
			if strings.Contains(k, "interactions") {
				t.Errorf("page %d of orders asked %s", i+1, k)
			}
		}
	}

	// A cursor of one filter is refused with another.
	var out journeyPageOut
	e.mustQuery(t, journeyPage, map[string]any{"id": id, "n": 2, "filter": filter}, &out)
	r := e.query(t, journeyPage, map[string]any{"id": id, "n": 2, "after": out.C.Timeline.PageInfo.EndCursor,
		"filter": map[string]any{"channels": []string{"CHAT"}}}, nil)
	if len(r.Errors) == 0 || r.Errors[0].Extensions["code"] != "BAD_USER_INPUT" {
		t.Fatalf("a cursor used with another filter: errors %+v, want BAD_USER_INPUT", r.Errors)
	}
}

// TestJourneyRecordInteractionShowsOnTheTimeline records an agent's note
// and finds it first on the timeline, once even when recorded twice with
// the same clientId.
func TestJourneyRecordInteractionShowsOnTheTimeline(t *testing.T) {
	e := boot(t)
	p := journeyPerson(t, e.demo.Simulators.Population())
	id := externalCustomer(t, e, population.CRM, p.Key(population.CRM))
	clientID := fmt.Sprintf("journey-note-%d", time.Now().UnixNano())
	in := map[string]any{"customerId": id, "channel": "PHONE", "type": "CALL", "direction": "INBOUND",
		"summary": "called about a delivery", "clientId": clientID,
		"attributes": []map[string]any{{"name": "agent", "value": "a-17"}}}
	first := record(t, e, in)
	again := record(t, e, in)
	if first.ID == "" || first.ID != again.ID || first.Source != "harmony" || first.Channel != "PHONE" {
		t.Fatalf("recorded %+v then %+v, want the same harmony record", first, again)
	}
	var out journeyPageOut
	e.mustQuery(t, journeyPage, map[string]any{"id": id, "n": 3}, &out)
	edges := out.C.Timeline.Edges
	if len(edges) == 0 || edges[0].Node.Source != "harmony" || edges[0].Node.Kind != "CALL" || !strings.HasSuffix(edges[0].Node.ID, first.ID) {
		t.Fatalf("first entries %+v, want the recorded call first", edges)
	}
	if len(edges) > 1 && edges[1].Node.ID == edges[0].Node.ID {
		t.Fatal("the record shows twice")
	}
	// Filtered on another channel, it is not there.
	e.mustQuery(t, journeyPage, map[string]any{"id": id, "n": 3, "filter": map[string]any{"channels": []string{"EMAIL"}}}, &out)
	for _, edge := range out.C.Timeline.Edges {
		if edge.Node.Source == "harmony" && strings.HasSuffix(edge.Node.ID, first.ID) {
			t.Fatal("an e-mail filter shows the recorded call")
		}
	}
}

// TestJourneyConversationFollowsChatToWhatsAppToPhone takes a customer's
// chat conversation in the helpdesk, continues it on WhatsApp and on the
// phone with the same thread ref (recorded by agents), and finds one
// conversation on the three channels in order.
func TestJourneyConversationFollowsChatToWhatsAppToPhone(t *testing.T) {
	e := boot(t)
	p, conv := quietChat(t, e.demo.Simulators.Population())
	id := externalCustomer(t, e, population.Helpdesk, p.Key(population.Helpdesk))
	stamp := time.Now().UnixNano()
	record(t, e, map[string]any{"customerId": id, "channel": "WHATSAPP", "type": "MESSAGE", "threadRef": conv.ThreadRef,
		"occurredAt": conv.CreatedAt.Add(time.Hour).UTC().Format(time.RFC3339), "clientId": fmt.Sprintf("journey-wa-%d", stamp)})
	record(t, e, map[string]any{"customerId": id, "channel": "PHONE", "type": "CALL",
		"occurredAt": conv.CreatedAt.Add(3 * time.Hour).UTC().Format(time.RFC3339), "clientId": fmt.Sprintf("journey-call-%d", stamp)})

	var out struct {
		C struct {
			Conversations struct {
				Edges []struct {
					Node struct {
						ID        string                                 `json:"id"`
						Channels  []string                               `json:"channels"`
						ThreadRef *string                                `json:"threadRef"`
						Status    string                                 `json:"status"`
						Messages  []struct{ ID, Source, Channel string } `json:"messages"`
					} `json:"node"`
				} `json:"edges"`
			} `json:"conversations"`
		} `json:"customer"`
	}
	const q = `query ($id: ID!) { customer(id: $id) { conversations(first: 100) { edges { node {
  id channels threadRef status messages { id source channel } } } } } }`
	e.mustQuery(t, q, map[string]any{"id": id}, &out)
	var found int
	for _, edge := range out.C.Conversations.Edges {
		c := edge.Node
		if c.ThreadRef == nil || *c.ThreadRef != conv.ThreadRef {
			continue
		}
		found++
		if !slices.Equal(c.Channels, []string{"CHAT", "WHATSAPP", "PHONE"}) {
			t.Fatalf("conversation %s went through %v, want CHAT, WHATSAPP, PHONE", c.ID, c.Channels)
		}
		sources := map[string]bool{}
		for _, m := range c.Messages {
			sources[m.Source] = true
		}
		if !sources["helpdesk"] || !sources["harmony"] || len(c.Messages) != 3 {
			t.Fatalf("messages %+v, want the helpdesk chat and the two recorded contacts", c.Messages)
		}
		if strings.Contains(c.ID, conv.ID) || strings.Contains(c.ID, conv.ThreadRef) {
			t.Fatalf("conversation ID %q shows a system's key", c.ID)
		}
	}
	if found != 1 {
		t.Fatalf("%d conversations carry %s, want one", found, conv.ThreadRef)
	}
}

// quietChat finds a helpdesk chat conversation with nothing else of its
// customer within three days around it, so that only the contacts the test
// records can join it.
func quietChat(t *testing.T, pop *population.Population) (population.Person, population.Conversation) {
	t.Helper()
	const margin = 72 * time.Hour
	near := func(a, b time.Time) bool { return a.Sub(b).Abs() < margin }
	rich := richPerson(t, pop)
	for _, p := range pop.Members(population.Helpdesk) {
		if p.Index == rich.Index {
			continue // other tests count its timeline
		}
		for _, c := range p.Conversations {
			if c.Channel != "chat" {
				continue
			}
			quiet := true
			for _, o := range p.Conversations {
				if o.ID != c.ID && near(o.CreatedAt, c.CreatedAt) {
					quiet = false
				}
			}
			for _, call := range p.Calls {
				if near(call.StartedAt, c.CreatedAt) || call.Ref == c.ThreadRef {
					quiet = false
				}
			}
			if quiet && time.Since(c.CreatedAt) > margin {
				return *p, c
			}
		}
	}
	t.Fatal("no quiet chat conversation in the population")
	return population.Person{}, population.Conversation{}
}

// TestJourneyTimelineCursorsWhicheverAreAsked: the gateway encodes only the
// cursors an operation selects (through fragments and aliases too). Each
// one it encodes is the one it gives when every cursor is selected, and an
// edge's cursor resumes the walk right after its entry.
func TestJourneyTimelineCursorsWhicheverAreAsked(t *testing.T) {
	e := boot(t)
	p := journeyPerson(t, e.demo.Simulators.Population())
	id := externalCustomer(t, e, population.CRM, p.Key(population.CRM))
	type page struct {
		C struct {
			T struct {
				Edges []struct {
					Cursor string `json:"cursor"`
					Node   struct{ ID string }
				} `json:"edges"`
				PageInfo struct {
					Start string `json:"startCursor"`
					End   string `json:"endCursor"`
					S     string `json:"s"`
				} `json:"pageInfo"`
			} `json:"timeline"`
		} `json:"customer"`
	}
	run := func(selection string, vars map[string]any) page {
		t.Helper()
		var out page
		vars["id"] = id
		q := `query Cursors($id: ID!, $after: String) { customer(id: $id) {
		  timeline(first: 5, after: $after) { ` + selection + ` } } }`
		if strings.Contains(selection, "...EdgeCursor") {
			q += ` fragment EdgeCursor on TimelineEdge { cursor }`
		}
		if strings.Contains(selection, "...Start") {
			q += ` fragment Start on TimelineConnection { pageInfo { s: startCursor } }`
		}
		e.mustQuery(t, q, vars, &out)
		return out
	}
	all := run(`edges { cursor node { id } } pageInfo { startCursor endCursor }`, map[string]any{})
	edges := all.C.T.Edges
	if len(edges) != 5 || all.C.T.PageInfo.Start == "" || all.C.T.PageInfo.End == "" {
		t.Fatalf("first page: %+v, want 5 edges and both page cursors", all.C.T)
	}
	if all.C.T.PageInfo.Start != edges[0].Cursor {
		t.Errorf("startCursor %q is not the first edge's cursor %q", all.C.T.PageInfo.Start, edges[0].Cursor)
	}
	for _, tc := range []struct {
		name, selection string
		check           func(page) bool
	}{
		{"startCursor alone", `pageInfo { startCursor }`, func(p page) bool { return p.C.T.PageInfo.Start == all.C.T.PageInfo.Start }},
		{"endCursor alone", `pageInfo { endCursor }`, func(p page) bool { return p.C.T.PageInfo.End == all.C.T.PageInfo.End }},
		{"startCursor through a fragment and an alias", `...Start`, func(p page) bool { return p.C.T.PageInfo.S == all.C.T.PageInfo.Start }},
		{"edge cursors through a fragment", `edges { ...EdgeCursor }`, func(p page) bool {
			for i, ed := range p.C.T.Edges {
				if ed.Cursor != edges[i].Cursor {
					return false
				}
			}
			return len(p.C.T.Edges) == len(edges)
		}},
	} {
		if got := run(tc.selection, map[string]any{}); !tc.check(got) {
			t.Errorf("%s: %+v differs from the cursors given when all are selected", tc.name, got.C.T)
		}
	}
	next := run(`edges { node { id } }`, map[string]any{"after": edges[1].Cursor})
	var got []string
	for _, ed := range next.C.T.Edges[:3] {
		got = append(got, ed.Node.ID)
	}
	want := []string{edges[2].Node.ID, edges[3].Node.ID, edges[4].Node.ID}
	if !slices.Equal(got, want) {
		t.Fatalf("after the second edge's cursor: %v, want %v", got, want)
	}
}
