package graphql

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/vektah/gqlparser/v2/ast"

	"github.com/harmonyhq/harmony/connectors"
	"github.com/harmonyhq/harmony/connectors/jsonmap"
)

// VarMessages is the list variable of a batch list send mutation: one
// input object per message, with the fields message_fields names.
const VarMessages = "messages"

// Per-message variables of a batch aliases send mutation, renamed $m0_body,
// $m1_body... in the request. Empty fields are null.
const (
	VarCustomerKey    = "customerKey"
	VarChannel        = "channel"
	VarBody           = "body"
	VarTemplate       = "template"
	VarParams         = "params" // an object of the template's parameters
	VarIdempotencyKey = "idempotencyKey"
)

var messageVars = []string{VarCustomerKey, VarChannel, VarBody, VarTemplate, VarParams, VarIdempotencyKey}

// Message attributes message_fields maps input fields to.
var messageAttrs = map[string]string{
	"customer_key": VarCustomerKey, "channel": VarChannel, "body": VarBody,
	"template": VarTemplate, "params": VarParams, "idempotency_key": VarIdempotencyKey,
}

// DefaultSendStatus is the status of a message whose result names none.
const DefaultSendStatus = "sent"

// SendMutation serves connectors.MessageSender with a mutation.
//
// With batch aliases (the natural form for an API whose mutation sends one
// message) the mutation declares per-message variables ($customerKey,
// $channel, $body, $template, $params, $idempotencyKey) and selects one
// field, repeated per message (m0: sendMessage(to: $m0_customerKey, ...));
// message_id, status and error are paths in one message's answer, written
// against the mutation as configured ($.data.sendMessage.id). A GraphQL
// error whose path starts at a message's alias refuses that message only.
//
// With batch list the mutation declares $messages, a list of input
// objects whose fields message_fields names; records is the JSONPath of the
// per-message results, matched by position or by idempotency_key, as in
// the rest kind. Any GraphQL error fails the batch.
type SendMutation struct {
	// Mutation is the GraphQL mutation document.
	Mutation string `yaml:"mutation"`
	// Batch is list (default) or aliases.
	Batch string `yaml:"batch" jsonschema:"enum=list,enum=aliases"`
	// Channels lists the channels the mutation reaches (email, whatsapp,
	// sms, chat). Required.
	Channels []string `yaml:"channels" jsonschema_extras:"x-choices=send_channel"`
	// MessageFields (batch list) maps the input object's field names to
	// message attributes (customer_key, channel, body, template, params,
	// idempotency_key). Default: customerKey, channel, body, template,
	// params and idempotencyKey.
	MessageFields map[string]string `yaml:"message_fields"`
	// Records (batch list, required) is the JSONPath of the per-message
	// results.
	Records string `yaml:"records"`
	// MessageID is the JSONPath of a result's message ID. Required.
	MessageID string `yaml:"message_id"`
	// Status is the JSONPath of a result's status, or a literal; "sent"
	// when unset.
	Status string `yaml:"status"`
	// IdempotencyKey (batch list) is the JSONPath of a result's idempotency
	// key; results are matched to messages by it instead of by position.
	IdempotencyKey string `yaml:"idempotency_key"`
	// Error is the JSONPath of a result's refusal reason; a non-empty value
	// refuses that message. The reason itself is never logged or shown.
	Error string `yaml:"error"`
}

type sendOp struct {
	list      *operation
	aliases   *aliased
	channels  []string
	fields    map[string]string // input field → message variable name
	records   jsonmap.Value
	messageID jsonmap.Value
	status    jsonmap.Value
	idemKey   jsonmap.Value
	errPath   jsonmap.Value
}

