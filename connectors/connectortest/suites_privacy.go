package connectortest

import (
	"context"
	"encoding/json"
	"reflect"
	"slices"
	"strconv"
	"sync"
	"testing"

	"github.com/harmonyhq/harmony/connectors"
)

// unknownIdentifier is an identifier of kind that no upstream holds.
func unknownIdentifier(kind string) connectors.Identifier {
	v := map[string]string{
		connectors.IdentifierEmail:        "nobody.conformance@invalid.example",
		connectors.IdentifierPhone:        "+10000000000",
		connectors.IdentifierWhatsApp:     "+10000000001",
		connectors.IdentifierLoyaltyCard:  "NOSUCHCARD0000",
		connectors.IdentifierSocialHandle: "nowhere:nobody-conformance",
	}[kind]
	if v == "" {
		v = "nobody-conformance"
	}
	return connectors.Identifier{Kind: kind, Value: v}
}

func lookupSuite(t *testing.T, h *Harness) suite {
	t.Helper()
	if len(h.Identifiers) == 0 {
		t.Skip("harness has no Identifiers")
	}
	pf := h.Connector.(connectors.ProfileFinder)
	var all []connectors.Identifier
	var owners []string
	for _, k := range h.Known {
		if id, ok := h.Identifiers[k]; ok {
			all = append(all, id)
			owners = append(owners, k)
		}
	}
	if len(all) == 0 {
		t.Fatal("harness Identifiers name no Known key")
	}
	var unknown []connectors.Identifier
	for _, id := range all {
		if u := unknownIdentifier(id.Kind); !slices.Contains(unknown, u) {
			unknown = append(unknown, u)
		}
	}
	// found checks one answer: keys present, once each, never Missing.
	found := func(t *testing.T, ids []connectors.Identifier, want []string) {
		t.Helper()
		got, err := pf.FindProfiles(context.Background(), ids)
		if err != nil {
			t.Fatalf("lookup: %v", err)
		}
		seen := map[string]bool{}
		for _, p := range got {
			switch {
			case p.Key == "":
				t.Error("lookup: a record without a key")
			case seen[p.Key]:
				t.Error("lookup: a record is listed twice")
			case p.Key == h.Missing:
				t.Error("lookup: the Missing key is found")
			}
			seen[p.Key] = true
		}
		for _, k := range want {
			if !seen[k] {
				t.Errorf("lookup: the record of a Known key is not found by its identifier")
			}
		}
	}
	call := func(ctx context.Context) error { _, err := pf.FindProfiles(ctx, all); return err }
	checks := []check{
		{"finds", func(t *testing.T, _ *Harness) { found(t, append(slices.Clone(all), unknown...), owners) }},
		{"single", func(t *testing.T, _ *Harness) {
			for i, id := range all {
				found(t, []connectors.Identifier{id}, owners[i:i+1])
			}
		}},
		{"repeated", func(t *testing.T, _ *Harness) { found(t, append(slices.Clone(all), all...), owners) }},
		{"unknown", func(t *testing.T, _ *Harness) {
			got, err := pf.FindProfiles(context.Background(), unknown)
			if err != nil {
				t.Fatalf("lookup: %v", err)
			}
			if len(got) != 0 {
				t.Errorf("lookup of unknown identifiers found %d records", len(got))
			}
		}},
		{"empty", func(t *testing.T, _ *Harness) {
			got, err := pf.FindProfiles(context.Background(), nil)
			if err != nil || len(got) != 0 {
				t.Errorf("lookup with no identifiers: %d records, %v", len(got), err)
			}
		}},
		{"broken", func(t *testing.T, h *Harness) { broken(t, h, call) }},
		{"cancel", func(t *testing.T, h *Harness) { cancelled(t, h, call) }},
		{"deadline", func(t *testing.T, h *Harness) { deadline(t, h, call) }},
		{"context_not_kept", func(t *testing.T, h *Harness) { contextNotKept(t, h, call) }},
		{"concurrent", func(t *testing.T, _ *Harness) {
			var wg sync.WaitGroup
			for range 6 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					if err := call(context.Background()); err != nil {
						t.Errorf("concurrent lookup: %v", err)
					}
				}()
			}
			wg.Wait()
		}},
	}
	return suite{checks: checks}
}

