// Package journey threads a customer's interactions from every system into
// conversations across channels.
//
// Rules, applied to the customer's interactions oldest first:
//
//   - Only service contacts are threaded: messages, conversations, tickets
//     and calls. Marketing e-mails, visits and orders never are.
//   - An interaction with a thread reference joins the thread with the same
//     reference, whichever system it comes from. Without one, it joins the
//     customer's most recent thread when that thread has no reference yet
//     and was active within the window (and the thread takes the reference);
//     otherwise it starts a thread.
//   - An interaction without a reference on a service channel (chat,
//     WhatsApp, phone, SMS, e-mail) joins the customer's most recent thread
//     when that thread was active within the window before it (the identity
//     graph already says it is the same customer); otherwise it starts one.
//   - The same interaction reported twice (by its system and by a stored
//     webhook event naming it as origin) counts once.
package journey

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"slices"
	"strings"
	"time"

	"github.com/harmonyhq/harmony/connectors"
)

// DefaultWindow is how long after a thread's last activity an interaction
// without a shared reference still joins it.
const DefaultWindow = 48 * time.Hour

// Item is one interaction and the system it comes from.
type Item struct {
	Source      string
	Interaction connectors.Interaction
	// Origin and OriginID name the system and interaction a stored event
	// reported, to recognise the same interaction read from that system;
	// empty for interactions read from their own system.
	Origin, OriginID string
}

// Thread is one conversation.
type Thread struct {
	// ID is derived from the first item's source and ID: stable, opaque.
	ID string
	// Ref is the shared reference of its items, "" when none has one.
	Ref string
	// Items are oldest first.
	Items []Item
	// Channels are the channels used, in the order first used.
	Channels []string
	// StartedAt and LastActivityAt are the first and last items' times.
	StartedAt, LastActivityAt time.Time
	// Open is false when the last item is closed or the thread has been
	// quiet for longer than the window.
	Open bool
}

var serviceTypes = map[string]bool{
	connectors.TypeMessage: true, connectors.TypeConversation: true,
	connectors.TypeTicket: true, connectors.TypeCall: true,
}

var serviceChannels = map[string]bool{
	connectors.ChannelChat: true, connectors.ChannelWhatsApp: true, connectors.ChannelPhone: true,
	connectors.ChannelSMS: true, connectors.ChannelEmail: true,
}

var closedStatuses = map[string]bool{"solved": true, "closed": true, "done": true, "resolved": true, "completed": true}

// Threadable reports whether an interaction can belong to a conversation.
func Threadable(in connectors.Interaction) bool {
	return serviceTypes[strings.ToLower(in.Type)]
}

// Threads groups a customer's interactions into conversations, the most
// recently active first. window is DefaultWindow when not positive; now
// decides whether a quiet thread is still open.
func Threads(items []Item, window time.Duration, now time.Time) []Thread {
	if window <= 0 {
		window = DefaultWindow
	}
	// Drop what cannot be threaded and what is reported twice: a stored
	// event naming an interaction its system answered too counts once, as
	// the system's.
	own := map[string]bool{}
	for _, it := range items {
		if it.OriginID == "" {
			own[it.Source+"\x00"+it.Interaction.ID] = true
		}
	}
	seen := map[string]bool{}
	var list []Item
	for _, it := range items {
		if !Threadable(it.Interaction) {
			continue
		}
		key := it.Source + "\x00" + it.Interaction.ID
		if it.OriginID != "" && it.Origin != "" {
			if it.Origin != it.Source && own[it.Origin+"\x00"+it.OriginID] {
				continue
			}
			key = it.Origin + "\x00" + it.OriginID
		}
		if seen[key] {
			continue
		}
		seen[key] = true
		list = append(list, it)
	}
	slices.SortStableFunc(list, func(a, b Item) int {
		return cmp.Or(a.Interaction.OccurredAt.Compare(b.Interaction.OccurredAt),
			cmp.Compare(a.Source, b.Source), cmp.Compare(a.Interaction.ID, b.Interaction.ID))
	})

	var threads []*Thread
	byRef := map[string]*Thread{}
	var last *Thread // the most recently active thread
	for _, it := range list {
		ref := it.Interaction.ThreadRef
		at := it.Interaction.OccurredAt
		recent := last != nil && at.Sub(last.LastActivityAt) <= window
		var t *Thread
		switch {
		case ref != "" && byRef[ref] != nil:
			t = byRef[ref]
		case ref != "" && recent && last.Ref == "":
			t = last
			t.Ref = ref
			byRef[ref] = t
		case ref == "" && recent && serviceChannels[strings.ToLower(it.Interaction.Channel)]:
			t = last
		}
		if t == nil {
			t = &Thread{ID: threadID(it), Ref: ref, StartedAt: at}
			threads = append(threads, t)
			if ref != "" {
				byRef[ref] = t
			}
		}
		t.Items = append(t.Items, it)
		if ch := strings.ToLower(it.Interaction.Channel); !slices.Contains(t.Channels, ch) {
			t.Channels = append(t.Channels, ch)
		}
		if at.After(t.LastActivityAt) {
			t.LastActivityAt = at
		}
		if last == nil || !t.LastActivityAt.Before(last.LastActivityAt) {
			last = t
		}
	}
	out := make([]Thread, len(threads))
	for i, t := range threads {
		lastItem := t.Items[len(t.Items)-1].Interaction
		t.Open = !closedStatuses[strings.ToLower(lastItem.Status)] && now.Sub(t.LastActivityAt) <= window
		out[i] = *t
	}
	slices.SortStableFunc(out, func(a, b Thread) int {
		return cmp.Or(b.LastActivityAt.Compare(a.LastActivityAt), cmp.Compare(b.ID, a.ID))
	})
	return out
}

// threadID derives a thread's ID from its first item: a hash, so it holds
// no personal data and no system's key.
func threadID(it Item) string {
	h := sha256.Sum256([]byte(it.Source + "\x00" + it.Interaction.ID))
	return "conv_" + hex.EncodeToString(h[:10])
}