func (c *Connector) provisionSend() error {
	e := c.Config.Send
	if e == nil {
		return nil
	}
	if len(e.Channels) == 0 {
		return connectors.Invalid("send.channels", "required: the channels the mutation reaches (%s)", strings.Join(connectors.SendChannels, ", "))
	}
	for i, ch := range e.Channels {
		if !slices.Contains(connectors.SendChannels, ch) {
			return connectors.Invalid(fmt.Sprintf("send.channels[%d]", i), "must be one of %s", strings.Join(connectors.SendChannels, ", "))
		}
		if slices.Index(e.Channels, ch) < i {
			return connectors.Invalid(fmt.Sprintf("send.channels[%d]", i), "repeats %s", ch)
		}
	}
	s := &sendOp{channels: slices.Clone(e.Channels)}
	var err error
	switch e.Batch {
	case "", BatchList:
		if s.list, _, err = parseOp("send.mutation", e.Mutation, ast.Mutation, []string{VarMessages}, []string{VarMessages}); err != nil {
			return err
		}
		s.fields = map[string]string{}
		for _, v := range messageVars {
			s.fields[v] = v
		}
		if len(e.MessageFields) > 0 {
			s.fields = map[string]string{}
			for field, attr := range e.MessageFields {
				v, ok := messageAttrs[attr]
				if !ok {
					return connectors.Invalid("send.message_fields."+field, "must be one of customer_key, channel, body, template, params, idempotency_key")
				}
				s.fields[field] = v
			}
		}
	case BatchAliases:
		if s.aliases, err = parseAliased("send.mutation", e.Mutation, ast.Mutation, "m", messageVars, messageVars, []string{VarCustomerKey}); err != nil {
			return err
		}
		if !s.aliases.vars[VarBody] && !s.aliases.vars[VarTemplate] {
			return connectors.Invalid("send.mutation", "must declare $body or $template (the message's content)")
		}
		if e.Records != "" || e.IdempotencyKey != "" || len(e.MessageFields) > 0 {
			return connectors.Invalid("send.batch", "records, idempotency_key and message_fields are for batch list; with aliases each message has its own answer")
		}
	default:
		return connectors.Invalid("send.batch", "must be %s or %s", BatchList, BatchAliases)
	}
	if s.records, err = jsonmap.CompilePath("send.records", e.Records); err != nil {
		return err
	}
	if s.messageID, err = jsonmap.CompilePath("send.message_id", e.MessageID); err != nil {
		return err
	}
	if s.status, err = jsonmap.Compile("send.status", e.Status); err != nil {
		return err
	}
	if s.idemKey, err = jsonmap.CompilePath("send.idempotency_key", e.IdempotencyKey); err != nil {
		return err
	}
	if s.errPath, err = jsonmap.CompilePath("send.error", e.Error); err != nil {
		return err
	}
	if !s.messageID.IsSet() {
		return connectors.Invalid("send.message_id", "required: the JSONPath of a result's message ID")
	}
	if s.list != nil && !s.records.IsSet() {
		return connectors.Invalid("send.records", "required for batch list (results are matched to messages through it)")
	}
	c.send = s
	return nil
}

// messageValue is the variable value of one message attribute; empty ones
// are null.
func messageValue(name string, m connectors.OutboundMessage) any {
	var s string
	switch name {
	case VarCustomerKey:
		s = m.CustomerKey
	case VarChannel:
		s = m.Channel
	case VarBody:
		s = m.Body
	case VarTemplate:
		s = m.Template
	case VarIdempotencyKey:
		s = m.IdempotencyKey
	case VarParams:
		if len(m.Params) == 0 {
			return nil
		}
		return m.Params
	}
	if s == "" {
		return nil
	}
	return s
}

// SendChannels implements connectors.ChannelSender.
func (c *Connector) SendChannels() []string {
	if c.send == nil {
		return nil
	}
	return slices.Clone(c.send.channels)
}

// SendMessages implements connectors.MessageSender. Messages on a channel
// the mutation does not reach are refused one by one (CodeRejected) and
// never sent.
func (c *Connector) SendMessages(ctx context.Context, msgs []connectors.OutboundMessage) ([]connectors.SendResult, error) {
	s := c.send
	if s == nil {
		return nil, unconfigured(connectors.CapSend)
	}
	out := make([]connectors.SendResult, len(msgs))
	idx := connectors.SendableOnly(msgs, s.channels, out)
	if len(idx) == 0 {
		return out, nil
	}
	if s.aliases != nil {
		return out, c.sendAliased(ctx, s, msgs, idx, out)
	}
	return out, c.sendList(ctx, s, msgs, idx, out)
}

