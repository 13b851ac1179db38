package mongodb

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/harmonyhq/harmony/connectors"
)

// DefaultSendStatus is the status of an inserted message when status is
// unset: the document waits in the outbox for the system to send it.
const DefaultSendStatus = "queued"

// SendInsert sends messages through an outbox collection the system sends
// from: one insertOne per message, of Document with the message's fields in
// place of the placeholders (":customer_key", ":channel", ":body",
// ":template", ":params", ":idempotency_key"; a key whose field is empty is
// left out). The message ID is the inserted document's _id. When the
// document holds ":idempotency_key" and the collection has a unique index
// on that field, a repeated message is not inserted twice: the ID of the
// document already there is returned.
type SendInsert struct {
	// Collection is the outbox collection. Required.
	Collection string `yaml:"collection"`
	// Document is the document inserted per message, with placeholders; it
	// must use :customer_key and :body or :template. Required.
	Document connectors.Value `yaml:"document"`
	// Channels lists the channels the system sends on (email, whatsapp,
	// sms, chat). Required.
	Channels []string `yaml:"channels" jsonschema_extras:"x-choices=send_channel"`
	// Status is the status reported for an inserted message (default
	// "queued").
	Status string `yaml:"status"`
}

type sendInsert struct {
	collection string
	doc        bson.D
	channels   []string
	status     string
	idemPath   string // dotted path of :idempotency_key in doc, "" if absent
}

func (c *Connector) provisionSend() error {
	e := c.Config.Send
	if e == nil {
		return nil
	}
	if e.Collection == "" {
		return connectors.Invalid("send.collection", "required")
	}
	if len(e.Channels) == 0 {
		return connectors.Invalid("send.channels", "required: the channels the system sends on (%s)", strings.Join(connectors.SendChannels, ", "))
	}
	for i, ch := range e.Channels {
		if !slices.Contains(connectors.SendChannels, ch) {
			return connectors.Invalid(fmt.Sprintf("send.channels[%d]", i), "must be one of %s", strings.Join(connectors.SendChannels, ", "))
		}
		if slices.Index(e.Channels, ch) < i {
			return connectors.Invalid(fmt.Sprintf("send.channels[%d]", i), "repeats %s", ch)
		}
	}
	if e.Document.Kind == connectors.NoValue {
		return connectors.Invalid("send.document", "required: the outbox document, e.g. {to: %q, channel: %q, text: %q}", PCustomerKey, PChannel, PBody)
	}
	used := map[string]bool{}
	v, err := fromValue(e.Document, "send.document", used)
	if err != nil {
		return err
	}
	d, ok := v.(bson.D)
	if !ok || len(d) == 0 {
		return connectors.Invalid("send.document", "must be a document (a mapping)")
	}
	for _, p := range allPlaceholders {
		if used[p] && !slices.Contains(sendPlaceholders, p) {
			return connectors.Invalid("send.document", "may not use %s (the document may use %s)", p, strings.Join(sendPlaceholders, ", "))
		}
	}
	if !used[PCustomerKey] {
		return connectors.Invalid("send.document", "must use %s", PCustomerKey)
	}
	if !used[PBody] && !used[PTemplate] {
		return connectors.Invalid("send.document", "must use %s or %s (the message's content)", PBody, PTemplate)
	}
	s := &sendInsert{collection: e.Collection, doc: d, channels: slices.Clone(e.Channels), status: e.Status}
	if s.status == "" {
		s.status = DefaultSendStatus
	}
	s.idemPath = pathOf(d, PIdempotencyKey)
	c.send = s
	return nil
}

// pathOf returns the dotted path of placeholder p in d, "" if absent.
func pathOf(d bson.D, p string) string {
	for _, e := range d {
		switch x := e.Value.(type) {
		case placeholder:
			if string(x) == p {
				return e.Key
			}
		case bson.D:
			if sub := pathOf(x, p); sub != "" {
				return e.Key + "." + sub
			}
		}
	}
	return ""
}

// messageValue binds one field of a message; an empty one is left out.
func messageValue(p string, m connectors.OutboundMessage) (any, bool) {
	var s string
	switch p {
	case PCustomerKey:
		s = m.CustomerKey
	case PChannel:
		s = m.Channel
	case PBody:
		s = m.Body
	case PTemplate:
		s = m.Template
	case PIdempotencyKey:
		s = m.IdempotencyKey
	case PParams:
		if len(m.Params) == 0 {
			return nil, false
		}
		names := make([]string, 0, len(m.Params))
		for k := range m.Params {
			names = append(names, k)
		}
		slices.Sort(names)
		d := make(bson.D, 0, len(names))
		for _, k := range names {
			d = append(d, bson.E{Key: k, Value: m.Params[k]})
		}
		return d, true
	default:
		return nil, false
	}
	return s, s != ""
}

// SendChannels implements connectors.ChannelSender.
func (c *Connector) SendChannels() []string {
	if c.send == nil {
		return nil
	}
	return slices.Clone(c.send.channels)
}

// SendMessages implements connectors.MessageSender. Messages on a channel
// the connector does not send on are refused one by one (CodeRejected) and
// never inserted.
func (c *Connector) SendMessages(ctx context.Context, msgs []connectors.OutboundMessage) ([]connectors.SendResult, error) {
	s := c.send
	if s == nil {
		return nil, unconfigured(connectors.CapSend)
	}
	out := make([]connectors.SendResult, len(msgs))
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	coll := c.db.Collection(s.collection)
	tmpl := &query{filter: s.doc}
	for _, i := range connectors.SendableOnly(msgs, s.channels, out) {
		m := msgs[i]
		doc := tmpl.bind(values{msg: &m})
		res, err := coll.InsertOne(ctx, doc)
		var id any
		switch {
		case err == nil:
			id = res.InsertedID
		case mongo.IsDuplicateKeyError(err) && s.idemPath != "" && m.IdempotencyKey != "":
			// Sent before under this idempotency key: its document's ID.
			var prior bson.D
			ferr := coll.FindOne(ctx, bson.D{{Key: s.idemPath, Value: m.IdempotencyKey}},
				options.FindOne().SetProjection(bson.D{{Key: "_id", Value: 1}})).Decode(&prior)
			if ferr != nil {
				return nil, classifyOp(ctx, "send findOne", ferr)
			}
			for _, e := range prior {
				if e.Key == "_id" {
					id = e.Value
				}
			}
		default:
			return nil, classifyOp(ctx, fmt.Sprintf("send insertOne (message %d)", i), err)
		}
		msgID := idText(id)
		if msgID == "" {
			return nil, connectors.Errorf(connectors.CodeBadResponse, "send: message %d: the inserted document has no usable _id", i)
		}
		out[i] = connectors.SendResult{MessageID: msgID, Status: s.status}
	}
	return out, nil
}

// idText is the text of a document ID.
func idText(id any) string {
	switch x := plain(id).(type) {
	case string:
		return x
	case int64:
		return fmt.Sprint(x)
	case float64:
		return fmt.Sprint(x)
	}
	return ""
}
