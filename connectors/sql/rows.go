package sql

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/harmonyhq/harmony/connectors"
	"github.com/harmonyhq/harmony/connectors/jsonmap"
)

// Column names of the conventions.
const (
	ColKey         = "key"
	ColUpdatedAt   = "updated_at"
	ColCustomerKey = "customer_key"
	ColID          = "id"
	ColPlacedAt    = "placed_at"
	ColOccurredAt  = "occurred_at"
	ColTotalMinor  = "total_minor"
	ColCurrency    = "currency"
	ColItems       = "items"
	AttrPrefix     = "attr_"
)

// OrderColumns are the columns an orders query may return.
var OrderColumns = []string{ColCustomerKey, ColID, ColPlacedAt, "status", "channel", "location", ColTotalMinor, ColCurrency, ColItems}

// InteractionColumns are the columns an interactions query may return,
// besides attr_<name> columns.
var InteractionColumns = []string{ColCustomerKey, ColID, ColOccurredAt, "channel", "type", "direction", "summary", "status",
	"thread_ref", "duration_seconds", "first_response_at", "resolved_at"}

// ItemFields are the fields of an object of the items JSON array.
// unit_cents is accepted as another name of unit_minor.
var ItemFields = []string{"sku", "name", "quantity", "unit_minor", "unit_cents", "currency"}

func checkColumns(cols, known, required []string, extraPrefix string) error {
	seen := map[string]bool{}
	for _, c := range cols {
		if seen[c] {
			return fmt.Errorf("column %q appears twice", c)
		}
		seen[c] = true
		if known != nil && !slices.Contains(known, c) && (extraPrefix == "" || !strings.HasPrefix(c, extraPrefix) || c == extraPrefix) {
			hint := strings.Join(known, ", ")
			if extraPrefix != "" {
				hint += ", " + extraPrefix + "<name>"
			}
			return fmt.Errorf("unknown column %q (known: %s)", c, hint)
		}
	}
	for _, r := range required {
		if !seen[r] {
			return fmt.Errorf("no %s column", r)
		}
	}
	return nil
}

func checkProfileColumns(cols []string) error {
	return checkColumns(cols, nil, []string{ColKey}, "")
}

func checkOrderColumns(cols []string) error {
	return checkColumns(cols, OrderColumns, []string{ColCustomerKey, ColID, ColPlacedAt}, "")
}

func checkInteractionColumns(cols []string) error {
	return checkColumns(cols, InteractionColumns, []string{ColCustomerKey, ColID, ColOccurredAt}, AttrPrefix)
}

// text converts a column value to a string: NULL is "".
func text(v any) (string, error) {
	switch t := v.(type) {
	case nil:
		return "", nil
	case string:
		return t, nil
	case []byte:
		return string(t), nil
	case int64:
		return strconv.FormatInt(t, 10), nil
	case int32:
		return strconv.FormatInt(int64(t), 10), nil
	case int:
		return strconv.Itoa(t), nil
	case float64:
		if math.IsInf(t, 0) || math.IsNaN(t) {
			return "", fmt.Errorf("not a finite number")
		}
		return strconv.FormatFloat(t, 'f', -1, 64), nil
	case float32:
		return strconv.FormatFloat(float64(t), 'f', -1, 32), nil
	case bool:
		return strconv.FormatBool(t), nil
	case time.Time:
		return t.UTC().Format(time.RFC3339Nano), nil
	case map[string]any, []any:
		b, err := json.Marshal(t)
		return string(b), err
	case fmt.Stringer:
		return t.String(), nil
	}
	return "", fmt.Errorf("unsupported value of type %T", v)
}

// timeOf converts a column value to a time: time.Time, RFC 3339 text (or
// SQLite's "YYYY-MM-DD HH:MM:SS"), or unix seconds/milliseconds.
func timeOf(v any) (time.Time, error) {
	switch t := v.(type) {
	case nil:
		return time.Time{}, nil
	case time.Time:
		return t.UTC(), nil
	case []byte:
		return jsonmap.ParseTime(string(t))
	case string, int64, float64, int:
		return jsonmap.ParseTime(t)
	case int32:
		return jsonmap.ParseTime(int64(t))
	}
	return time.Time{}, fmt.Errorf("not a time")
}

