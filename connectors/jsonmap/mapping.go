package jsonmap

import (
	"fmt"
	"math/big"
	"slices"
	"time"

	"github.com/harmonyhq/harmony/connectors"
)

// ProfileMapping maps records onto connectors.Profile.
type ProfileMapping struct {
	// Records is the path to the list of records in a response; for a
	// per-key call, the path to the single record. Empty means the whole
	// document (a list, or one record).
	Records string `yaml:"records"`
	// Key is the record's native key. Required unless the caller supplies
	// the key itself (per-key calls).
	Key string `yaml:"key"`
	// UpdatedAt is when the system last changed the record.
	UpdatedAt string `yaml:"updated_at"`
	// Fields maps canonical field names (given_name, email, phone, ...; see
	// the connectors.Field* constants) and any other name to values.
	Fields map[string]string `yaml:"fields"`
}

// ItemMapping maps the line items of an order. Its values are evaluated
// against each item record.
type ItemMapping struct {
	// Records is the path, inside the order record, to its list of items.
	Records string `yaml:"records"`
	// SKU is the item's stock-keeping unit.
	SKU string `yaml:"sku"`
	// Name is the product's name.
	Name string `yaml:"name"`
	// Quantity is how many were bought (default 1).
	Quantity string `yaml:"quantity"`
	// UnitPrice is the price of one, in Unit.
	UnitPrice string `yaml:"unit_price"`
	// Currency of the unit price; the order's currency when unset.
	Currency string `yaml:"currency"`
	// Unit is how UnitPrice is written: "major" (default) or "minor".
	Unit string `yaml:"unit"`
}

// OrderMapping maps records onto connectors.Order.
type OrderMapping struct {
	// Records: see ProfileMapping.Records.
	Records string `yaml:"records"`
	// CustomerKey is the native key of the customer the order belongs to.
	// Required unless the caller supplies the key (per-key calls).
	CustomerKey string `yaml:"customer_key"`
	// ID is the order's ID in its system (required).
	ID string `yaml:"id"`
	// PlacedAt is when the order was placed (required).
	PlacedAt string `yaml:"placed_at"`
	// Status is the system's order status (paid, shipped, refunded...).
	Status string `yaml:"status"`
	// Channel is where it was bought: online, store, phone...
	Channel string `yaml:"channel"`
	// Location is the store or site it was bought in.
	Location string `yaml:"location"`
	// Total is the amount paid, in TotalUnit.
	Total string `yaml:"total"`
	// Currency is the ISO 4217 code of Total.
	Currency string `yaml:"currency"`
	// TotalUnit is how Total is written: "major" (default; "129.90" or
	// 129.9) or "minor" (integer cents, 12990).
	TotalUnit string `yaml:"total_unit"`
	// Items maps the order's line items.
	Items *ItemMapping `yaml:"items"`
	// StatusValues translates the system's statuses (see ValueMap).
	StatusValues ValueMap `yaml:"status_values"`
	// ChannelValues translates the system's channels (see ValueMap).
	ChannelValues ValueMap `yaml:"channel_values"`
}

// ValueMap translates a field's values from the system's vocabulary to
// Harmony's: {open: email_opened, click: email_clicked}. A value not in the
// map is kept as is, unless the map has a "*" entry, which then replaces
// it. An absent or empty value stays empty.
type ValueMap map[string]string

// Apply translates v.
func (m ValueMap) Apply(v string) string {
	if v == "" || len(m) == 0 {
		return v
	}
	if t, ok := m[v]; ok {
		return t
	}
	if t, ok := m["*"]; ok {
		return t
	}
	return v
}

