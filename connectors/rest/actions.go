package rest

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/harmonyhq/harmony/connectors"
	"github.com/harmonyhq/harmony/connectors/jsonmap"
)

// SendEndpoint serves connectors.MessageSender: the system's API that sends
// a message (an outbound WhatsApp or chat message, a transactional e-mail).
//
// A batch endpoint renders one request for the whole batch ({{.Messages}},
// and {{.Keys}}, the recipients' keys); a per_message endpoint renders one
// request per message ({{.Message}}, and {{.Key}}, its recipient's key,
// path-escaped in the path). Each message has CustomerKey, Channel, Body,
// Template, Params and IdempotencyKey.
//
// The answer is mapped back to the messages: `records` is the JSONPath of
// the per-message results (a batch endpoint needs it; a per_message
// endpoint's result is its whole answer unless set), `message_id` and
// `status` are paths inside a result, and a result is matched to its
// message by its position, or by `idempotency_key` (a path inside the
// result) when set. A result with a non-empty `error` is a refusal of that
// message only. For a per_message endpoint, a 4xx answer other than 401,
// 403, 408 and 429 refuses that message only; any other failure fails the
// whole batch.
type SendEndpoint struct {
	Request `yaml:",inline"`
	// PerMessage makes one request per message.
	PerMessage bool `yaml:"per_message"`
	// Channels lists the channels the endpoint reaches (email, whatsapp,
	// sms, chat). Required.
	Channels []string `yaml:"channels" jsonschema_extras:"x-choices=send_channel"`
	// Records is the JSONPath of the per-message results in a response.
	Records string `yaml:"records"`
	// MessageID is the JSONPath of a result's message ID. Required.
	MessageID string `yaml:"message_id"`
	// Status is the JSONPath of a result's status, or a literal; "sent"
	// when unset.
	Status string `yaml:"status"`
	// IdempotencyKey is the JSONPath of a result's idempotency key; results
	// are matched to messages by it instead of by position.
	IdempotencyKey string `yaml:"idempotency_key"`
	// Error is the JSONPath of a result's refusal reason; a non-empty value
	// refuses that message. The reason itself is never logged or shown.
	Error string `yaml:"error"`
}

// DefaultSendStatus is the status of a message whose result names none.
const DefaultSendStatus = "sent"

type sendEP struct {
	req        *request
	perMessage bool
	channels   []string
	records    jsonmap.Value
	messageID  jsonmap.Value
	status     jsonmap.Value
	idemKey    jsonmap.Value
	errPath    jsonmap.Value
}

var (
	_ connectors.MessageSender = (*Connector)(nil)
	_ connectors.ChannelSender = (*Connector)(nil)
)

// provisionSend compiles the send endpoint.
func (c *Connector) provisionSend() error {
	e := c.Send
	if e == nil {
		return nil
	}
	if len(e.Channels) == 0 {
		return connectors.Invalid("send.channels", "required: the channels the endpoint reaches (%s)", strings.Join(connectors.SendChannels, ", "))
	}
	for i, ch := range e.Channels {
		if !slices.Contains(connectors.SendChannels, ch) {
			return connectors.Invalid(fmt.Sprintf("send.channels[%d]", i), "must be one of %s", strings.Join(connectors.SendChannels, ", "))
		}
		if slices.Index(e.Channels, ch) < i {
			return connectors.Invalid(fmt.Sprintf("send.channels[%d]", i), "repeats %s", ch)
		}
	}
	req, err := c.compileSendRequest(e)
	if err != nil {
		return err
	}
	ep := &sendEP{req: req, perMessage: e.PerMessage, channels: slices.Clone(e.Channels)}
	if ep.records, err = jsonmap.CompilePath("send.records", e.Records); err != nil {
		return err
	}
	if ep.messageID, err = jsonmap.CompilePath("send.message_id", e.MessageID); err != nil {
		return err
	}
	if ep.status, err = jsonmap.Compile("send.status", e.Status); err != nil {
		return err
	}
	if ep.idemKey, err = jsonmap.CompilePath("send.idempotency_key", e.IdempotencyKey); err != nil {
		return err
	}
	if ep.errPath, err = jsonmap.CompilePath("send.error", e.Error); err != nil {
		return err
	}
	if !ep.messageID.IsSet() {
		return connectors.Invalid("send.message_id", "required: the JSONPath of a result's message ID")
	}
	if !e.PerMessage && !ep.records.IsSet() {
		return connectors.Invalid("send.records", "required for batch endpoints (results are matched to messages through it)")
	}
	c.send = ep
	return nil
}

