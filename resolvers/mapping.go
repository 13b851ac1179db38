package resolvers

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/harmonyhq/harmony/connectors"
	"github.com/harmonyhq/harmony/graph/model"
	"github.com/harmonyhq/harmony/internal/store"
)

// This file maps connector and store types onto GraphQL models: plain field
// copies, no reflection.

func toMoney(m connectors.Money) model.Money {
	return model.Money{Amount: m.Decimal(), Currency: m.Currency}
}

func toOrder(source string, o connectors.Order) model.Order {
	out := model.Order{
		ID:       o.ID,
		Source:   source,
		Channel:  model.OrderChannelOnline,
		PlacedAt: o.PlacedAt.UTC(),
		Status:   o.Status,
		Location: strPtr(o.Location),
		Total:    toMoney(o.Total),
		Items:    make([]model.OrderItem, len(o.Items)),
	}
	if o.Channel == connectors.OrderChannelStore {
		out.Channel = model.OrderChannelStore
	}
	for i, it := range o.Items {
		out.Items[i] = model.OrderItem{Sku: strPtr(it.SKU), Name: it.Name, Quantity: it.Quantity}
		if it.UnitPrice.Currency != "" {
			m := toMoney(it.UnitPrice)
			out.Items[i].UnitPrice = &m
		}
	}
	return out
}

var channels = map[string]model.Channel{
	connectors.ChannelChat:     model.ChannelChat,
	connectors.ChannelWhatsApp: model.ChannelWhatsapp,
	connectors.ChannelEmail:    model.ChannelEmail,
	connectors.ChannelPhone:    model.ChannelPhone,
	connectors.ChannelSMS:      model.ChannelSms,
	connectors.ChannelWeb:      model.ChannelWeb,
	connectors.ChannelStore:    model.ChannelStore,
	connectors.ChannelSocial:   model.ChannelSocial,
	connectors.ChannelApp:      model.ChannelApp,
}

func toChannel(c string) model.Channel {
	if m, ok := channels[strings.ToLower(c)]; ok {
		return m
	}
	return model.ChannelOther
}

var interactionTypes = map[string]model.InteractionType{
	connectors.TypeMessage:      model.InteractionTypeMessage,
	connectors.TypeConversation: model.InteractionTypeConversation,
	connectors.TypeTicket:       model.InteractionTypeTicket,
	connectors.TypeCall:         model.InteractionTypeCall,
	connectors.TypeEmailSent:    model.InteractionTypeEmailSent,
	connectors.TypeEmailOpened:  model.InteractionTypeEmailOpened,
	connectors.TypeEmailClicked: model.InteractionTypeEmailClicked,
	connectors.TypeVisit:        model.InteractionTypeVisit,
}

func toInteractionType(t string) model.InteractionType {
	if m, ok := interactionTypes[strings.ToLower(t)]; ok {
		return m
	}
	return model.InteractionTypeOther
}

func toInteraction(source string, it connectors.Interaction) model.Interaction {
	out := model.Interaction{
		ID:              it.ID,
		Source:          source,
		Channel:         toChannel(it.Channel),
		Type:            toInteractionType(it.Type),
		OccurredAt:      it.OccurredAt.UTC(),
		Summary:         strPtr(it.Summary),
		Status:          strPtr(it.Status),
		ThreadRef:       strPtr(it.ThreadRef),
		FirstResponseAt: timePtr(it.FirstResponseAt),
		ResolvedAt:      timePtr(it.ResolvedAt),
		Attributes:      make([]model.Attribute, 0, len(it.Attributes)),
	}
	switch strings.ToLower(it.Direction) {
	case connectors.DirectionInbound:
		d := model.DirectionInbound
		out.Direction = &d
	case connectors.DirectionOutbound:
		d := model.DirectionOutbound
		out.Direction = &d
	}
	out.Author = toAuthor(it)
	if it.Duration > 0 {
		s := int(it.Duration.Seconds())
		out.DurationSeconds = &s
	}
	for k, v := range it.Attributes {
		out.Attributes = append(out.Attributes, model.Attribute{Name: k, Value: v})
	}
	slices.SortFunc(out.Attributes, func(a, b model.Attribute) int { return cmp.Compare(a.Name, b.Name) })
	return out
}

