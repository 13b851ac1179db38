package jsonmap

import (
	"encoding/json"
	"math"
	"math/big"
	"reflect"
	"regexp"
	"strconv"
	"testing"
)

// numberValueRef is the exact-arithmetic definition numberValue follows.
func numberValueRef(n json.Number) any {
	if i, err := n.Int64(); err == nil {
		return i
	}
	f, err := n.Float64()
	if err != nil || math.IsInf(f, 0) || hugeExponent(string(n)) {
		return n
	}
	exact, ok := new(big.Rat).SetString(string(n))
	if !ok {
		return n
	}
	short, ok := new(big.Rat).SetString(strconv.FormatFloat(f, 'g', -1, 64))
	if !ok || exact.Cmp(short) != 0 {
		return n
	}
	return f
}

var numericTextRef = regexp.MustCompile(`^-?[0-9]+(\.[0-9]+)?([eE][+-]?[0-9]+)?$`)

var numberLiterals = []string{
	"0", "-0", "0.0", "-0.0", "0e0", "0E-5", "1", "-1", "12", "129.90", "129.9", "12.5", "0.1", "0.30000000000000004",
	"0.3", "1e2", "1E+2", "1.5e-7", "100e-2", "9223372036854775807", "9223372036854775808", "-9223372036854775808",
	"-9223372036854775809", "123456789012345678901234567890", "1e308", "1e309", "-1e309", "1e-400", "4.9e-324",
	"5e-324", "2e-324", "1.7976931348623157e308", "1e1000", "1e1001", "1e-1001", "0.000001", "1e-7", "1e21", "1e22",
	"123456789012345678", "0.1000000000000000055511151231257827", "1.00", "10", "1000000000000000000000", "00",
	"3.14159265358979323846", "2.5", "-2.50", "1e+0", "7e-1",
}

func TestNumberValueMatchesExact(t *testing.T) {
	for _, s := range numberLiterals {
		if !json.Valid([]byte(s)) {
			continue
		}
		got, want := numberValue(json.Number(s)), numberValueRef(json.Number(s))
		if !reflect.DeepEqual(got, want) || math.Signbit(toFloat(got)) != math.Signbit(toFloat(want)) {
			t.Errorf("%s: numberValue = %#v, exact = %#v", s, got, want)
		}
	}
}

func toFloat(v any) float64 {
	f, _ := v.(float64)
	return f
}

func TestLooksNumeric(t *testing.T) {
	for _, s := range append(numberLiterals, "", "-", "1.", ".5", "1e", "1e+", "+1", "1.2.3", "1e5x", " 1", "١٢", "0x10", "1_000", "--1", "1e-5") {
		if got, want := looksNumeric(s), numericTextRef.MatchString(s); got != want {
			t.Errorf("looksNumeric(%q) = %v, want %v", s, got, want)
		}
	}
}

func FuzzNumberValue(f *testing.F) {
	for _, s := range numberLiterals {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := looksNumeric(s), numericTextRef.MatchString(s); got != want {
			t.Fatalf("looksNumeric(%q) = %v, want %v", s, got, want)
		}
		if !json.Valid([]byte(s)) {
			return
		}
		var n json.Number
		if err := json.Unmarshal([]byte(s), &n); err != nil {
			return // not a number
		}
		got, want := numberValue(n), numberValueRef(n)
		if !reflect.DeepEqual(got, want) || math.Signbit(toFloat(got)) != math.Signbit(toFloat(want)) {
			t.Fatalf("%s: numberValue = %#v, exact = %#v", s, got, want)
		}
	})
}
