package resolvers

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/99designs/gqlgen/graphql"

	"github.com/harmonyhq/harmony/connectors"
	"github.com/harmonyhq/harmony/graph/model"
	"github.com/harmonyhq/harmony/internal/apperr"
	"github.com/harmonyhq/harmony/internal/audit"
	"github.com/harmonyhq/harmony/internal/consent"
	"github.com/harmonyhq/harmony/internal/loaders"
	"github.com/harmonyhq/harmony/internal/sources"
	"github.com/harmonyhq/harmony/internal/store"
)

// CodeNoChannel refuses a sendMessage no connector can deliver: none can
// send on the channel and holds a native key of the customer.
const CodeNoChannel apperr.Code = "NO_CHANNEL"

// Limits of sendMessage's input.
const (
	maxMessageBody     = 4096
	maxTemplateName    = 100
	maxTemplateParams  = 50
	maxIdempotencyKey  = 128
	sentActivityPrefix = "send:"
	// sentEventType is the type of the stored event of a sent message.
	sentEventType = "message_sent"
)

// sendChannels maps the schema channels a message may go out on.
var sendChannels = map[model.Channel]string{
	model.ChannelEmail:    connectors.ChannelEmail,
	model.ChannelWhatsapp: connectors.ChannelWhatsApp,
	model.ChannelSms:      connectors.ChannelSMS,
	model.ChannelChat:     connectors.ChannelChat,
}

// sendMessage checks consent, picks the connector that reaches the customer
// on the channel, sends the message once (a repeated idempotency key
// answers the first send) and records it as an outbound interaction.
func (r *Resolver) sendMessage(ctx context.Context, in model.SendMessageInput) (*model.SendMessagePayload, error) {
	channel, ok := sendChannels[in.Channel]
	if !ok {
		return nil, apperr.Input("channel must be EMAIL, WHATSAPP, SMS or CHAT")
	}
	purpose := model.PurposeService
	if in.Purpose != nil {
		purpose = *in.Purpose
	}
	if !purpose.IsValid() {
		return nil, apperr.Input("purpose is not valid")
	}
	msg, err := outboundMessage(in)
	if err != nil {
		return nil, err
	}
	c, err := loaders.From(ctx).Customer(ctx, in.CustomerID)()
	if err != nil {
		return nil, apperr.Store(err)
	}
	if c == nil {
		return nil, apperr.Coded(apperr.CodeNotFound, "no customer has that ID")
	}
	if c.ErasedAt != nil {
		return nil, apperr.Coded(apperr.CodeErased, "the customer's data was erased")
	}
	audit.NoteCustomer(ctx, c.ID)
	if err := consent.Check(ctx, r.Store, c.ID, channel, strings.ToLower(string(purpose))); err != nil {
		if errors.Is(err, consent.ErrRequired) {
			return nil, apperr.Coded(apperr.CodeConsentRequired, "the customer has not consented to %s messages on %s",
				strings.ToLower(string(purpose)), channel)
		}
		return nil, apperr.Store(err)
	}
	keys, err := nativeKeys(ctx, c.ID)
	if err != nil {
		return nil, err
	}
	src, key := r.sender(keys, channel)
	if src == nil {
		return nil, apperr.Coded(CodeNoChannel, "no connected system can reach the customer on %s", channel)
	}
	// The idempotency key is scoped to the customer and channel, and what
	// the system sees is a hash of it.
	idem := in.IdempotencyKey
	if idem == nil {
		generated := rand.Text()
		idem = &generated
	}
	sum := sha256.Sum256([]byte(c.ID + "\x00" + channel + "\x00" + *idem))
	eventID := sentActivityPrefix + hex.EncodeToString(sum[:16])
	msg.CustomerKey, msg.Channel, msg.IdempotencyKey = key, channel, "hm_"+hex.EncodeToString(sum[:16])
	actID := store.ActivityID(src.Name(), eventID)
	if prev, err := r.Store.ActivityByID(ctx, actID); err != nil {
		return nil, apperr.Store(err)
	} else if prev != nil && prev.Interaction != nil {
		return &model.SendMessagePayload{MessageID: prev.Interaction.ID, Status: prev.Interaction.Status,
			Channel: in.Channel, Source: prev.Connector, Replayed: true}, nil
	}
	res, err := src.SendMessages(ctx, []connectors.OutboundMessage{msg})
	if err != nil {
		return nil, err
	}
	if res[0].Err != nil {
		return nil, res[0].Err
	}
	now := r.now()
	summary := "Message sent"
	if msg.Template != "" {
		summary = "Template " + msg.Template
	}
	act := store.Activity{ID: actID, Connector: src.Name(), EventID: eventID, Type: sentEventType,
		CustomerID: c.ID, CustomerKey: key, ReceivedAt: now, OccurredAt: now,
		Interaction: &store.Interaction{ID: res[0].MessageID, Channel: channel, Type: connectors.TypeMessage,
			Direction: connectors.DirectionOutbound, OccurredAt: now, Summary: summary, Status: res[0].Status,
			Attributes: []store.Attribute{{Name: "purpose", Value: strings.ToLower(string(purpose))}}}}
	if _, err := r.Store.AddActivities(ctx, []store.Activity{act}); err != nil {
		// The message went out: answer it, and say the timeline misses it.
		graphql.AddError(ctx, apperr.Store(err))
	} else {
		r.publish(ctx, act)
	}
	return &model.SendMessagePayload{MessageID: res[0].MessageID, Status: res[0].Status, Channel: in.Channel,
		Source: src.Name()}, nil
}

