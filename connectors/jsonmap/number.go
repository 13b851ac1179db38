package jsonmap

import (
	"encoding/json"
	"math"
	"strconv"
	"strings"
)

// convertNumbers replaces the json.Number leaves of a decoded document by
// the values numberValue gives, in place.
func convertNumbers(v any) any {
	switch t := v.(type) {
	case map[string]any:
		for k, e := range t {
			switch x := e.(type) {
			case json.Number:
				t[k] = numberValue(x)
			case map[string]any, []any:
				convertNumbers(x)
			}
		}
	case []any:
		for i, e := range t {
			switch x := e.(type) {
			case json.Number:
				t[i] = numberValue(x)
			case map[string]any, []any:
				convertNumbers(x)
			}
		}
	case json.Number:
		return numberValue(t)
	}
	return v
}

// numberValue is the value Decode gives a number: int64 when it is an
// integer that fits, float64 when float64 holds it exactly in shortest
// form, and n itself otherwise.
func numberValue(n json.Number) any {
	s := string(n)
	if !strings.ContainsAny(s, ".eE") { // integer syntax: ParseInt fails only on overflow
		if i, err := strconv.ParseInt(s, 10, 64); err == nil {
			return i
		}
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsInf(f, 0) || hugeExponent(s) {
		return n
	}
	var buf [32]byte
	if !sameDecimal(s, strconv.AppendFloat(buf[:0], f, 'g', -1, 64)) {
		return n
	}
	return f
}

// decimal is a finite decimal number as sign, significant digits without
// leading or trailing zeros, and exponent: digits × 10^exp. Zero has no
// digits, no sign and exponent 0, so equal numbers have equal decimals.
type decimal struct {
	neg    bool
	digits []byte
	exp    int
}

// parseDecimal reads a decimal literal ([-]digits[.digits][e[+-]digits]),
// appending its digits to buf. ok is false for anything else.
func parseDecimal[S string | []byte](s S, buf []byte) (d decimal, ok bool) {
	i := 0
	if i < len(s) && s[i] == '-' {
		d.neg = true
		i++
	}
	digits := buf[:0]
	frac, seen, dot := 0, false, false
	for ; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= '0' && c <= '9':
			seen = true
			if c == '0' && len(digits) == 0 {
				if dot {
					frac++
				}
				continue // leading zero
			}
			digits = append(digits, c)
			if dot {
				frac++
			}
			continue
		case c == '.' && !dot:
			dot = true
			continue
		}
		break
	}
	if !seen {
		return decimal{}, false
	}
	if i < len(s) {
		if s[i] != 'e' && s[i] != 'E' {
			return decimal{}, false
		}
		e, err := strconv.Atoi(string(s[i+1:]))
		if err != nil {
			return decimal{}, false
		}
		d.exp = e
	}
	d.exp -= frac
	for len(digits) > 0 && digits[len(digits)-1] == '0' {
		digits = digits[:len(digits)-1]
		d.exp++
	}
	if len(digits) == 0 {
		return decimal{}, true
	}
	d.digits = digits
	return d, true
}

// sameDecimal reports whether two decimal literals are the same number.
func sameDecimal(a string, b []byte) bool {
	var ba, bb [40]byte
	da, ok := parseDecimal(a, ba[:0])
	if !ok {
		return false
	}
	db, ok := parseDecimal(b, bb[:0])
	if !ok {
		return false
	}
	return da.neg == db.neg && da.exp == db.exp && string(da.digits) == string(db.digits)
}

// looksNumeric reports whether s matches -?[0-9]+(\.[0-9]+)?([eE][+-]?[0-9]+)?
// in full.
func looksNumeric(s string) bool {
	i := 0
	if i < len(s) && s[i] == '-' {
		i++
	}
	n := digitsAt(s, i)
	if n == 0 {
		return false
	}
	i += n
	if i < len(s) && s[i] == '.' {
		n = digitsAt(s, i+1)
		if n == 0 {
			return false
		}
		i += 1 + n
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		n = digitsAt(s, i)
		if n == 0 {
			return false
		}
		i += n
	}
	return i == len(s)
}

// digitsAt counts the ASCII digits of s from i.
func digitsAt(s string, i int) int {
	n := 0
	for i+n < len(s) && s[i+n] >= '0' && s[i+n] <= '9' {
		n++
	}
	return n
}