// intOf converts a column value to an integer; NULL is ok=false.
func intOf(v any) (n int64, ok bool, err error) {
	switch t := v.(type) {
	case nil:
		return 0, false, nil
	case int64:
		return t, true, nil
	case int32:
		return int64(t), true, nil
	case int:
		return int64(t), true, nil
	case []byte:
		n, err := jsonmap.Int(strings.TrimSpace(string(t)))
		return n, err == nil, err
	case string:
		if strings.TrimSpace(t) == "" {
			return 0, false, nil
		}
		n, err := jsonmap.Int(t)
		return n, err == nil, err
	case float64, float32:
		n, err := jsonmap.Int(t)
		return n, err == nil, err
	}
	return 0, false, fmt.Errorf("not an integer")
}

func field(vals map[string]any, col string, required bool) (string, error) {
	s, err := text(vals[col])
	if err != nil {
		return "", fmt.Errorf("%s: %w", col, err)
	}
	if required && s == "" {
		return "", fmt.Errorf("%s is NULL or empty", col)
	}
	return s, nil
}

func timeField(vals map[string]any, col string, required bool) (time.Time, error) {
	t, err := timeOf(vals[col])
	if err != nil {
		return time.Time{}, fmt.Errorf("%s: %w", col, err)
	}
	if required && t.IsZero() {
		return time.Time{}, fmt.Errorf("%s is NULL", col)
	}
	return t, nil
}

func profileRow(vals map[string]any) (connectors.Profile, error) {
	var p connectors.Profile
	var err error
	if p.Key, err = field(vals, ColKey, true); err != nil {
		return p, err
	}
	if v, ok := vals[ColUpdatedAt]; ok {
		if p.UpdatedAt, err = timeField(map[string]any{ColUpdatedAt: v}, ColUpdatedAt, false); err != nil {
			return p, err
		}
	}
	for col, v := range vals {
		if col == ColKey || col == ColUpdatedAt || v == nil {
			continue
		}
		var s string
		if t, ok := v.(time.Time); ok && col == connectors.FieldBirthDate {
			s = t.UTC().Format(time.DateOnly)
		} else if s, err = text(v); err != nil {
			return p, fmt.Errorf("%s: %w", col, err)
		}
		if s == "" {
			continue
		}
		if p.Fields == nil {
			p.Fields = map[string]string{}
		}
		p.Fields[col] = s
	}
	return p, nil
}

func orderRow(vals map[string]any) (connectors.Order, error) {
	var o connectors.Order
	var err error
	if o.CustomerKey, err = field(vals, ColCustomerKey, true); err != nil {
		return o, err
	}
	if o.ID, err = field(vals, ColID, true); err != nil {
		return o, err
	}
	if o.PlacedAt, err = timeField(vals, ColPlacedAt, true); err != nil {
		return o, err
	}
	if o.Status, err = field(vals, "status", false); err != nil {
		return o, err
	}
	if o.Channel, err = field(vals, "channel", false); err != nil {
		return o, err
	}
	if o.Location, err = field(vals, "location", false); err != nil {
		return o, err
	}
	currency, err := field(vals, ColCurrency, false)
	if err != nil {
		return o, err
	}
	currency = strings.ToUpper(strings.TrimSpace(currency))
	total, ok, err := intOf(vals[ColTotalMinor])
	if err != nil {
		return o, fmt.Errorf("%s: %w", ColTotalMinor, err)
	}
	if ok {
		if o.Total, err = money(total, currency); err != nil {
			return o, fmt.Errorf("%s: %w", ColTotalMinor, err)
		}
	}
	if o.Items, err = items(vals[ColItems], currency); err != nil {
		return o, fmt.Errorf("%s: %w", ColItems, err)
	}
	return o, nil
}

func money(minor int64, currency string) (connectors.Money, error) {
	if len(currency) != 3 || strings.Trim(currency, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") != "" {
		return connectors.Money{}, fmt.Errorf("currency is missing or not an ISO 4217 code")
	}
	return connectors.Money{Minor: minor, Currency: currency}, nil
}

