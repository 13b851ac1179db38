// Package jsonmap maps decoded JSON documents onto the connector SDK's
// records (Profile, Order, Interaction). The rest and graphql kinds share it;
// Go connectors may use it too.
//
// A mapping value that starts with "$" is a JSONPath (RFC 9535, evaluated
// with github.com/ohler55/ojg/jp; paths of member names and indexes only,
// such as $.a.b or $.a[0].b, walk the document directly, with the same
// results); anything else is a literal constant, so
// `channel: whatsapp` sets every record's channel to "whatsapp". A literal
// that must start with "$" is written with "$$" ("$$5" is the literal "$5").
// An empty value is unset.
//
// Mappings are compiled once, at Provision, into mappers that are safe for
// concurrent use. Documents are the `any` values of encoding/json (decode
// with UseNumber, see Decode) or of ojg's parser. A Reader (reader.go)
// maps a response's bytes in one pass, building only the values the
// mapping reads, with the same results as Decode followed by Map.
package jsonmap

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"math/big"
	"strconv"
	"strings"
	"time"

	"github.com/ohler55/ojg/jp"

	"github.com/harmonyhq/harmony/connectors"
)

// Value is one compiled mapping value: a JSONPath or a literal. The zero
// Value is unset.
type Value struct {
	src   string
	path  jp.Expr
	steps []step // path's steps when it is simple (see walk)
	fast  bool   // path is simple: evaluated by walk
	// alts are the simple paths of a path that ends in a union of member
	// names ($.a['event','name']), one per name in order: the value is
	// the first that selects something, as ojg gives it.
	alts [][]step
	lit  string
	set  bool
	slot int // where the one-pass reader keeps the value, in a compiled mapping
}

// Compile compiles src, the mapping value configured at key (a dotted key
// such as "orders.placed_at", used in errors). An empty src gives an unset
// Value. Errors are *connectors.ConfigError.
func Compile(key, src string) (Value, error) {
	if src == "" {
		return Value{}, nil
	}
	v := Value{src: src, set: true}
	switch {
	case strings.HasPrefix(src, "$$"):
		v.lit = src[1:]
	case strings.HasPrefix(src, "$"):
		x, err := parsePath(src)
		if err != nil {
			return Value{}, connectors.Invalid(key, "invalid JSONPath: %v", err)
		}
		v.path = x
		v.steps, v.fast = simpleSteps(x)
		if !v.fast {
			v.alts = unionSteps(x)
		}
	default:
		v.lit = src
	}
	return v, nil
}

// CompilePath is Compile for values that must be a JSONPath (a records
// path, a cursor): a literal is an error.
func CompilePath(key, src string) (Value, error) {
	v, err := Compile(key, src)
	if err != nil {
		return Value{}, err
	}
	if v.IsSet() && !v.IsPath() {
		return Value{}, connectors.Invalid(key, "must be a JSONPath starting with $")
	}
	return v, nil
}

// MustCompile is Compile for values known to be valid; it panics on error.
func MustCompile(src string) Value {
	v, err := Compile("", src)
	if err != nil {
		panic(err)
	}
	return v
}

func parsePath(src string) (x jp.Expr, err error) {
	defer func() {
		if r := recover(); r != nil { // ojg reports some errors by panicking
			x, err = nil, fmt.Errorf("%v", r)
		}
	}()
	x, err = jp.ParseString(src)
	if err != nil {
		return nil, err
	}
	if len(x) == 0 {
		return nil, fmt.Errorf("empty path")
	}
	if _, ok := x[0].(jp.Root); !ok {
		return nil, fmt.Errorf("path must start at the root, $")
	}
	return x, nil
}

// IsSet reports whether the value was configured.
func (v Value) IsSet() bool { return v.set }

// IsPath reports whether the value is a JSONPath rather than a literal.
func (v Value) IsPath() bool { return v.path != nil }

// Source returns the value as configured.
func (v Value) Source() string { return v.src }

// String implements fmt.Stringer; it returns the configured source.
func (v Value) String() string { return v.src }