// InteractionMapping maps records onto connectors.Interaction.
type InteractionMapping struct {
	// Records: see ProfileMapping.Records.
	Records string `yaml:"records"`
	// CustomerKey: see OrderMapping.CustomerKey.
	CustomerKey string `yaml:"customer_key"`
	// ID is the interaction's ID in its system (required).
	ID string `yaml:"id"`
	// OccurredAt is when it happened; for conversations and calls, when
	// they started (required).
	OccurredAt string `yaml:"occurred_at"`
	// Channel: chat, whatsapp, email, phone, sms, web, store, social.
	Channel string `yaml:"channel"`
	// Type: message, conversation, ticket, call, email_sent, email_opened,
	// email_clicked, visit, other.
	Type string `yaml:"type"`
	// Direction: inbound or outbound.
	Direction string `yaml:"direction"`
	// Summary is a short line: a subject, a campaign title, an outcome.
	Summary string `yaml:"summary"`
	// Status is the system's status (open, solved, done...).
	Status string `yaml:"status"`
	// ThreadRef is a reference shared by the interactions of one
	// conversation, across channels when systems share it.
	ThreadRef string `yaml:"thread_ref"`
	// DurationSeconds is a call's length.
	DurationSeconds string `yaml:"duration_seconds"`
	// FirstResponseAt is when the company first answered.
	FirstResponseAt string `yaml:"first_response_at"`
	// ResolvedAt is when the conversation or ticket was closed.
	ResolvedAt string `yaml:"resolved_at"`
	// Attributes maps attribute names to values.
	Attributes map[string]string `yaml:"attributes"`
	// ChannelValues translates the system's channels (see ValueMap).
	ChannelValues ValueMap `yaml:"channel_values"`
	// TypeValues translates the system's types (see ValueMap), e.g.
	// {sent: email_sent, open: email_opened}.
	TypeValues ValueMap `yaml:"type_values"`
	// DirectionValues translates the system's directions (see ValueMap).
	DirectionValues ValueMap `yaml:"direction_values"`
	// StatusValues translates the system's statuses (see ValueMap).
	StatusValues ValueMap `yaml:"status_values"`
}

// compiler collects the first compile error.
type compiler struct {
	prefix string
	err    error
}

func (c *compiler) key(name string) string {
	if c.prefix == "" {
		return name
	}
	return c.prefix + "." + name
}

func (c *compiler) value(name, src string) Value {
	v, err := Compile(c.key(name), src)
	if err != nil && c.err == nil {
		c.err = err
	}
	return v
}

func (c *compiler) path(name, src string) Value {
	v, err := CompilePath(c.key(name), src)
	if err != nil && c.err == nil {
		c.err = err
	}
	return v
}

func (c *compiler) required(name string, v Value) {
	if !v.IsSet() && c.err == nil {
		c.err = connectors.Invalid(c.key(name), "required")
	}
}

func (c *compiler) unit(name, u string) {
	if u != "" && u != UnitMajor && u != UnitMinor && c.err == nil {
		c.err = connectors.Invalid(c.key(name), "must be %q or %q", UnitMajor, UnitMinor)
	}
}

func (c *compiler) valueMap(name string, m ValueMap) {
	for k := range m {
		if k == "" && c.err == nil {
			c.err = connectors.Invalid(c.key(name), "empty value to translate")
		}
	}
}

type namedValue struct {
	name string
	v    Value
}

func (c *compiler) values(name string, m map[string]string) []namedValue {
	out := make([]namedValue, 0, len(m))
	for k, src := range m {
		if k == "" && c.err == nil {
			c.err = connectors.Invalid(c.key(name), "empty name")
		}
		if src == "" && c.err == nil {
			c.err = connectors.Invalid(c.key(name+"."+k), "empty value")
		}
		out = append(out, namedValue{k, c.value(name+"."+k, src)})
	}
	slices.SortFunc(out, func(a, b namedValue) int {
		switch {
		case a.name < b.name:
			return -1
		case a.name > b.name:
			return 1
		}
		return 0
	})
	return out
}

// records extracts the record list selected by path from doc: a list's
// entries (nulls skipped), a single object, or nothing for null/no match. A
// path selecting several nodes (a wildcard) yields each of them.
func records(path Value, doc any) []any {
	var nodes []any
	if path.IsSet() {
		nodes = path.All(doc)
	} else {
		nodes = []any{doc}
	}
	if len(nodes) == 1 {
		if list, ok := nodes[0].([]any); ok {
			nodes = list
		}
	}
	out := make([]any, 0, len(nodes))
	for _, n := range nodes {
		if n != nil {
			out = append(out, n)
		}
	}
	return out
}

