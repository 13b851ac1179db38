package sql

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/harmonyhq/harmony/connectors"
)

// Placeholders of a send statement: the fields of one message.
const (
	PCustomerKey    = "customer_key"
	PChannel        = "channel"
	PBody           = "body"
	PTemplate       = "template"
	PParams         = "params" // the template's parameters as a JSON object, NULL when none
	PIdempotencyKey = "idempotency_key"
)

var sendNames = []string{PCustomerKey, PChannel, PBody, PTemplate, PParams, PIdempotencyKey}

// Columns a send statement returns.
const (
	ColMessageID = "message_id"
	ColStatus    = "status"
)

// DefaultSendStatus is the status of a message whose statement returns no
// status column: the row waits in the outbox for the system to send it.
const DefaultSendStatus = "queued"

// SendStatement serves connectors.MessageSender through an outbox table
// the system sends from: an INSERT run once per message, every message of a
// batch in one transaction (all are queued or none). It uses :customer_key
// and the message's other fields (:channel, :body, :template, :params,
// :idempotency_key; empty ones are NULL) and returns the message's ID in a
// message_id column, optionally its status in a status column (default
// "queued"): INSERT ... RETURNING id AS message_id. To make retries
// harmless, put a unique constraint on the idempotency key and return the
// existing row on conflict (ON CONFLICT (idempotency_key) DO UPDATE SET
// idempotency_key = excluded.idempotency_key RETURNING id AS message_id).
type SendStatement struct {
	// Statement is the SQL statement with named placeholders. Required.
	Statement string `yaml:"statement"`
	// Channels lists the channels the system sends on (email, whatsapp,
	// sms, chat). Required.
	Channels []string `yaml:"channels" jsonschema_extras:"x-choices=send_channel"`
}

type sendStatement struct {
	*statement
	channels []string
}

func (c *Connector) provisionSend() error {
	e := c.Config.Send
	if e == nil {
		return nil
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
	st, err := c.compile(connectors.CapSend, "send.statement", e.Statement, sendNames, []string{PCustomerKey})
	if err != nil {
		return err
	}
	if !slices.Contains(st.params, PBody) && !slices.Contains(st.params, PTemplate) {
		return connectors.Invalid("send.statement", "must use :body or :template (the message's content)")
	}
	c.send = &sendStatement{statement: st, channels: slices.Clone(e.Channels)}
	return nil
}

// messageArg binds one field of a message; empty fields are NULL.
func messageArg(p string, m connectors.OutboundMessage) (any, error) {
	null := func(s string) any {
		if s == "" {
			return nil
		}
		return s
	}
	switch p {
	case PCustomerKey:
		return m.CustomerKey, nil
	case PChannel:
		return m.Channel, nil
	case PBody:
		return null(m.Body), nil
	case PTemplate:
		return null(m.Template), nil
	case PIdempotencyKey:
		return null(m.IdempotencyKey), nil
	case PParams:
		if len(m.Params) == 0 {
			return nil, nil
		}
		b, err := json.Marshal(m.Params)
		if err != nil {
			return nil, err
		}
		return string(b), nil
	}
	return nil, fmt.Errorf("no value for :%s", p)
}

// SendChannels implements connectors.ChannelSender.
func (c *Connector) SendChannels() []string {
	if c.send == nil {
		return nil
	}
	return slices.Clone(c.send.channels)
}

// SendMessages implements connectors.MessageSender. Messages on a channel
// the statement does not serve are refused one by one (CodeRejected) and
// never inserted; the others are inserted in one transaction.
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
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	tx, err := c.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, classify(ctx, c.Driver, connectors.CapSend, err)
	}
	defer func() { _ = tx.Rollback() }() // a no-op after Commit
	for _, i := range idx {
		m := msgs[i]
		rows := 0
		err := c.queryOn(ctx, tx, s.statement, values{msg: &m}, func(cols []string) error {
			return checkColumns(cols, []string{ColMessageID, ColStatus}, []string{ColMessageID}, "")
		}, func(vals map[string]any) error {
			rows++
			id, err := text(vals[ColMessageID])
			if err != nil || id == "" {
				return fmt.Errorf("message %d: no message_id", i)
			}
			status, err := text(vals[ColStatus])
			if err != nil {
				return fmt.Errorf("message %d: column status: %w", i, err)
			}
			if status == "" {
				status = DefaultSendStatus
			}
			out[i] = connectors.SendResult{MessageID: id, Status: status}
			return nil
		})
		if err != nil {
			return nil, err
		}
		if rows != 1 {
			return nil, connectors.Errorf(connectors.CodeBadResponse,
				"send statement: %d rows for message %d, want 1 (RETURNING ... AS message_id; on conflict, return the existing row)", rows, i)
		}
	}
	if err := tx.Commit(); err != nil {
		return nil, classify(ctx, c.Driver, connectors.CapSend, err)
	}
	return out, nil
}