var authors = map[string]model.Author{
	connectors.AuthorCustomer: model.AuthorCustomer,
	connectors.AuthorAgent:    model.AuthorAgent,
	connectors.AuthorBot:      model.AuthorBot,
}

// toAuthor says who wrote it: its author attribute, else the customer for
// an inbound interaction, else nobody knows.
func toAuthor(it connectors.Interaction) *model.Author {
	if a, ok := authors[strings.ToLower(strings.TrimSpace(it.Attributes[connectors.AttrAuthor]))]; ok {
		return &a
	}
	if strings.EqualFold(it.Direction, connectors.DirectionInbound) {
		a := model.AuthorCustomer
		return &a
	}
	return nil
}

// toTimelineEntry describes an order or an interaction as a moment of the
// journey.
func toTimelineEntry(source string, o *connectors.Order, it *connectors.Interaction) model.TimelineEntry {
	if o != nil {
		order := toOrder(source, *o)
		e := model.TimelineEntry{
			ID:         source + ":order:" + o.ID,
			OccurredAt: order.PlacedAt,
			Channel:    model.ChannelWeb,
			Source:     source,
			Kind:       model.TimelineKindOrder,
			Summary:    fmt.Sprintf("Order %s, %s %s", o.ID, order.Total.Amount, order.Total.Currency),
			Payload:    order,
		}
		if order.Channel == model.OrderChannelStore {
			e.Channel = model.ChannelStore
			if o.Location != "" {
				e.Summary = fmt.Sprintf("Purchase at %s, %s %s", o.Location, order.Total.Amount, order.Total.Currency)
			}
		}
		return e
	}
	in := toInteraction(source, *it)
	summary := it.Summary
	if summary == "" {
		summary = strings.ReplaceAll(strings.ToLower(string(in.Type)), "_", " ")
	}
	kind := model.TimelineKind(in.Type)
	if !kind.IsValid() {
		kind = model.TimelineKindOther
	}
	return model.TimelineEntry{
		ID:         source + ":" + strings.ToLower(string(in.Type)) + ":" + it.ID,
		OccurredAt: in.OccurredAt,
		Channel:    in.Channel,
		Source:     source,
		Kind:       kind,
		Summary:    summary,
		Payload:    in,
	}
}

var identifierKinds = map[string]model.IdentifierKind{
	store.KindEmail:       model.IdentifierKindEmail,
	store.KindPhone:       model.IdentifierKindPhone,
	store.KindWhatsApp:    model.IdentifierKindWhatsapp,
	store.KindLoyaltyCard: model.IdentifierKindLoyaltyCard,
	store.KindSocial:      model.IdentifierKindSocialHandle,
	store.KindExternalID:  model.IdentifierKindExternalID,
}

var identityStatuses = map[string]model.IdentityStatus{
	store.StatusMatch:        model.IdentityStatusMatchable,
	store.StatusBlocked:      model.IdentityStatusBlocked,
	store.StatusShared:       model.IdentityStatusShared,
	store.StatusUnnormalized: model.IdentityStatusUnnormalized,
}

// storeKind is the inverse of identifierKinds.
func storeKind(k model.IdentifierKind) string {
	for s, m := range identifierKinds {
		if m == k {
			return s
		}
	}
	return ""
}

func toIdentity(id store.Identity) model.Identity {
	kind, ok := identifierKinds[id.Kind]
	if !ok {
		kind = model.IdentifierKindExternalID
	}
	out := model.Identity{
		Kind:       kind,
		Value:      id.Value,
		System:     strPtr(id.System),
		Rule:       id.Rule,
		Source:     id.Source,
		Confidence: id.Confidence,
		LinkedAt:   id.LinkedAt.UTC(),
		Status:     identityStatuses[id.Status],
	}
	if len(id.MergedFrom) > 0 {
		out.MergedFrom = &id.MergedFrom[0]
	}
	return out
}

func toCustomer(c *store.Customer) *model.Customer {
	if c == nil {
		return nil
	}
	return &model.Customer{ID: c.ID, CreatedAt: c.CreatedAt.UTC()}
}

func strPtr(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}
