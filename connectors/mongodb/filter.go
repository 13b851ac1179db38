package mongodb

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/harmonyhq/harmony/connectors"
)

// compile turns a capability's find block into a query; needKeys says the
// filter must bind the batch's keys.
func compile(cp connectors.Capability, f Find, needKeys bool) (*query, error) {
	return compileAt(cp, string(cp), f, needKeys)
}

// compileAt is compile for a block at prefix ("erase[1]").
func compileAt(cp connectors.Capability, prefix string, f Find, needKeys bool) (*query, error) {
	if f.Collection == "" {
		return nil, connectors.Invalid(prefix+".collection", "required")
	}
	used := map[string]bool{}
	q := &query{cp: cp, collection: f.Collection, filter: bson.D{}, used: used}
	if f.Filter.Kind != connectors.NoValue {
		v, err := fromValue(f.Filter, prefix+".filter", used)
		if err != nil {
			return nil, err
		}
		d, ok := v.(bson.D)
		if !ok {
			return nil, connectors.Invalid(prefix+".filter", "must be a document (a mapping)")
		}
		q.filter = d
	}
	if needKeys && !used[PKeys] {
		return nil, connectors.Invalid(prefix+".filter", "must use %s, e.g. {member_id: {$in: %q}}", PKeys, PKeys)
	}
	if !needKeys && used[PKeys] {
		return nil, connectors.Invalid(prefix+".filter", "may not use %s: this capability has no keys", PKeys)
	}
	if !needKeys && cp == connectors.CapLookup && !slices.ContainsFunc(lookupPlaceholders, func(p string) bool { return used[p] }) {
		return nil, connectors.Invalid(prefix+".filter", "must use at least one of %s, e.g. {email: {$in: %q}}", strings.Join(lookupPlaceholders, ", "), PEmails)
	}
	if cp == connectors.CapProfiles && (used[PSince] || used[PUntil]) {
		return nil, connectors.Invalid(prefix+".filter", "may not use %s or %s: profiles have no time window", PSince, PUntil)
	}
	allowed := placeholdersOf[cp]
	for _, p := range allPlaceholders {
		if used[p] && !slices.Contains(allowed, p) {
			return nil, connectors.Invalid(prefix+".filter", "may not use %s (this filter may use %s)", p, strings.Join(allowed, ", "))
		}
	}
	for _, part := range []struct {
		name  string
		value connectors.Value
		dst   *bson.D
	}{{"projection", f.Projection, &q.projection}, {"sort", f.Sort, &q.sort}} {
		if part.value.Kind == connectors.NoValue {
			continue
		}
		v, err := fromValue(part.value, prefix+"."+part.name, map[string]bool{})
		if err != nil {
			return nil, err
		}
		d, ok := v.(bson.D)
		if !ok {
			return nil, connectors.Invalid(prefix+"."+part.name, "must be a document (a mapping)")
		}
		*part.dst = d
	}
	return q, nil
}

// fromValue converts a configuration value into BSON values, keeping the
// order of mapping keys. Placeholder strings are noted in used.
func fromValue(v connectors.Value, key string, used map[string]bool) (any, error) {
	switch v.Kind {
	case connectors.MapValue:
		d := make(bson.D, 0, len(v.Fields))
		for _, f := range v.Fields {
			x, err := fromValue(f.Value, key+"."+f.Key, used)
			if err != nil {
				return nil, err
			}
			d = append(d, bson.E{Key: f.Key, Value: x})
		}
		return d, nil
	case connectors.ListValue:
		a := make(bson.A, 0, len(v.Items))
		for i, item := range v.Items {
			x, err := fromValue(item, fmt.Sprintf("%s[%d]", key, i), used)
			if err != nil {
				return nil, err
			}
			a = append(a, x)
		}
		return a, nil
	case connectors.ScalarValue:
		return scalar(v.Scalar, key, used)
	}
	return nil, nil
}