// recordsOf is records for a response that must hold records, checked for
// shape. A response of an unexpected shape is an UPSTREAM_BAD_RESPONSE
// error, never an answer without records (which would silently drop a
// system's data):
//
//   - a records path of member names and indexes only ($.data, $.a[0].b)
//     whose member is missing from an object, or that names a member of a
//     list or a scalar; a null on the way or at the end is no records
//     ({"data": {"customer": null}}: nobody), and so is an index past the
//     end of a list;
//   - the selected node, or the whole document without a records path, is
//     a string, number or boolean rather than a list or an object;
//   - an entry of the list is not an object (nulls are skipped).
//
// A null document is no records. A path with wildcards or filters
// ($.data[*], $..items) may select nothing: that is no records.
func recordsOf(path Value, doc any) ([]any, error) {
	if doc == nil {
		return nil, nil
	}
	nodes := []any{doc}
	if path.IsSet() {
		if path.fast {
			if missing := missingStep(path.steps, doc); missing != "" {
				return nil, badShape(path, "%s", missing)
			}
		}
		nodes = path.All(doc)
		if len(nodes) == 0 {
			return nil, nil
		}
	}
	single := len(nodes) == 1
	if single {
		switch n := nodes[0].(type) {
		case nil:
			return nil, nil
		case []any:
			nodes, single = n, false
		}
	}
	out := make([]any, 0, len(nodes))
	for i, n := range nodes {
		switch {
		case n == nil:
		case scalar(n):
			if single {
				return nil, badShape(path, "selects %s, not a list or an object of records", scalarKind(n))
			}
			return nil, badShape(path, "entry %d is %s, not a record (an object)", i, scalarKind(n))
		default:
			if _, isList := n.([]any); isList {
				return nil, badShape(path, "entry %d is a list, not a record (an object)", i)
			}
			out = append(out, n)
		}
	}
	return out, nil
}

// missingStep walks steps in doc and says where the document lacks what
// they name, or "" when it has it (or a null, or a list too short, cuts the
// walk short).
func missingStep(steps []step, doc any) string {
	cur := doc
	for _, s := range steps {
		switch t := cur.(type) {
		case nil:
			return ""
		case map[string]any:
			if s.isIdx {
				return fmt.Sprintf("indexes an object at [%d]", s.index)
			}
			next, ok := t[s.name]
			if !ok {
				return fmt.Sprintf("finds no member %q", s.name)
			}
			cur = next
		case []any:
			if !s.isIdx {
				return fmt.Sprintf("finds a list where it names the member %q", s.name)
			}
			i := s.index
			if i < 0 {
				i += len(t)
			}
			if i < 0 || i >= len(t) {
				return ""
			}
			cur = t[i]
		default:
			if scalar(cur) {
				return fmt.Sprintf("finds %s where it names a member", scalarKind(cur))
			}
			return "" // a node walk does not know: ojg decides
		}
	}
	return ""
}

// badShape is the error for a response without the records where the
// mapping expects them. It names the path, never a value.
func badShape(path Value, format string, args ...any) *connectors.Error {
	where := "records"
	if path.IsSet() {
		where += " (" + path.Source() + ")"
	} else {
		where += " (the whole response)"
	}
	return connectors.NewError(connectors.CodeBadResponse, fmt.Errorf("unexpected response shape: %s %s", where, fmt.Sprintf(format, args...)))
}

// scalarKind names the JSON kind of a scalar node.
func scalarKind(v any) string {
	switch v.(type) {
	case string:
		return "a string"
	case bool:
		return "a boolean"
	default:
		return "a number"
	}
}

// badField is the error for a field of a record that cannot be read. It
// names the field and its path, never the value.
func badField(field string, v Value, format string, args ...any) *connectors.Error {
	return connectors.NewError(connectors.CodeBadResponse,
		fmt.Errorf("%s (%s): %s", field, v.Source(), fmt.Sprintf(format, args...)))
}

func text(rec any, field string, v Value, required bool) (string, error) {
	s, ok, err := v.Text(rec)
	if err != nil {
		return "", badField(field, v, "%v", err)
	}
	if required && !ok {
		return "", badField(field, v, "missing")
	}
	return s, nil
}

func timeAt(rec any, field string, v Value, required bool) (time.Time, error) {
	t, err := v.Time(rec)
	if err != nil {
		return time.Time{}, badField(field, v, "%v", err)
	}
	if required && t.IsZero() {
		return time.Time{}, badField(field, v, "missing")
	}
	return t, nil
}

// Profiles is a compiled ProfileMapping.
type Profiles struct {
	records, key, updatedAt Value
	fields                  []namedValue
}

// Compile compiles m; prefix is the dotted config key of the mapping block
// ("profiles"), used in errors.
func (m ProfileMapping) Compile(prefix string) (*Profiles, error) {
	c := &compiler{prefix: prefix}
	p := &Profiles{
		records:   c.path("records", m.Records),
		key:       c.value("key", m.Key),
		updatedAt: c.value("updated_at", m.UpdatedAt),
		fields:    c.values("fields", m.Fields),
	}
	if c.err != nil {
		return nil, c.err
	}
	return p, nil
}

