package jsonmap

import (
	"math/big"
	"time"

	"github.com/harmonyhq/harmony/connectors"
)

// recValues is one record's values as a mapping reads them. On the general
// path they are evaluated against the decoded record (rec); the one-pass
// reader (reader.go) finds them while it scans the document and keeps them
// in slots, by Value.slot, and an order's line items in items. The
// conversions below (text, times, amounts, value maps) are the same code
// for both, so both give the same records and errors.
type recValues struct {
	rec    any
	direct bool        // the reader's: slots and items hold the values
	slots  []slot      // the reader's values
	items  []recValues // the reader's line items of an order
	// strs holds, by slot, the last strings the reader made of the
	// slot's values, shared by the records of one read: a value repeated
	// from record to record (a customer key, a status, a currency) is then
	// one string.
	strs []strCache
}

// strCache is the last few strings made of one slot's values.
type strCache struct {
	s            [4]string
	next         uint8
	hits, misses uint32
}

// maxMissesAlone is how many strings of a slot's values are made before the
// cache gives up on a slot whose values never repeat (IDs, free text).
const maxMissesAlone = 16

// str returns raw as a string, one the cache holds when equal.
func (c *strCache) str(raw []byte) string {
	if c.hits == 0 && c.misses >= maxMissesAlone {
		return string(raw)
	}
	for i := range c.s {
		if c.s[i] == string(raw) {
			c.hits++
			return c.s[i]
		}
	}
	s := string(raw)
	c.misses++
	c.s[c.next] = s
	c.next = (c.next + 1) % uint8(len(c.s))
	return s
}

// slot is a value the reader found: a string or number still in the
// document's bytes, or a node as Decode gives it.
type slot struct {
	val
	found bool
}

// valKind says how a val holds its node.
type valKind uint8

const (
	valAny    valKind = iota // v, as Decode gives it
	valString                // raw is a string's text (valid UTF-8 without escapes)
	valNumber                // raw is a number literal
)

// val is one node a mapping reads.
type val struct {
	v    any
	raw  []byte
	kind valKind
}

// get evaluates v for the record: ok is false when v is unset or selects
// nothing; a JSON null is a val holding nil.
func (r *recValues) get(v *Value) (val, bool) {
	if !r.direct || v.path == nil {
		x, ok := v.Get(r.rec)
		return val{v: x}, ok
	}
	if v.alts != nil {
		for k := range v.alts {
			if s := &r.slots[v.slot+k]; s.found {
				return s.val, true
			}
		}
		return val{}, false
	}
	s := &r.slots[v.slot]
	return s.val, s.found
}

// isNull reports whether x is a JSON null.
func (x val) isNull() bool { return x.kind == valAny && x.v == nil }

// isEmptyString reports whether x is the string "".
func (x val) isEmptyString() bool {
	switch x.kind {
	case valString:
		return len(x.raw) == 0
	case valAny:
		s, ok := x.v.(string)
		return ok && s == ""
	}
	return false
}

// node returns x as Decode gives it.
func (x val) node() any {
	switch x.kind {
	case valString:
		return string(x.raw)
	case valNumber:
		return numberLiteral(x.raw)
	}
	return x.v
}

// text is Text of the node.
func (x val) text() (string, error) {
	switch x.kind {
	case valString:
		return string(x.raw), nil
	case valNumber:
		if isPlainInt(x.raw) {
			return string(x.raw), nil
		}
	}
	return Text(x.node())
}

// time is ParseTime of the node.
func (x val) time() (time.Time, error) {
	if x.kind == valString {
		if t, ok := parseRFC3339(x.raw); ok {
			return t, nil
		}
	}
	return ParseTime(x.node())
}

// textOf is Value.Text of v.
func (r *recValues) textOf(v *Value) (string, bool, error) {
	x, found := r.get(v)
	if found && x.kind == valString && r.strs != nil {
		s := r.strs[v.slot].str(x.raw)
		return s, s != "", nil
	}
	return textOf(x, found)
}

// textOf is Value.Text of a node found or not.
func textOf(x val, found bool) (string, bool, error) {
	if !found || x.isNull() {
		return "", false, nil
	}
	s, err := x.text()
	if err != nil {
		return "", false, err
	}
	return s, s != "", nil
}

func text(r *recValues, field string, v *Value, required bool) (string, error) {
	s, ok, err := r.textOf(v)
	if err != nil {
		return "", badField(field, *v, "%v", err)
	}
	if required && !ok {
		return "", badField(field, *v, "missing")
	}
	return s, nil
}

func timeAt(r *recValues, field string, v *Value, required bool) (time.Time, error) {
	var t time.Time
	x, found := r.get(v)
	if found {
		var err error
		if t, err = x.time(); err != nil {
			return time.Time{}, badField(field, *v, "%v", err)
		}
	}
	if required && t.IsZero() {
		return time.Time{}, badField(field, *v, "missing")
	}
	return t, nil
}

// freeText is a free-form field or attribute (named prefix+name in
// errors): "" when absent, null or empty; objects and arrays as compact
// JSON.
func freeText(r *recValues, prefix, name string, v *Value) (string, error) {
	x, ok := r.get(v)
	if !ok || x.isNull() {
		return "", nil
	}
	var s string
	var err error
	switch {
	case x.kind == valAny:
		s, err = textOrJSON(x.v)
	case x.kind == valString && r.strs != nil:
		s = r.strs[v.slot].str(x.raw)
	default:
		s, err = x.text()
	}
	if err != nil {
		return "", badField(prefix+name, *v, "%v", err)
	}
	return s, nil
}

// amount reads an amount in currency (read at cv); an absent, null or ""
// amount is zero Money.
func amount(r *recValues, field string, v *Value, unit, currency, currencyField string, cv *Value) (connectors.Money, error) {
	x, found := r.get(v)
	if !found || x.isNull() || x.isEmptyString() {
		return connectors.Money{}, nil
	}
	if currency == "" {
		return connectors.Money{}, badField(currencyField, *cv, "missing")
	}
	m, err := parseAmountVal(x, unit, currency)
	if err != nil {
		return connectors.Money{}, badField(field, *v, "%v", err)
	}
	return m, nil
}

// duration reads a number of seconds.
func duration(r *recValues, field string, v *Value) (time.Duration, error) {
	x, found := r.get(v)
	if !found || x.isNull() || x.isEmptyString() {
		return 0, nil
	}
	if d, ok := secondsVal(x); ok {
		return d, nil
	}
	rat, err := number(x.node())
	if err != nil {
		return 0, badField(field, *v, "%v", err)
	}
	ns := new(big.Rat).Mul(rat, big.NewRat(int64(time.Second), 1))
	n := new(big.Int).Quo(ns.Num(), ns.Denom())
	if !n.IsInt64() || n.Sign() < 0 {
		return 0, badField(field, *v, "out of range")
	}
	return time.Duration(n.Int64()), nil
}

// quantity reads an integer.
func quantity(r *recValues, field string, v *Value) (q int64, set bool, err error) {
	x, found := r.get(v)
	if !found || x.isNull() {
		return 0, false, nil
	}
	if x.kind == valNumber {
		if n, ok := smallInt(x.raw); ok {
			return n, true, nil
		}
	}
	if q, err = Int(x.node()); err != nil {
		return 0, false, badField(field, *v, "%v", err)
	}
	return q, true, nil
}
