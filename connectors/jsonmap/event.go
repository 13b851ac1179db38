package jsonmap

import (
	"github.com/harmonyhq/harmony/connectors"
)

// EventMapping maps the events of a webhook delivery onto connectors.Event.
// Its values are evaluated against each event record.
type EventMapping struct {
	// Records is the path to the list of events in a delivery; empty means
	// the whole body (one event, or a list of them).
	Records string `yaml:"records"`
	// ID is the system's event ID. Required.
	ID string `yaml:"id"`
	// Type is the system's event type.
	Type string `yaml:"type"`
	// CustomerKey is the customer's native key in the system.
	CustomerKey string `yaml:"customer_key"`
	// Email names the customer when the event has no native key; the
	// first present of email, phone and whatsapp is the event's identifier.
	Email string `yaml:"email"`
	// Phone names the customer when the event has no native key or e-mail.
	Phone string `yaml:"phone"`
	// WhatsApp names the customer when the event has no native key, e-mail
	// or phone.
	WhatsApp string `yaml:"whatsapp"`
	// Interaction maps the contact the event reports, against the same
	// event record; absent when events report none. An event whose
	// interaction id is missing reports none (a ticket.solved beside
	// message.created events). Its records and customer_key are not used:
	// the event's own apply.
	Interaction *InteractionMapping `yaml:"interaction"`
}

// Events is a compiled EventMapping.
type Events struct {
	records, id, typ, customerKey Value
	identifiers                   []identifierValue
	interaction                   *Interactions
}

type identifierValue struct {
	kind string
	v    Value
}

// Compile compiles m; prefix is the dotted config key of the mapping block.
func (m EventMapping) Compile(prefix string) (*Events, error) {
	c := &compiler{prefix: prefix}
	ev := &Events{
		records:     c.path("records", m.Records),
		id:          c.value("id", m.ID),
		typ:         c.value("type", m.Type),
		customerKey: c.value("customer_key", m.CustomerKey),
	}
	for _, f := range []struct{ kind, name, src string }{
		{connectors.IdentifierEmail, "email", m.Email},
		{connectors.IdentifierPhone, "phone", m.Phone},
		{connectors.IdentifierWhatsApp, "whatsapp", m.WhatsApp},
	} {
		if v := c.value(f.name, f.src); v.IsSet() {
			ev.identifiers = append(ev.identifiers, identifierValue{kind: f.kind, v: v})
		}
	}
	c.required("id", ev.id)
	if c.err != nil {
		return nil, c.err
	}
	if m.Interaction != nil {
		im := *m.Interaction
		im.Records, im.CustomerKey = "", ""
		in, err := im.Compile(c.key("interaction"))
		if err != nil {
			return nil, err
		}
		ev.interaction = in
	}
	return ev, nil
}

// Records returns the event records of doc.
func (e *Events) Records(doc any) []any { return records(e.records, doc) }

// Event maps one event record.
func (e *Events) Event(rec any) (connectors.Event, error) {
	var out connectors.Event
	var err error
	r := &recValues{rec: rec}
	if out.ID, err = text(r, "id", &e.id, true); err != nil {
		return out, err
	}
	if out.Type, err = text(r, "type", &e.typ, false); err != nil {
		return out, err
	}
	if out.CustomerKey, err = text(r, "customer_key", &e.customerKey, false); err != nil {
		return out, err
	}
	for i := range e.identifiers {
		iv := &e.identifiers[i]
		s, err := text(r, iv.kind, &iv.v, false)
		if err != nil {
			return out, err
		}
		if s != "" {
			out.Identifier = connectors.Identifier{Kind: iv.kind, Value: s}
			break
		}
	}
	if e.interaction != nil && e.interaction.present(rec) {
		in, err := e.interaction.Interaction(rec)
		if err != nil {
			return out, err
		}
		in.CustomerKey = out.CustomerKey
		out.Interaction = &in
	}
	return out, nil
}

// Map maps every event record of doc. Errors name the record's position,
// never its values.
func (e *Events) Map(doc any) ([]connectors.Event, error) {
	recs := e.Records(doc)
	out := make([]connectors.Event, 0, len(recs))
	for i, r := range recs {
		ev, err := e.Event(r)
		if err != nil {
			return nil, atRecord(i, err)
		}
		out = append(out, ev)
	}
	return out, nil
}

// present reports whether rec holds an interaction: its id is there.
func (m *Interactions) present(rec any) bool {
	s, ok, err := m.id.Text(rec)
	return err != nil || (ok && s != "")
}