// Get evaluates the value against doc: the first node the path selects, or
// the literal. ok is false when the value is unset or the path selects
// nothing. A JSON null is returned as (nil, true).
func (v Value) Get(doc any) (val any, ok bool) {
	if !v.set {
		return nil, false
	}
	if v.path == nil {
		return v.lit, true
	}
	if v.fast {
		if val, found, known := walk(v.steps, doc); known {
			return val, found
		}
	}
	if v.alts != nil {
		if val, found, known := walkFirst(v.alts, doc); known {
			return val, found
		}
	}
	res := v.path.Get(doc)
	if len(res) == 0 {
		return nil, false
	}
	return res[0], true
}

// All evaluates a path value against doc and returns every selected node; a
// literal yields itself once.
func (v Value) All(doc any) []any {
	if !v.set {
		return nil
	}
	if v.path == nil {
		return []any{v.lit}
	}
	if v.fast {
		if val, found, known := walk(v.steps, doc); known {
			if !found {
				return nil
			}
			return []any{val}
		}
	}
	return v.path.Get(doc)
}

// Text evaluates the value as a string. Numbers are written without an
// exponent, booleans as true/false. ok is false when the value is unset, the
// path selects nothing, or the node is null or "". Objects and arrays are an
// error.
func (v Value) Text(doc any) (s string, ok bool, err error) {
	raw, found := v.Get(doc)
	return textOf(val{v: raw}, found)
}

// Time evaluates the value as a time (see ParseTime). A missing or null node
// is the zero time.
func (v Value) Time(doc any) (time.Time, error) {
	raw, found := v.Get(doc)
	if !found {
		return time.Time{}, nil
	}
	return ParseTime(raw)
}

// Bool evaluates the value as a boolean: JSON true/false, or the strings
// "true"/"false". ok is false when the value is unset, selects nothing, or
// null.
func (v Value) Bool(doc any) (b, ok bool, err error) {
	raw, found := v.Get(doc)
	if !found || raw == nil {
		return false, false, nil
	}
	switch t := raw.(type) {
	case bool:
		return t, true, nil
	case string:
		b, err := strconv.ParseBool(t)
		if err != nil {
			return false, false, fmt.Errorf("not a boolean")
		}
		return b, true, nil
	}
	return false, false, fmt.Errorf("not a boolean")
}

// Count evaluates the value as a count: a non-negative integer, or a string
// of one (a reported total of records). ok is false when the value is
// unset, selects nothing, or null.
func (v Value) Count(doc any) (n int, ok bool, err error) {
	s, found, err := v.Text(doc)
	if err != nil || !found {
		return 0, false, err
	}
	n, err = strconv.Atoi(s)
	if err != nil || n < 0 {
		return 0, false, fmt.Errorf("not a count")
	}
	return n, true, nil
}

// Decode reads one JSON document. Numbers become int64 when they are
// integers that fit, float64 when float64 holds them exactly (in shortest
// form: "129.90" is 129.9), and json.Number otherwise, so that amounts and
// identifiers stay exact while JSONPath filters can compare numbers
// ($.items[?(@.qty > 1)]).
func Decode(r io.Reader) (any, error) { return decodeStream(r) }

// Text formats a scalar JSON node as a string: strings as they are, numbers
// in plain decimal notation (no exponent), booleans as true/false, null as
// "". Objects and arrays are an error.
func Text(v any) (string, error) {
	switch t := v.(type) {
	case nil:
		return "", nil
	case string:
		return t, nil
	case json.Number:
		return plainNumber(string(t))
	case bool:
		return strconv.FormatBool(t), nil
	case float64:
		if math.IsInf(t, 0) || math.IsNaN(t) {
			return "", fmt.Errorf("not a finite number")
		}
		return strconv.FormatFloat(t, 'f', -1, 64), nil
	case float32:
		return strconv.FormatFloat(float64(t), 'f', -1, 32), nil
	case int:
		return strconv.Itoa(t), nil
	case int64:
		return strconv.FormatInt(t, 10), nil
	case int32:
		return strconv.FormatInt(int64(t), 10), nil
	case uint64:
		return strconv.FormatUint(t, 10), nil
	case *big.Int:
		return t.String(), nil
	case *big.Float:
		return t.Text('f', -1), nil
	case map[string]any, []any:
		return "", fmt.Errorf("expected a scalar, got an %s", kindOf(v))
	}
	return "", fmt.Errorf("unsupported JSON value of type %T", v)
}