// HasKey reports whether the mapping reads the record's key.
func (p *Profiles) HasKey() bool { return p.key.IsSet() }

// Records returns the records of doc.
func (p *Profiles) Records(doc any) []any { return records(p.records, doc) }

// Profile maps one record. Its Key is "" when the mapping has no key.
func (p *Profiles) Profile(rec any) (connectors.Profile, error) {
	var out connectors.Profile
	var err error
	if p.key.IsSet() {
		if out.Key, err = text(rec, "key", p.key, true); err != nil {
			return out, err
		}
	}
	if out.UpdatedAt, err = timeAt(rec, "updated_at", p.updatedAt, false); err != nil {
		return out, err
	}
	for _, f := range p.fields {
		raw, ok := f.v.Get(rec)
		if !ok || raw == nil {
			continue
		}
		s, err := textOrJSON(raw)
		if err != nil {
			return out, badField("fields."+f.name, f.v, "%v", err)
		}
		if s == "" {
			continue
		}
		if out.Fields == nil {
			out.Fields = make(map[string]string, len(p.fields))
		}
		out.Fields[f.name] = s
	}
	return out, nil
}

// Map maps every record of doc. Errors name the record's position.
func (p *Profiles) Map(doc any) ([]connectors.Profile, error) {
	recs, err := recordsOf(p.records, doc)
	if err != nil {
		return nil, err
	}
	out := make([]connectors.Profile, 0, len(recs))
	for i, r := range recs {
		pr, err := p.Profile(r)
		if err != nil {
			return nil, atRecord(i, err)
		}
		out = append(out, pr)
	}
	return out, nil
}

func atRecord(i int, err error) error {
	ce := connectors.Classify(err)
	return connectors.NewError(ce.Code, fmt.Errorf("record %d: %w", i, ce.Err))
}

// Orders is a compiled OrderMapping.
type Orders struct {
	records, customerKey, id, placedAt, status, channel, location, total, currency Value
	totalUnit                                                                      string
	items                                                                          *items
	statusValues, channelValues                                                    ValueMap
}

type items struct {
	records, sku, name, quantity, unitPrice, currency Value
	unit                                              string
}

// Compile compiles m; prefix is the dotted config key of the mapping block.
func (m OrderMapping) Compile(prefix string) (*Orders, error) {
	c := &compiler{prefix: prefix}
	o := &Orders{
		records:     c.path("records", m.Records),
		customerKey: c.value("customer_key", m.CustomerKey),
		id:          c.value("id", m.ID),
		placedAt:    c.value("placed_at", m.PlacedAt),
		status:      c.value("status", m.Status),
		channel:     c.value("channel", m.Channel),
		location:    c.value("location", m.Location),
		total:       c.value("total", m.Total),
		currency:    c.value("currency", m.Currency),
		totalUnit:   m.TotalUnit,

		statusValues:  m.StatusValues,
		channelValues: m.ChannelValues,
	}
	c.valueMap("status_values", m.StatusValues)
	c.valueMap("channel_values", m.ChannelValues)
	c.required("id", o.id)
	c.required("placed_at", o.placedAt)
	c.unit("total_unit", m.TotalUnit)
	if o.total.IsSet() {
		c.required("currency", o.currency)
	}
	if m.Items != nil {
		ic := &compiler{prefix: c.key("items")}
		it := &items{
			records:   ic.path("records", m.Items.Records),
			sku:       ic.value("sku", m.Items.SKU),
			name:      ic.value("name", m.Items.Name),
			quantity:  ic.value("quantity", m.Items.Quantity),
			unitPrice: ic.value("unit_price", m.Items.UnitPrice),
			currency:  ic.value("currency", m.Items.Currency),
			unit:      m.Items.Unit,
		}
		ic.required("records", it.records)
		ic.unit("unit", m.Items.Unit)
		if it.unitPrice.IsSet() && !it.currency.IsSet() && !o.currency.IsSet() && ic.err == nil {
			ic.err = connectors.Invalid(ic.key("currency"), "required when the order has no currency")
		}
		if c.err == nil {
			c.err = ic.err
		}
		o.items = it
	}
	if c.err != nil {
		return nil, c.err
	}
	return o, nil
}