// sendAliased sends the messages idx of msgs in one aliased mutation.
func (c *Connector) sendAliased(ctx context.Context, s *sendOp, msgs []connectors.OutboundMessage, idx []int, out []connectors.SendResult) error {
	a := s.aliases
	src, err := a.document(len(idx))
	if err != nil {
		return connectors.Errorf(connectors.CodeInternal, "%s (%s): cannot build the batch document", c.desc, a.label)
	}
	vars := map[string]any{}
	for j, i := range idx {
		for name := range a.perUnit {
			vars[a.unitVar(name, j)] = messageValue(name, msgs[i])
		}
	}
	resp, errs, err := c.request(ctx, a.operation, src, vars)
	if err != nil {
		return err
	}
	// Errors at a message's alias refuse that message; others fail all.
	refused := map[int]bool{}
	var general []any
	for _, e := range errs {
		m, _ := e.(map[string]any)
		path, _ := m["path"].([]any)
		first, _ := firstOf(path).(string)
		j, ok := unitIndex(first, a.prefix, len(idx))
		if !ok {
			general = append(general, e)
			continue
		}
		refused[j] = true
	}
	if len(general) > 0 || resp["data"] == nil {
		if _, err := c.judge(a.operation, resp, general, true); err != nil {
			return err
		}
	}
	desc := c.desc + " (" + a.label + ")"
	for j, i := range idx {
		if refused[j] {
			// The error's message is the system's words: never passed on.
			out[i].Err = connectors.Errorf(connectors.CodeRejected, "%s: message %d refused", desc, i)
			continue
		}
		if out[i], err = s.result(desc, a.unit(resp, j)); err != nil {
			return err
		}
	}
	return nil
}

func firstOf(path []any) any {
	if len(path) == 0 {
		return nil
	}
	return path[0]
}

// unitIndex reads the unit index of an alias ("m3" → 3).
func unitIndex(alias, prefix string, n int) (int, bool) {
	rest, ok := strings.CutPrefix(alias, prefix)
	if !ok {
		return 0, false
	}
	j, err := strconv.Atoi(rest)
	if err != nil || j < 0 || j >= n || strconv.Itoa(j) != rest {
		return 0, false
	}
	return j, true
}

// sendList sends the messages idx of msgs as one $messages list.
func (c *Connector) sendList(ctx context.Context, s *sendOp, msgs []connectors.OutboundMessage, idx []int, out []connectors.SendResult) error {
	op := s.list
	desc := c.desc + " (" + op.label + ")"
	list := make([]any, len(idx))
	byKey := map[string]int{}
	for j, i := range idx {
		obj := map[string]any{}
		for field, name := range s.fields {
			if v := messageValue(name, msgs[i]); v != nil {
				obj[field] = v
			}
		}
		list[j] = obj
		if k := msgs[i].IdempotencyKey; k != "" && s.idemKey.IsSet() {
			if _, dup := byKey[k]; dup {
				return connectors.Errorf(connectors.CodeInternal, "%s: two messages of a batch share an idempotency key", desc)
			}
			byKey[k] = i
		}
	}
	resp, errs, err := c.request(ctx, op, op.src, op.variables(variables{messages: list}))
	if err != nil {
		return err
	}
	if _, err := c.judge(op, resp, errs, true); err != nil {
		return err
	}
	recs := recordsOf(s.records, resp)
	answered := map[int]bool{}
	if s.idemKey.IsSet() {
		for _, rec := range recs {
			k, ok, err := s.idemKey.Text(rec)
			if err != nil || !ok {
				return connectors.Errorf(connectors.CodeBadResponse, "%s: send.idempotency_key (%s): missing", desc, s.idemKey.Source())
			}
			i, ok := byKey[k]
			if !ok || answered[i] {
				continue // not one of ours, or answered already
			}
			if out[i], err = s.result(desc, rec); err != nil {
				return err
			}
			answered[i] = true
		}
	} else {
		if len(recs) != len(idx) {
			return connectors.Errorf(connectors.CodeBadResponse, "%s: %d results for %d messages", desc, len(recs), len(idx))
		}
		for j, i := range idx {
			if out[i], err = s.result(desc, recs[j]); err != nil {
				return err
			}
			answered[i] = true
		}
	}
	for _, i := range idx {
		if !answered[i] {
			out[i].Err = connectors.Errorf(connectors.CodeBadResponse, "%s: no result for message %d", desc, i)
		}
	}
	return nil
}

// result maps one message's result.
func (s *sendOp) result(desc string, rec any) (connectors.SendResult, error) {
	if s.errPath.IsSet() {
		if reason, ok, _ := s.errPath.Text(rec); ok && reason != "" {
			// The reason is the system's words: never passed on.
			return connectors.SendResult{Err: connectors.Errorf(connectors.CodeRejected, "%s: message refused", desc)}, nil
		}
	}
	id, ok, err := s.messageID.Text(rec)
	if err != nil || !ok || id == "" {
		return connectors.SendResult{}, connectors.Errorf(connectors.CodeBadResponse, "%s: send.message_id (%s): missing", desc, s.messageID.Source())
	}
	status := DefaultSendStatus
	if s.status.IsSet() {
		if st, ok, err := s.status.Text(rec); err == nil && ok && st != "" {
			status = st
		}
	}
	return connectors.SendResult{MessageID: id, Status: status}, nil
}