func exportSuite(h *Harness) suite {
	ex := h.Connector.(connectors.Exporter)
	c := func(ctx context.Context, keys []string) ([]answer, error) {
		out, err := ex.Export(ctx, keys)
		if err != nil {
			return nil, err
		}
		ans := make([]answer, len(out))
		for i, doc := range out {
			ans[i] = answer{found: doc != nil}
		}
		return ans, nil
	}
	checks := keyedChecks(connectors.CapExport, c, false)
	checks = append(checks,
		check{"json", func(t *testing.T, h *Harness) {
			out, err := ex.Export(context.Background(), h.Known)
			if err != nil {
				t.Fatal(err)
			}
			for i, doc := range out {
				if doc == nil {
					continue
				}
				var v any
				if err := json.Unmarshal(doc, &v); err != nil {
					t.Errorf("export: document %d is not JSON", i)
				} else if v == nil {
					t.Errorf("export: document %d is JSON null; a key with nothing held gets a nil document", i)
				}
			}
		}},
		check{"batch_equals_single", func(t *testing.T, h *Harness) {
			batch, err := ex.Export(context.Background(), append(slices.Clone(h.Known), h.Missing))
			if err != nil {
				t.Fatal(err)
			}
			for i, k := range h.Known {
				single, err := ex.Export(context.Background(), []string{k})
				if err != nil {
					t.Fatal(err)
				}
				if !sameJSON(batch[i], single[0]) {
					t.Errorf("export: key %d gets another document in a batch than alone", i)
				}
			}
		}},
	)
	return suite{checks: checks}
}

func sameJSON(a, b json.RawMessage) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	var x, y any
	if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
		return false
	}
	return reflect.DeepEqual(x, y)
}

// eraseSuite runs the checks that erase nothing first (they ask for the
// Missing key), then erases Known keys and reads them back when the
// connector reads profiles.
func eraseSuite(h *Harness) suite {
	er := h.Connector.(connectors.Eraser)
	ps, reads := h.Connector.(connectors.ProfileSource)
	missing := func(ctx context.Context) error { _, err := er.Erase(ctx, []string{h.Missing}); return err }
	erase := func(t *testing.T, keys []string) []connectors.EraseResult {
		t.Helper()
		out, err := er.Erase(context.Background(), keys)
		if err != nil {
			t.Fatalf("erase: %v", err)
		}
		if len(out) != len(keys) {
			t.Fatalf("erase: %d results for %d keys", len(out), len(keys))
		}
		return out
	}
	checks := []check{
		{"empty", func(t *testing.T, _ *Harness) { erase(t, []string{}) }},
		{"missing", func(t *testing.T, h *Harness) { erase(t, []string{h.Missing}) }},
		{"broken", func(t *testing.T, h *Harness) { broken(t, h, missing) }},
		{"cancel", func(t *testing.T, h *Harness) { cancelled(t, h, missing) }},
		{"deadline", func(t *testing.T, h *Harness) { deadline(t, h, missing) }},
		{"context_not_kept", func(t *testing.T, h *Harness) { contextNotKept(t, h, missing) }},
		{"erases", func(t *testing.T, h *Harness) {
			out := erase(t, []string{h.Known[0], h.Missing})
			if !out[0].Found {
				t.Error("erase: a Known key is not found")
			}
			if !reads {
				return
			}
			got, err := ps.Profiles(context.Background(), []string{h.Known[0], h.Known[1]})
			if err != nil {
				t.Fatal(err)
			}
			if got[0] != nil {
				t.Error("erase: the erased key's profile is still read")
			}
			if got[1] == nil {
				t.Error("erase: a key not asked was erased too")
			}
		}},
		{"repeated", func(t *testing.T, h *Harness) {
			// Erasing a key twice is harmless (a privacy request retried).
			erase(t, []string{h.Known[0]})
			// The guard dedupes keys; a connector given a key twice may
			// report the second erasure as not found, never both.
			out := erase(t, []string{h.Known[1], h.Known[1]})
			if !out[0].Found && !out[1].Found {
				t.Error("erase: a Known key asked twice in a batch is not found")
			}
		}},
	}
	return suite{checks: checks}
}