// textOrJSON is Text, writing objects and arrays as compact JSON; it is used
// for free-form fields and attributes.
func textOrJSON(v any) (string, error) {
	switch v.(type) {
	case map[string]any, []any:
		b, err := json.Marshal(v)
		if err != nil {
			return "", fmt.Errorf("cannot encode value")
		}
		return string(b), nil
	}
	return Text(v)
}

func kindOf(v any) string {
	switch v.(type) {
	case map[string]any:
		return "object"
	case []any:
		return "array"
	}
	return fmt.Sprintf("%T", v)
}

// plainNumber rewrites a JSON number without an exponent.
func plainNumber(s string) (string, error) {
	if !strings.ContainsAny(s, "eE") {
		return s, nil
	}
	if hugeExponent(s) {
		return "", fmt.Errorf("number out of range")
	}
	r, ok := new(big.Rat).SetString(s)
	if !ok {
		return "", fmt.Errorf("not a number")
	}
	return ratText(r), nil
}

// ratText writes a rational with a terminating decimal expansion exactly.
func ratText(r *big.Rat) string {
	if r.IsInt() {
		return r.Num().String()
	}
	// A decimal literal has a power-of-ten denominator after reduction only
	// up to factors of 2 and 5; find the number of digits needed.
	d := new(big.Int).Set(r.Denom())
	digits := 0
	ten, two, five := big.NewInt(10), big.NewInt(2), big.NewInt(5)
	zero := new(big.Int)
	m := new(big.Int)
	for d.Cmp(big.NewInt(1)) != 0 && digits < 400 {
		switch {
		case m.Mod(d, ten).Cmp(zero) == 0:
			d.Div(d, ten)
		case m.Mod(d, two).Cmp(zero) == 0:
			d.Div(d, two)
		case m.Mod(d, five).Cmp(zero) == 0:
			d.Div(d, five)
		default:
			return r.FloatString(20)
		}
		digits++
	}
	s := r.FloatString(digits)
	if strings.Contains(s, ".") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	return s
}

// number reads a JSON node as an exact rational: numbers and numeric strings.
func number(v any) (*big.Rat, error) {
	var s string
	switch t := v.(type) {
	case string:
		s = strings.TrimSpace(t)
	case json.Number:
		s = string(t)
	case float64:
		if math.IsInf(t, 0) || math.IsNaN(t) {
			return nil, fmt.Errorf("not a finite number")
		}
		s = strconv.FormatFloat(t, 'f', -1, 64)
	case float32:
		s = strconv.FormatFloat(float64(t), 'f', -1, 32)
	case int:
		s = strconv.Itoa(t)
	case int64:
		s = strconv.FormatInt(t, 10)
	case int32:
		s = strconv.FormatInt(int64(t), 10)
	case uint64:
		s = strconv.FormatUint(t, 10)
	default:
		return nil, fmt.Errorf("not a number")
	}
	if s == "" {
		return nil, fmt.Errorf("not a number")
	}
	if hugeExponent(s) {
		return nil, fmt.Errorf("number out of range")
	}
	r, ok := new(big.Rat).SetString(s)
	if !ok || strings.ContainsAny(s, "/") {
		return nil, fmt.Errorf("not a number")
	}
	return r, nil
}

// Int reads a JSON node as an integer: a number or numeric string without a
// fractional part.
func Int(v any) (int64, error) {
	r, err := number(v)
	if err != nil {
		return 0, err
	}
	if !r.IsInt() || !r.Num().IsInt64() {
		return 0, fmt.Errorf("not an integer")
	}
	return r.Num().Int64(), nil
}

// Unit says how an amount is written.
const (
	UnitMajor = "major" // decimal in major units: "129.90" or 129.9
	UnitMinor = "minor" // integer in minor units (cents): 12990
)