// compileSendRequest compiles the request side of the send endpoint and
// checks, by trial renders, that its templates execute and use the
// messages.
func (c *Connector) compileSendRequest(e *SendEndpoint) (*request, error) {
	const prefix = "send"
	r := e.Request
	out := &request{method: strings.ToUpper(r.Method), pathSrc: r.Path}
	if out.method == "" {
		out.method = http.MethodPost
	}
	if out.method != http.MethodPost && out.method != http.MethodPut {
		return nil, connectors.Invalid(prefix+".method", "must be POST or PUT")
	}
	if r.Path == "" {
		return nil, connectors.Invalid(prefix+".path", "required")
	}
	var err error
	if out.path, err = parseTemplate(prefix+".path", r.Path); err != nil {
		return nil, err
	}
	names := make([]string, 0, len(r.Query))
	for name := range r.Query {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		if name == "" {
			return nil, connectors.Invalid(prefix+".query", "empty parameter name")
		}
		t, err := parseTemplate(prefix+".query."+name, r.Query[name])
		if err != nil {
			return nil, err
		}
		out.query = append(out.query, queryParam{name: name, t: t})
	}
	if r.Body != "" {
		if out.body, err = parseTemplate(prefix+".body", r.Body); err != nil {
			return nil, err
		}
		out.jsonBody = true
		for name, v := range c.Headers {
			if strings.EqualFold(name, "Content-Type") && !strings.Contains(strings.ToLower(v.Reveal()), "json") {
				out.jsonBody = false
			}
		}
	}
	ma := connectors.OutboundMessage{CustomerKey: "key-a", Channel: connectors.ChannelEmail, Body: "Hello",
		IdempotencyKey: "idem-a"}
	mb := connectors.OutboundMessage{CustomerKey: "key-b", Channel: connectors.ChannelWhatsApp, Template: "welcome",
		Params: map[string]string{"name": "B"}, IdempotencyKey: "idem-b"}
	a, b := sendData([]connectors.OutboundMessage{ma}), sendData([]connectors.OutboundMessage{mb, ma})
	if e.PerMessage {
		a, b = messageData(ma), messageData(mb)
	}
	ra, err := out.trial(prefix, a)
	if err != nil {
		return nil, err
	}
	rb, err := out.trial(prefix, b)
	if err != nil {
		return nil, err
	}
	if ra.same(rb) {
		if e.PerMessage {
			return nil, connectors.Invalid(prefix+".path", "per_message endpoint does not use {{.Message}} or {{.Key}} in its path, query or body")
		}
		return nil, connectors.Invalid(prefix+".path", "batch endpoint does not use {{.Messages}} or {{.Keys}} in its path, query or body (or set per_message: true and use {{.Message}})")
	}
	if _, err := c.resolve(ra.path, nil); err != nil {
		return nil, connectors.Invalid(prefix+".path", "does not render a path below base_url")
	}
	return out, nil
}

// sendData is the template data of a batch request.
func sendData(msgs []connectors.OutboundMessage) TemplateData {
	keys := make([]string, len(msgs))
	for i, m := range msgs {
		keys[i] = m.CustomerKey
	}
	return TemplateData{Messages: msgs, Keys: keys}
}

// messageData is the template data of a per_message request.
func messageData(m connectors.OutboundMessage) TemplateData {
	return TemplateData{Message: m, Key: m.CustomerKey}
}

// SendChannels implements connectors.ChannelSender.
func (c *Connector) SendChannels() []string {
	if c.send == nil {
		return nil
	}
	return slices.Clone(c.send.channels)
}