// HasCustomerKey reports whether the mapping reads the customer key.
func (o *Orders) HasCustomerKey() bool { return o.customerKey.IsSet() }

// Records returns the records of doc.
func (o *Orders) Records(doc any) []any { return records(o.records, doc) }

// Order maps one record. CustomerKey is "" when the mapping has none.
func (o *Orders) Order(rec any) (connectors.Order, error) {
	var out connectors.Order
	var err error
	if o.customerKey.IsSet() {
		if out.CustomerKey, err = text(rec, "customer_key", o.customerKey, true); err != nil {
			return out, err
		}
	}
	if out.ID, err = text(rec, "id", o.id, true); err != nil {
		return out, err
	}
	if out.PlacedAt, err = timeAt(rec, "placed_at", o.placedAt, true); err != nil {
		return out, err
	}
	if out.Status, err = text(rec, "status", o.status, false); err != nil {
		return out, err
	}
	out.Status = o.statusValues.Apply(out.Status)
	if out.Channel, err = text(rec, "channel", o.channel, false); err != nil {
		return out, err
	}
	out.Channel = o.channelValues.Apply(out.Channel)
	if out.Location, err = text(rec, "location", o.location, false); err != nil {
		return out, err
	}
	currency, err := text(rec, "currency", o.currency, false)
	if err != nil {
		return out, err
	}
	if raw, ok := o.total.Get(rec); ok && raw != nil && raw != "" {
		if currency == "" {
			return out, badField("currency", o.currency, "missing")
		}
		if out.Total, err = ParseAmount(raw, o.totalUnit, currency); err != nil {
			return out, badField("total", o.total, "%v", err)
		}
	}
	if o.items != nil {
		for i, ir := range records(o.items.records, rec) {
			item, err := o.items.item(ir, currency)
			if err != nil {
				ce := connectors.Classify(err)
				return out, connectors.NewError(ce.Code, fmt.Errorf("item %d: %w", i, ce.Err))
			}
			out.Items = append(out.Items, item)
		}
	}
	return out, nil
}

func (it *items) item(rec any, orderCurrency string) (connectors.OrderItem, error) {
	var out connectors.OrderItem
	var err error
	if out.SKU, err = text(rec, "items.sku", it.sku, false); err != nil {
		return out, err
	}
	if out.Name, err = text(rec, "items.name", it.name, false); err != nil {
		return out, err
	}
	if raw, ok := it.quantity.Get(rec); ok && raw != nil {
		q, err := Int(raw)
		if err != nil {
			return out, badField("items.quantity", it.quantity, "%v", err)
		}
		out.Quantity = int(q)
	}
	currency, err := text(rec, "items.currency", it.currency, false)
	if err != nil {
		return out, err
	}
	if currency == "" {
		currency = orderCurrency
	}
	if raw, ok := it.unitPrice.Get(rec); ok && raw != nil && raw != "" {
		if currency == "" {
			return out, badField("items.currency", it.currency, "missing")
		}
		if out.UnitPrice, err = ParseAmount(raw, it.unit, currency); err != nil {
			return out, badField("items.unit_price", it.unitPrice, "%v", err)
		}
	}
	return out, nil
}

// Map maps every record of doc.
func (o *Orders) Map(doc any) ([]connectors.Order, error) {
	recs, err := recordsOf(o.records, doc)
	if err != nil {
		return nil, err
	}
	out := make([]connectors.Order, 0, len(recs))
	for i, r := range recs {
		or, err := o.Order(r)
		if err != nil {
			return nil, atRecord(i, err)
		}
		out = append(out, or)
	}
	return out, nil
}

// Interactions is a compiled InteractionMapping.
type Interactions struct {
	records, customerKey, id, occurredAt, channel, typ, direction, summary, status,
	threadRef, duration, firstResponseAt, resolvedAt Value
	attributes                                               []namedValue
	channelValues, typeValues, directionValues, statusValues ValueMap
}

