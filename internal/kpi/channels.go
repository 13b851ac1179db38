package kpi

import (
	"cmp"
	"slices"
	"strings"
	"time"

	"github.com/harmonyhq/harmony/connectors"
)

// ChannelContacts counts the customer-initiated contacts on one channel.
type ChannelContacts struct {
	Channel  string
	Contacts int
	// Last is the newest of them.
	Last time.Time
}

// Share is the channel's part of all contacts in mix.
func Share(c ChannelContacts, mix []ChannelContacts) float64 {
	total := 0
	for _, m := range mix {
		total += m.Contacts
	}
	if total == 0 {
		return 0
	}
	return float64(c.Contacts) / float64(total)
}

// CustomerInitiated reports whether the customer started the contact: a
// conversation, ticket, message or call inbound. The analytics'
// engagement score counts the same contacts.
func CustomerInitiated(it *connectors.Interaction) bool { return customerInitiated(it) }

// customerInitiated: the customer reached the company by a conversation,
// ticket, message or call. E-mail opens, clicks and survey answers react to
// what the company sent, so they do not count.
func customerInitiated(it *connectors.Interaction) bool {
	if !strings.EqualFold(it.Direction, connectors.DirectionInbound) {
		return false
	}
	switch it.Type {
	case connectors.TypeConversation, connectors.TypeTicket, connectors.TypeMessage, connectors.TypeCall:
		return true
	}
	return false
}

// channelMix counts the customer-initiated contacts of the period
// (now - PreferredChannelPeriod, now] per channel.
func channelMix(its []Interaction, now time.Time) []ChannelContacts {
	by := map[string]*ChannelContacts{}
	for i := range its {
		it := &its[i].Interaction
		if !customerInitiated(it) || it.Channel == "" {
			continue
		}
		if age := now.Sub(it.OccurredAt); age < 0 || age >= PreferredChannelPeriod {
			continue
		}
		c := by[it.Channel]
		if c == nil {
			c = &ChannelContacts{Channel: it.Channel}
			by[it.Channel] = c
		}
		c.Contacts++
		if it.OccurredAt.After(c.Last) {
			c.Last = it.OccurredAt
		}
	}
	return sortMix(by)
}

// sortMix lists the channels, most contacts first, then the most recent
// contact first, then by name.
func sortMix(by map[string]*ChannelContacts) []ChannelContacts {
	if len(by) == 0 {
		return nil
	}
	out := make([]ChannelContacts, 0, len(by))
	for _, c := range by {
		out = append(out, *c)
	}
	slices.SortFunc(out, func(a, b ChannelContacts) int {
		return cmp.Or(cmp.Compare(b.Contacts, a.Contacts), b.Last.Compare(a.Last), cmp.Compare(a.Channel, b.Channel))
	})
	return out
}