// ParseAmount reads amount (a number or numeric string) written in unit
// (UnitMajor when "") as Money of currency. Major amounts with more decimals
// than the currency has are an error unless the extra digits are zeros.
func ParseAmount(amount any, unit, currency string) (connectors.Money, error) {
	currency = strings.ToUpper(strings.TrimSpace(currency))
	if len(currency) != 3 || strings.Trim(currency, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") != "" {
		return connectors.Money{}, fmt.Errorf("currency is not an ISO 4217 code")
	}
	r, err := number(amount)
	if err != nil {
		return connectors.Money{}, fmt.Errorf("amount: %w", err)
	}
	switch unit {
	case "", UnitMajor:
		scale := new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(connectors.CurrencyExponent(currency))), nil)
		r.Mul(r, new(big.Rat).SetInt(scale))
		if !r.IsInt() {
			return connectors.Money{}, fmt.Errorf("amount has more decimals than %s allows", currency)
		}
	case UnitMinor:
		if !r.IsInt() {
			return connectors.Money{}, fmt.Errorf("amount in minor units is not an integer")
		}
	default:
		return connectors.Money{}, fmt.Errorf("unknown unit %q", unit)
	}
	if !r.Num().IsInt64() {
		return connectors.Money{}, fmt.Errorf("amount is out of range")
	}
	return connectors.Money{Minor: r.Num().Int64(), Currency: currency}, nil
}

// unixMillisThreshold separates unix seconds from unix milliseconds: numbers
// above it are milliseconds (1e12 seconds is in the year 33658).
const unixMillisThreshold = 1e12

// ParseTime reads a JSON node as a time:
//   - null, absent or "" is the zero time;
//   - strings in RFC 3339 ("2024-05-01T10:00:00Z", fractions allowed), or
//     without a zone ("2024-05-01T10:00:00", "2024-05-01 10:00:00", taken
//     as UTC), or a date ("2024-05-01", midnight UTC);
//   - numbers and numeric strings are unix seconds, or unix milliseconds when
//     above 1e12.
//
// Times are returned in UTC.
func ParseTime(v any) (time.Time, error) {
	switch t := v.(type) {
	case nil:
		return time.Time{}, nil
	case time.Time:
		return t.UTC(), nil
	case string:
		s := strings.TrimSpace(t)
		if s == "" {
			return time.Time{}, nil
		}
		if looksNumeric(s) {
			return unixTime(s)
		}
		for _, layout := range timeLayouts {
			if tm, err := time.Parse(layout, s); err == nil {
				return tm.UTC(), nil
			}
		}
		return time.Time{}, fmt.Errorf("not an RFC 3339 time")
	case json.Number:
		return unixTime(string(t))
	case float64, float32, int, int64, int32, uint64:
		s, err := Text(t)
		if err != nil {
			return time.Time{}, err
		}
		return unixTime(s)
	}
	return time.Time{}, fmt.Errorf("not a time")
}

var timeLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04:05.999999999Z0700",
	"2006-01-02T15:04:05.999999999",
	"2006-01-02 15:04:05.999999999Z07:00",
	"2006-01-02 15:04:05.999999999",
	time.DateOnly,
}

func unixTime(s string) (time.Time, error) {
	r, ok := new(big.Rat).SetString(s)
	if !ok {
		return time.Time{}, fmt.Errorf("not a unix time")
	}
	abs := new(big.Rat).Abs(r)
	if abs.Cmp(new(big.Rat).SetFloat64(unixMillisThreshold)) > 0 {
		r.Quo(r, big.NewRat(1000, 1))
	}
	// seconds and nanoseconds
	ns := new(big.Rat).Mul(r, big.NewRat(1e9, 1))
	n := new(big.Int).Quo(ns.Num(), ns.Denom())
	if !n.IsInt64() {
		return time.Time{}, fmt.Errorf("unix time out of range")
	}
	return time.Unix(0, n.Int64()).UTC(), nil
}

// maxExponent bounds the decimal exponent of the numbers read exactly:
// beyond it, exact arithmetic on a number such as 1e-999999 costs a second
// of CPU, and a document (a webhook body) may hold thousands of them.
const maxExponent = 1000

// hugeExponent reports whether a decimal literal's exponent is beyond
// maxExponent.
func hugeExponent(s string) bool {
	i := strings.IndexAny(s, "eE")
	if i < 0 {
		return false
	}
	e, err := strconv.Atoi(s[i+1:])
	return err != nil || e > maxExponent || e < -maxExponent
}
