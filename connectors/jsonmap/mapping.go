package jsonmap

import (
	"fmt"
	"maps"
	"slices"
	"strings"

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
	// social_handle.<network> (social_handle.instagram) maps a handle on
	// one network, written without it. A name that looks like an
	// identifier field but is not one (phone_number, mobile, e-mail,
	// instagram) is refused: it would never link anyone (see
	// connectors.CheckProfileField).
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
	Unit string `yaml:"unit" jsonschema:"enum=major,enum=minor"`
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
	// Channel is where it was bought: online or store (a literal), or a
	// JSONPath whose values channel_values translates.
	Channel string `yaml:"channel" jsonschema_extras:"x-choices=order_channel"`
	// Location is the store or site it was bought in.
	Location string `yaml:"location"`
	// Total is the amount paid, in TotalUnit.
	Total string `yaml:"total"`
	// Currency is the ISO 4217 code of Total.
	Currency string `yaml:"currency"`
	// TotalUnit is how Total is written: "major" (default; "129.90" or
	// 129.9) or "minor" (integer cents, 12990).
	TotalUnit string `yaml:"total_unit" jsonschema:"enum=major,enum=minor"`
	// Items maps the order's line items.
	Items *ItemMapping `yaml:"items"`
	// StatusValues translates the system's statuses (see ValueMap).
	StatusValues ValueMap `yaml:"status_values"`
	// ChannelValues translates the system's channels (see ValueMap) to
	// online or store.
	ChannelValues ValueMap `yaml:"channel_values" jsonschema_extras:"x-choices=order_channel"`
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
	// Channel: chat, whatsapp, email, phone, sms, web, app, store, social,
	// other (a literal), or a JSONPath whose values channel_values
	// translates.
	Channel string `yaml:"channel" jsonschema_extras:"x-choices=channel"`
	// Type: message, conversation, ticket, call, email_sent, email_opened,
	// email_clicked, visit, other (a literal), or a JSONPath.
	Type string `yaml:"type" jsonschema_extras:"x-choices=interaction_type"`
	// Direction: inbound or outbound (a literal), or a JSONPath.
	Direction string `yaml:"direction" jsonschema_extras:"x-choices=direction"`
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
	// ChannelValues translates the system's channels (see ValueMap) to
	// Harmony's (see Channel).
	ChannelValues ValueMap `yaml:"channel_values" jsonschema_extras:"x-choices=channel"`
	// TypeValues translates the system's types (see ValueMap), e.g.
	// {sent: email_sent, open: email_opened}.
	TypeValues ValueMap `yaml:"type_values" jsonschema_extras:"x-choices=interaction_type"`
	// DirectionValues translates the system's directions (see ValueMap).
	DirectionValues ValueMap `yaml:"direction_values" jsonschema_extras:"x-choices=direction"`
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

// valueMap checks a value map; allowed, when not nil, lists the values it
// may translate to.
func (c *compiler) valueMap(name string, m ValueMap, allowed []string) {
	for _, k := range slices.Sorted(maps.Keys(m)) {
		if k == "" && c.err == nil {
			c.err = connectors.Invalid(c.key(name), "empty value to translate")
		}
		if allowed != nil && !slices.Contains(allowed, m[k]) && c.err == nil {
			c.err = connectors.Invalid(c.key(name+"."+k), "must be one of %s", strings.Join(allowed, ", "))
		}
	}
}

// choice checks a value with a fixed set of choices: a literal must be one
// of allowed; a JSONPath's values are translated by a value map at read
// time (an unknown one shows as other).
func (c *compiler) choice(name string, v Value, allowed []string) {
	if v.IsSet() && !v.IsPath() && !slices.Contains(allowed, v.lit) && c.err == nil {
		c.err = connectors.Invalid(c.key(name), "must be one of %s, or a JSONPath ($...)", strings.Join(allowed, ", "))
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

// Profiles is a compiled ProfileMapping.
type Profiles struct {
	records, key, updatedAt Value
	fields                  []namedValue
	plan                    *recordPlan // for the one-pass reader; nil when it cannot read the mapping
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
	for _, f := range p.fields {
		if err := connectors.CheckProfileField(f.name); err != nil && c.err == nil {
			c.err = connectors.Invalid(c.key("fields."+f.name), "%v", err)
		}
	}
	if c.err != nil {
		return nil, c.err
	}
	vals := []*Value{&p.key, &p.updatedAt}
	for i := range p.fields {
		vals = append(vals, &p.fields[i].v)
	}
	p.plan = planRecord(vals, nil, nil)
	return p, nil
}

// HasKey reports whether the mapping reads the record's key.
func (p *Profiles) HasKey() bool { return p.key.IsSet() }

// Records returns the records of doc.
func (p *Profiles) Records(doc any) []any { return records(p.records, doc) }

// Profile maps one record. Its Key is "" when the mapping has no key.
func (p *Profiles) Profile(rec any) (connectors.Profile, error) {
	return p.profile(&recValues{rec: rec})
}

func (p *Profiles) profile(r *recValues) (connectors.Profile, error) {
	var out connectors.Profile
	var err error
	if p.key.IsSet() {
		if out.Key, err = text(r, "key", &p.key, true); err != nil {
			return out, err
		}
	}
	if out.UpdatedAt, err = timeAt(r, "updated_at", &p.updatedAt, false); err != nil {
		return out, err
	}
	for i := range p.fields {
		f := &p.fields[i]
		s, err := freeText(r, "fields.", f.name, &f.v)
		if err != nil {
			return out, err
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
	plan                                                                           *recordPlan // see Profiles.plan
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
	c.valueMap("status_values", m.StatusValues, nil)
	c.valueMap("channel_values", m.ChannelValues, connectors.OrderChannels)
	c.choice("channel", o.channel, connectors.OrderChannels)
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
	vals := []*Value{&o.customerKey, &o.id, &o.placedAt, &o.status, &o.channel, &o.location, &o.total, &o.currency}
	if it := o.items; it != nil {
		o.plan = planRecord(vals, &it.records, planRecord([]*Value{&it.sku, &it.name, &it.quantity, &it.unitPrice, &it.currency}, nil, nil))
	} else {
		o.plan = planRecord(vals, nil, nil)
	}
	return o, nil
}

// HasCustomerKey reports whether the mapping reads the customer key.
func (o *Orders) HasCustomerKey() bool { return o.customerKey.IsSet() }

// Records returns the records of doc.
func (o *Orders) Records(doc any) []any { return records(o.records, doc) }

// Order maps one record. CustomerKey is "" when the mapping has none.
func (o *Orders) Order(rec any) (connectors.Order, error) {
	return o.order(&recValues{rec: rec})
}

func (o *Orders) order(r *recValues) (connectors.Order, error) {
	var out connectors.Order
	var err error
	if o.customerKey.IsSet() {
		if out.CustomerKey, err = text(r, "customer_key", &o.customerKey, true); err != nil {
			return out, err
		}
	}
	if out.ID, err = text(r, "id", &o.id, true); err != nil {
		return out, err
	}
	if out.PlacedAt, err = timeAt(r, "placed_at", &o.placedAt, true); err != nil {
		return out, err
	}
	if out.Status, err = text(r, "status", &o.status, false); err != nil {
		return out, err
	}
	out.Status = o.statusValues.Apply(out.Status)
	if out.Channel, err = text(r, "channel", &o.channel, false); err != nil {
		return out, err
	}
	out.Channel = o.channelValues.Apply(out.Channel)
	if out.Location, err = text(r, "location", &o.location, false); err != nil {
		return out, err
	}
	currency, err := text(r, "currency", &o.currency, false)
	if err != nil {
		return out, err
	}
	if out.Total, err = amount(r, "total", &o.total, o.totalUnit, currency, "currency", &o.currency); err != nil {
		return out, err
	}
	if o.items == nil {
		return out, nil
	}
	if r.direct { // the reader found the items
		if len(r.items) > 0 {
			out.Items = make([]connectors.OrderItem, 0, len(r.items))
		}
		for i := range r.items {
			if out.Items, err = o.items.add(out.Items, i, &r.items[i], currency); err != nil {
				return out, err
			}
		}
		return out, nil
	}
	recs := records(o.items.records, r.rec)
	if len(recs) > 0 {
		out.Items = make([]connectors.OrderItem, 0, len(recs))
	}
	for i, ir := range recs {
		if out.Items, err = o.items.add(out.Items, i, &recValues{rec: ir}, currency); err != nil {
			return out, err
		}
	}
	return out, nil
}

// add maps item i and appends it to list.
func (it *items) add(list []connectors.OrderItem, i int, r *recValues, orderCurrency string) ([]connectors.OrderItem, error) {
	item, err := it.item(r, orderCurrency)
	if err != nil {
		ce := connectors.Classify(err)
		return list, connectors.NewError(ce.Code, fmt.Errorf("item %d: %w", i, ce.Err))
	}
	return append(list, item), nil
}

func (it *items) item(r *recValues, orderCurrency string) (connectors.OrderItem, error) {
	var out connectors.OrderItem
	var err error
	if out.SKU, err = text(r, "items.sku", &it.sku, false); err != nil {
		return out, err
	}
	if out.Name, err = text(r, "items.name", &it.name, false); err != nil {
		return out, err
	}
	q, set, err := quantity(r, "items.quantity", &it.quantity)
	if err != nil {
		return out, err
	}
	if set {
		out.Quantity = int(q)
	}
	currency, err := text(r, "items.currency", &it.currency, false)
	if err != nil {
		return out, err
	}
	if currency == "" {
		currency = orderCurrency
	}
	if out.UnitPrice, err = amount(r, "items.unit_price", &it.unitPrice, it.unit, currency, "items.currency", &it.currency); err != nil {
		return out, err
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
	plan                                                     *recordPlan // see Profiles.plan
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
	c.valueMap("channel_values", m.ChannelValues, connectors.InteractionChannels)
	c.valueMap("type_values", m.TypeValues, connectors.InteractionTypes)
	c.valueMap("direction_values", m.DirectionValues, connectors.Directions)
	c.valueMap("status_values", m.StatusValues, nil)
	c.choice("channel", in.channel, connectors.InteractionChannels)
	c.choice("type", in.typ, connectors.InteractionTypes)
	c.choice("direction", in.direction, connectors.Directions)
	c.required("id", in.id)
	c.required("occurred_at", in.occurredAt)
	if c.err != nil {
		return nil, c.err
	}
	vals := []*Value{&in.customerKey, &in.id, &in.occurredAt, &in.channel, &in.typ, &in.direction, &in.summary,
		&in.status, &in.threadRef, &in.duration, &in.firstResponseAt, &in.resolvedAt}
	for i := range in.attributes {
		vals = append(vals, &in.attributes[i].v)
	}
	in.plan = planRecord(vals, nil, nil)
	return in, nil
}

// HasCustomerKey reports whether the mapping reads the customer key.
func (m *Interactions) HasCustomerKey() bool { return m.customerKey.IsSet() }

// Records returns the records of doc.
func (m *Interactions) Records(doc any) []any { return records(m.records, doc) }

// Interaction maps one record. CustomerKey is "" when the mapping has none.
func (m *Interactions) Interaction(rec any) (connectors.Interaction, error) {
	return m.interaction(&recValues{rec: rec})
}

func (m *Interactions) interaction(r *recValues) (connectors.Interaction, error) {
	var out connectors.Interaction
	var err error
	if m.customerKey.IsSet() {
		if out.CustomerKey, err = text(r, "customer_key", &m.customerKey, true); err != nil {
			return out, err
		}
	}
	if out.ID, err = text(r, "id", &m.id, true); err != nil {
		return out, err
	}
	if out.OccurredAt, err = timeAt(r, "occurred_at", &m.occurredAt, true); err != nil {
		return out, err
	}
	if out.Channel, err = text(r, "channel", &m.channel, false); err != nil {
		return out, err
	}
	out.Channel = m.channelValues.Apply(out.Channel)
	if out.Type, err = text(r, "type", &m.typ, false); err != nil {
		return out, err
	}
	out.Type = m.typeValues.Apply(out.Type)
	if out.Direction, err = text(r, "direction", &m.direction, false); err != nil {
		return out, err
	}
	out.Direction = m.directionValues.Apply(out.Direction)
	if out.Summary, err = text(r, "summary", &m.summary, false); err != nil {
		return out, err
	}
	if out.Status, err = text(r, "status", &m.status, false); err != nil {
		return out, err
	}
	out.Status = m.statusValues.Apply(out.Status)
	if out.ThreadRef, err = text(r, "thread_ref", &m.threadRef, false); err != nil {
		return out, err
	}
	if out.Duration, err = duration(r, "duration_seconds", &m.duration); err != nil {
		return out, err
	}
	if out.FirstResponseAt, err = timeAt(r, "first_response_at", &m.firstResponseAt, false); err != nil {
		return out, err
	}
	if out.ResolvedAt, err = timeAt(r, "resolved_at", &m.resolvedAt, false); err != nil {
		return out, err
	}
	for i := range m.attributes {
		a := &m.attributes[i]
		s, err := freeText(r, "attributes.", a.name, &a.v)
		if err != nil {
			return out, err
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