// SendMessages implements connectors.MessageSender. Messages on a channel
// the endpoint does not reach are refused one by one (CodeRejected) and
// never sent.
func (c *Connector) SendMessages(ctx context.Context, msgs []connectors.OutboundMessage) ([]connectors.SendResult, error) {
	ep := c.send
	if ep == nil {
		return nil, unconfigured(connectors.CapSend)
	}
	out := make([]connectors.SendResult, len(msgs))
	idx := connectors.SendableOnly(msgs, ep.channels, out) // the messages to send, by index in msgs
	if len(idx) == 0 {
		return out, nil
	}
	desc := describe(ep.req.method, ep.req.pathSrc)
	if ep.perMessage {
		keys := make([]string, len(idx))
		for j, i := range idx {
			keys[j] = msgs[i].CustomerKey
		}
		err := c.perKey(ctx, keys, func(ctx context.Context, j int, _ string) error {
			i := idx[j]
			doc, _, err := c.call(ctx, ep.req, messageData(msgs[i]), false)
			if err != nil {
				if connectors.CodeOf(err) == connectors.CodeRejected {
					out[i].Err = connectors.Errorf(connectors.CodeRejected, "%s: message %d refused", desc, i)
					return nil
				}
				return err
			}
			rec := doc
			if ep.records.IsSet() {
				recs := recordsOf(ep.records, doc)
				if len(recs) == 0 {
					return connectors.Errorf(connectors.CodeBadResponse, "%s: no result for message %d", desc, i)
				}
				rec = recs[0]
			}
			res, err := ep.result(desc, rec)
			if err != nil {
				return err
			}
			out[i] = res
			return nil
		})
		if err != nil {
			return nil, err
		}
		return out, nil
	}
	batch := make([]connectors.OutboundMessage, len(idx))
	for j, i := range idx {
		batch[j] = msgs[i]
	}
	doc, _, err := c.call(ctx, ep.req, sendData(batch), false)
	if err != nil {
		return nil, err
	}
	recs := recordsOf(ep.records, doc)
	answered := make([]bool, len(msgs))
	if ep.idemKey.IsSet() {
		byKey := make(map[string]int, len(idx))
		for _, i := range idx {
			if k := msgs[i].IdempotencyKey; k != "" {
				if _, dup := byKey[k]; dup {
					return nil, connectors.Errorf(connectors.CodeInternal, "%s: two messages of a batch share an idempotency key", desc)
				}
				byKey[k] = i
			}
		}
		for _, rec := range recs {
			k, ok, err := ep.idemKey.Text(rec)
			if err != nil || !ok {
				return nil, connectors.Errorf(connectors.CodeBadResponse, "%s: send.idempotency_key (%s): missing", desc, ep.idemKey.Source())
			}
			i, ok := byKey[k]
			if !ok || answered[i] {
				continue // not one of ours, or answered already
			}
			if out[i], err = ep.result(desc, rec); err != nil {
				return nil, err
			}
			answered[i] = true
		}
	} else {
		if len(recs) != len(idx) {
			return nil, connectors.Errorf(connectors.CodeBadResponse, "%s: %d results for %d messages", desc, len(recs), len(idx))
		}
		for j, i := range idx {
			if out[i], err = ep.result(desc, recs[j]); err != nil {
				return nil, err
			}
			answered[i] = true
		}
	}
	for _, i := range idx {
		if !answered[i] {
			out[i].Err = connectors.Errorf(connectors.CodeBadResponse, "%s: no result for message %d", desc, i)
		}
	}
	return out, nil
}

// result maps one per-message result.
func (ep *sendEP) result(desc string, rec any) (connectors.SendResult, error) {
	if ep.errPath.IsSet() {
		if reason, ok, _ := ep.errPath.Text(rec); ok && reason != "" {
			// The reason is the system's words: never passed on.
			return connectors.SendResult{Err: connectors.Errorf(connectors.CodeRejected, "%s: message refused", desc)}, nil
		}
	}
	id, ok, err := ep.messageID.Text(rec)
	if err != nil || !ok || id == "" {
		return connectors.SendResult{}, connectors.Errorf(connectors.CodeBadResponse, "%s: send.message_id (%s): missing", desc, ep.messageID.Source())
	}
	status := DefaultSendStatus
	if ep.status.IsSet() {
		if s, ok, err := ep.status.Text(rec); err == nil && ok && s != "" {
			status = s
		}
	}
	return connectors.SendResult{MessageID: id, Status: status}, nil
}