func sendSuite(h *Harness) suite {
	ms := h.Connector.(connectors.MessageSender)
	channels := connectors.SendChannels
	if cs, ok := h.Connector.(connectors.ChannelSender); ok {
		channels = cs.SendChannels()
	}
	var n int
	var mu sync.Mutex
	message := func(key string) connectors.OutboundMessage {
		mu.Lock()
		n++
		i := n
		mu.Unlock()
		return connectors.OutboundMessage{CustomerKey: key, Channel: channels[0], Body: "Conformance message",
			IdempotencyKey: "conformance-" + key + "-" + strconv.Itoa(i)}
	}
	one := func(ctx context.Context) error {
		_, err := ms.SendMessages(ctx, []connectors.OutboundMessage{message(h.Known[0])})
		return err
	}
	checkSent := func(t *testing.T, h *Harness, msgs []connectors.OutboundMessage, out []connectors.SendResult) {
		t.Helper()
		if len(out) != len(msgs) {
			t.Errorf("send: %d results for %d messages", len(out), len(msgs))
			return
		}
		ids := map[string]bool{}
		for i, r := range out {
			if r.Err != nil {
				t.Errorf("send: message %d refused: %v", i, r.Err)
				continue
			}
			if r.MessageID == "" || r.Status == "" {
				t.Errorf("send: message %d has no message ID or status", i)
			}
			if ids[r.MessageID] {
				t.Errorf("send: two messages share a message ID")
			}
			ids[r.MessageID] = true
			if h.SentTo != nil {
				// Two different failures: a message ID the upstream does not
				// know, and one it knows for another customer, which would
				// tell a caller that one person's message went to another.
				switch to, ok := h.SentTo(r.MessageID); {
				case !ok:
					t.Errorf("send: result %d names a message the upstream has no record of", i)
				case to != msgs[i].CustomerKey:
					t.Errorf("send: result %d names a message the upstream sent to another recipient", i)
				}
			}
		}
	}
	checks := []check{
		{"channels", func(t *testing.T, _ *Harness) {
			if len(channels) == 0 {
				t.Fatal("send: the connector sends on no channel")
			}
			for _, ch := range channels {
				if !slices.Contains(connectors.SendChannels, ch) {
					t.Errorf("send: unknown channel %q", ch)
				}
			}
		}},
		{"empty", func(t *testing.T, _ *Harness) {
			out, err := ms.SendMessages(context.Background(), nil)
			if err != nil || len(out) != 0 {
				t.Errorf("send with no messages: %d results, %v", len(out), err)
			}
		}},
		{"aligned", func(t *testing.T, h *Harness) {
			msgs := []connectors.OutboundMessage{message(h.Known[2]), message(h.Known[0]), message(h.Known[1]), message(h.Known[0])}
			out, err := ms.SendMessages(context.Background(), msgs)
			if err != nil {
				t.Fatal(err)
			}
			checkSent(t, h, msgs, out)
		}},
		{"refused_channel", func(t *testing.T, h *Harness) {
			var other string
			for _, ch := range connectors.SendChannels {
				if !slices.Contains(channels, ch) {
					other = ch
					break
				}
			}
			if other == "" {
				t.Skip("the connector sends on every channel")
			}
			bad := message(h.Known[1])
			bad.Channel = other
			msgs := []connectors.OutboundMessage{message(h.Known[0]), bad}
			out, err := ms.SendMessages(context.Background(), msgs)
			if err != nil {
				t.Fatal(err)
			}
			checkSent(t, h, msgs[:1], out[:1])
			if len(out) == 2 && (out[1].Err == nil || out[1].Err.Code != connectors.CodeRejected || out[1].MessageID != "") {
				t.Errorf("send: a message on channel %s the connector does not send on: %+v, want refused (%s)", other, out[1], connectors.CodeRejected)
			}
		}},
		{"broken", func(t *testing.T, h *Harness) { broken(t, h, one) }},
		{"cancel", func(t *testing.T, h *Harness) { cancelled(t, h, one) }},
		{"deadline", func(t *testing.T, h *Harness) { deadline(t, h, one) }},
		{"context_not_kept", func(t *testing.T, h *Harness) { contextNotKept(t, h, one) }},
		{"concurrent", func(t *testing.T, h *Harness) {
			var wg sync.WaitGroup
			for g := range 4 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					msgs := []connectors.OutboundMessage{message(h.Known[g%len(h.Known)]), message(h.Known[(g+1)%len(h.Known)])}
					out, err := ms.SendMessages(context.Background(), msgs)
					if err != nil {
						t.Errorf("concurrent send: %v", err)
						return
					}
					checkSent(t, h, msgs, out)
				}()
			}
			wg.Wait()
		}},
	}
	return suite{checks: checks}
}