// items reads the items column: a JSON array of
// {"sku", "name", "quantity", "unit_minor" (or "unit_cents"), "currency"}
// objects, or NULL.
func items(v any, orderCurrency string) ([]connectors.OrderItem, error) {
	var raw string
	switch t := v.(type) {
	case nil:
		return nil, nil
	case string:
		raw = t
	case []byte:
		raw = string(t)
	default:
		return nil, fmt.Errorf("not JSON text")
	}
	if strings.TrimSpace(raw) == "" {
		return nil, nil
	}
	doc, err := jsonmap.DecodeBytes([]byte(raw))
	if err != nil {
		return nil, fmt.Errorf("not valid JSON")
	}
	if doc == nil {
		return nil, nil
	}
	list, ok := doc.([]any)
	if !ok {
		return nil, fmt.Errorf("not a JSON array")
	}
	out := make([]connectors.OrderItem, 0, len(list))
	for i, e := range list {
		m, ok := e.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("item %d is not an object", i)
		}
		for k := range m {
			if !slices.Contains(ItemFields, k) {
				return nil, fmt.Errorf("item %d: unknown field %q (known: %s)", i, k, strings.Join(ItemFields, ", "))
			}
		}
		var it connectors.OrderItem
		if it.SKU, err = jsonmap.Text(m["sku"]); err != nil {
			return nil, fmt.Errorf("item %d: sku: %w", i, err)
		}
		if it.Name, err = jsonmap.Text(m["name"]); err != nil {
			return nil, fmt.Errorf("item %d: name: %w", i, err)
		}
		if q, ok := m["quantity"]; ok && q != nil {
			n, err := jsonmap.Int(q)
			if err != nil {
				return nil, fmt.Errorf("item %d: quantity: %w", i, err)
			}
			it.Quantity = int(n)
		}
		unit, name := m["unit_minor"], "unit_minor"
		if cents, ok := m["unit_cents"]; ok {
			if unit != nil {
				return nil, fmt.Errorf("item %d: both unit_minor and unit_cents", i)
			}
			unit, name = cents, "unit_cents"
		}
		if unit != nil {
			n, err := jsonmap.Int(unit)
			if err != nil {
				return nil, fmt.Errorf("item %d: %s: %w", i, name, err)
			}
			cur := orderCurrency
			if c, _ := m["currency"].(string); c != "" {
				cur = strings.ToUpper(c)
			}
			if it.UnitPrice, err = money(n, cur); err != nil {
				return nil, fmt.Errorf("item %d: %w", i, err)
			}
		}
		out = append(out, it)
	}
	return out, nil
}

func interactionRow(vals map[string]any) (connectors.Interaction, error) {
	var it connectors.Interaction
	var err error
	if it.CustomerKey, err = field(vals, ColCustomerKey, true); err != nil {
		return it, err
	}
	if it.ID, err = field(vals, ColID, true); err != nil {
		return it, err
	}
	if it.OccurredAt, err = timeField(vals, ColOccurredAt, true); err != nil {
		return it, err
	}
	for _, f := range []struct {
		col string
		dst *string
	}{
		{"channel", &it.Channel}, {"type", &it.Type}, {"direction", &it.Direction}, {"summary", &it.Summary},
		{"status", &it.Status}, {"thread_ref", &it.ThreadRef},
	} {
		if *f.dst, err = field(vals, f.col, false); err != nil {
			return it, err
		}
	}
	if v := vals["duration_seconds"]; v != nil {
		var secs float64
		switch t := v.(type) {
		case float64:
			secs = t
		default:
			n, ok, err := intOf(v)
			if err != nil {
				s, serr := text(v)
				f, ferr := strconv.ParseFloat(strings.TrimSpace(s), 64)
				if serr != nil || ferr != nil {
					return it, fmt.Errorf("duration_seconds: not a number")
				}
				secs = f
			} else if ok {
				secs = float64(n)
			}
		}
		if secs < 0 || secs > math.MaxInt64/float64(time.Second) {
			return it, fmt.Errorf("duration_seconds: out of range")
		}
		it.Duration = time.Duration(secs * float64(time.Second))
	}
	if it.FirstResponseAt, err = timeField(vals, "first_response_at", false); err != nil {
		return it, err
	}
	if it.ResolvedAt, err = timeField(vals, "resolved_at", false); err != nil {
		return it, err
	}
	for col, v := range vals {
		name, ok := strings.CutPrefix(col, AttrPrefix)
		if !ok || v == nil {
			continue
		}
		s, err := text(v)
		if err != nil {
			return it, fmt.Errorf("%s: %w", col, err)
		}
		if s == "" {
			continue
		}
		if it.Attributes == nil {
			it.Attributes = map[string]string{}
		}
		it.Attributes[name] = s
	}
	return it, nil
}