// Compile compiles m; prefix is the dotted config key of the mapping block.
func (m InteractionMapping) Compile(prefix string) (*Interactions, error) {
	c := &compiler{prefix: prefix}
	in := &Interactions{
		records:         c.path("records", m.Records),
		customerKey:     c.value("customer_key", m.CustomerKey),
		id:              c.value("id", m.ID),
		occurredAt:      c.value("occurred_at", m.OccurredAt),
		channel:         c.value("channel", m.Channel),
		typ:             c.value("type", m.Type),
		direction:       c.value("direction", m.Direction),
		summary:         c.value("summary", m.Summary),
		status:          c.value("status", m.Status),
		threadRef:       c.value("thread_ref", m.ThreadRef),
		duration:        c.value("duration_seconds", m.DurationSeconds),
		firstResponseAt: c.value("first_response_at", m.FirstResponseAt),
		resolvedAt:      c.value("resolved_at", m.ResolvedAt),
		attributes:      c.values("attributes", m.Attributes),

		channelValues:   m.ChannelValues,
		typeValues:      m.TypeValues,
		directionValues: m.DirectionValues,
		statusValues:    m.StatusValues,
	}
	c.valueMap("channel_values", m.ChannelValues)
	c.valueMap("type_values", m.TypeValues)
	c.valueMap("direction_values", m.DirectionValues)
	c.valueMap("status_values", m.StatusValues)
	c.required("id", in.id)
	c.required("occurred_at", in.occurredAt)
	if c.err != nil {
		return nil, c.err
	}
	return in, nil
}

// HasCustomerKey reports whether the mapping reads the customer key.
func (m *Interactions) HasCustomerKey() bool { return m.customerKey.IsSet() }

// Records returns the records of doc.
func (m *Interactions) Records(doc any) []any { return records(m.records, doc) }

// Interaction maps one record. CustomerKey is "" when the mapping has none.
func (m *Interactions) Interaction(rec any) (connectors.Interaction, error) {
	var out connectors.Interaction
	var err error
	if m.customerKey.IsSet() {
		if out.CustomerKey, err = text(rec, "customer_key", m.customerKey, true); err != nil {
			return out, err
		}
	}
	if out.ID, err = text(rec, "id", m.id, true); err != nil {
		return out, err
	}
	if out.OccurredAt, err = timeAt(rec, "occurred_at", m.occurredAt, true); err != nil {
		return out, err
	}
	for _, f := range []struct {
		name string
		v    Value
		dst  *string
		vm   ValueMap
	}{
		{"channel", m.channel, &out.Channel, m.channelValues},
		{"type", m.typ, &out.Type, m.typeValues},
		{"direction", m.direction, &out.Direction, m.directionValues},
		{"summary", m.summary, &out.Summary, nil},
		{"status", m.status, &out.Status, m.statusValues},
		{"thread_ref", m.threadRef, &out.ThreadRef, nil},
	} {
		if *f.dst, err = text(rec, f.name, f.v, false); err != nil {
			return out, err
		}
		*f.dst = f.vm.Apply(*f.dst)
	}
	if raw, ok := m.duration.Get(rec); ok && raw != nil && raw != "" {
		r, err := number(raw)
		if err != nil {
			return out, badField("duration_seconds", m.duration, "%v", err)
		}
		ns := new(big.Rat).Mul(r, big.NewRat(int64(time.Second), 1))
		n := new(big.Int).Quo(ns.Num(), ns.Denom())
		if !n.IsInt64() || n.Sign() < 0 {
			return out, badField("duration_seconds", m.duration, "out of range")
		}
		out.Duration = time.Duration(n.Int64())
	}
	if out.FirstResponseAt, err = timeAt(rec, "first_response_at", m.firstResponseAt, false); err != nil {
		return out, err
	}
	if out.ResolvedAt, err = timeAt(rec, "resolved_at", m.resolvedAt, false); err != nil {
		return out, err
	}
	for _, a := range m.attributes {
		raw, ok := a.v.Get(rec)
		if !ok || raw == nil {
			continue
		}
		s, err := textOrJSON(raw)
		if err != nil {
			return out, badField("attributes."+a.name, a.v, "%v", err)
		}
		if s == "" {
			continue
		}
		if out.Attributes == nil {
			out.Attributes = make(map[string]string, len(m.attributes))
		}
		out.Attributes[a.name] = s
	}
	return out, nil
}

// Map maps every record of doc.
func (m *Interactions) Map(doc any) ([]connectors.Interaction, error) {
	recs, err := recordsOf(m.records, doc)
	if err != nil {
		return nil, err
	}
	out := make([]connectors.Interaction, 0, len(recs))
	for i, r := range recs {
		it, err := m.Interaction(r)
		if err != nil {
			return nil, atRecord(i, err)
		}
		out = append(out, it)
	}
	return out, nil
}