// scalar passes a scalar through, making placeholder strings placeholders.
func scalar(x any, key string, used map[string]bool) (any, error) {
	s, ok := x.(string)
	if !ok {
		return x, nil
	}
	if slices.Contains(allPlaceholders, s) {
		used[s] = true
		return placeholder(s), nil
	}
	if len(s) > 1 && s[0] == ':' && isWord(s[1:]) {
		return nil, connectors.Invalid(key, "unknown placeholder %s (known: %s)", s, strings.Join(allPlaceholders, ", "))
	}
	return s, nil
}

func isWord(s string) bool {
	for _, r := range s {
		if (r < 'a' || r > 'z') && (r < 'A' || r > 'Z') && r != '_' {
			return false
		}
	}
	return true
}

// placeholder marks where a call's value goes.
type placeholder string

// bind returns the filter with v's values in place of the placeholders. An
// operator whose placeholder has no value is left out, and so is a field
// left with no condition.
func (q *query) bind(v values) bson.D {
	out, _ := bindValue(q.filter, v)
	d, _ := out.(bson.D)
	if d == nil {
		d = bson.D{}
	}
	return d
}

// bindValue returns the bound value and false when it must be left out.
func bindValue(t any, v values) (any, bool) {
	switch x := t.(type) {
	case placeholder:
		switch string(x) {
		case PKeys:
			return v.keys, true
		case PSince:
			return v.since, !v.since.IsZero()
		case PUntil:
			return v.until, !v.until.IsZero()
		}
		if kind, ok := identifierKinds[string(x)]; ok {
			list := v.ids[kind]
			if list == nil {
				list = []string{}
			}
			return list, true
		}
		if v.msg != nil {
			return messageValue(string(x), *v.msg)
		}
		return nil, false
	case bson.D:
		out := make(bson.D, 0, len(x))
		for _, e := range x {
			b, keep := bindValue(e.Value, v)
			if !keep {
				continue
			}
			if sub, ok := b.(bson.D); ok && len(sub) == 0 {
				if _, wasDoc := e.Value.(bson.D); wasDoc && len(e.Value.(bson.D)) > 0 {
					continue // every condition of this field was left out
				}
			}
			out = append(out, bson.E{Key: e.Key, Value: b})
		}
		return out, true
	case bson.A:
		out := make(bson.A, 0, len(x))
		for _, e := range x {
			b, keep := bindValue(e, v)
			if !keep {
				continue
			}
			if sub, ok := b.(bson.D); ok && len(sub) == 0 {
				if orig, wasDoc := e.(bson.D); wasDoc && len(orig) > 0 {
					continue // an $and member with nothing left
				}
			}
			out = append(out, b)
		}
		return out, true
	}
	return t, true
}

// plain turns a decoded document into the JSON-like values the mappings
// read: maps, slices, strings, int64, float64, bools and nil. Dates become
// RFC 3339 strings, object IDs hex strings, decimals their text.
func plain(v any) any {
	switch x := v.(type) {
	case bson.D:
		m := make(map[string]any, len(x))
		for _, e := range x {
			m[e.Key] = plain(e.Value)
		}
		return m
	case bson.M:
		m := make(map[string]any, len(x))
		for k, e := range x {
			m[k] = plain(e)
		}
		return m
	case bson.A:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = plain(e)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = plain(e)
		}
		return out
	case bson.DateTime:
		return x.Time().UTC().Format(time.RFC3339Nano)
	case time.Time:
		return x.UTC().Format(time.RFC3339Nano)
	case bson.ObjectID:
		return x.Hex()
	case bson.Decimal128:
		return x.String()
	case int32:
		return int64(x)
	case int:
		return int64(x)
	case bson.Timestamp:
		return time.Unix(int64(x.T), 0).UTC().Format(time.RFC3339)
	case bson.Null, bson.Undefined:
		return nil
	case bson.Binary, bson.Regex, bson.JavaScript, bson.Symbol, bson.CodeWithScope, bson.DBPointer, bson.MinKey, bson.MaxKey:
		return fmt.Sprint(x)
	}
	return v
}