// outboundMessage checks the content of a sendMessage input: a body, or a
// template with its parameters. The error names the argument, never its
// value.
func outboundMessage(in model.SendMessageInput) (connectors.OutboundMessage, error) {
	var msg connectors.OutboundMessage
	hasBody, hasTemplate := in.Body != nil && *in.Body != "", in.Template != nil && *in.Template != ""
	switch {
	case hasBody == hasTemplate:
		return msg, apperr.Input("give either body or template")
	case hasBody && utf8.RuneCountInString(*in.Body) > maxMessageBody:
		return msg, apperr.Input("body must be at most %d characters", maxMessageBody)
	case hasTemplate && utf8.RuneCountInString(*in.Template) > maxTemplateName:
		return msg, apperr.Input("template must be at most %d characters", maxTemplateName)
	case hasBody && len(in.Params) > 0:
		return msg, apperr.Input("params go with a template, not a body")
	case len(in.Params) > maxTemplateParams:
		return msg, apperr.Input("params must be at most %d", maxTemplateParams)
	case in.IdempotencyKey != nil && (*in.IdempotencyKey == "" || len(*in.IdempotencyKey) > maxIdempotencyKey):
		return msg, apperr.Input("idempotencyKey must be 1 to %d characters", maxIdempotencyKey)
	}
	if hasBody {
		msg.Body = *in.Body
		return msg, nil
	}
	msg.Template = *in.Template
	if len(in.Params) > 0 {
		msg.Params = make(map[string]string, len(in.Params))
		for _, p := range in.Params {
			if p.Name == "" {
				return msg, apperr.Input("params: a name is empty")
			}
			if _, dup := msg.Params[p.Name]; dup {
				return msg, apperr.Input("params: a name repeats")
			}
			msg.Params[p.Name] = p.Value
		}
	}
	return msg, nil
}

// sender returns the first source, in profile priority order, that sends
// on channel and holds a native key of the customer, with that key.
func (r *Resolver) sender(keys map[string][]string, channel string) (*sources.Source, string) {
	if r.Sources == nil {
		return nil, ""
	}
	for _, src := range r.ordered(connectors.CapSend) {
		if ks := keys[src.Name()]; len(ks) > 0 && slices.Contains(src.SendChannels(), channel) {
			return src, ks[0]
		}
	}
	return nil, ""
}
