package jsonmap

import (
	"strings"
	"time"

	"github.com/harmonyhq/harmony/connectors"
)

// parseAmountVal is ParseAmount of a node the reader found. A plain decimal
// (-?digits[.digits], 18 digits at most) that converts exactly is read
// without big numbers; anything else, and every error, is ParseAmount's.
func parseAmountVal(x val, unit, currency string) (connectors.Money, error) {
	if x.kind == valString || x.kind == valNumber {
		if m, ok := plainAmount(x.raw, unit, currency); ok {
			return m, nil
		}
	}
	return ParseAmount(x.node(), unit, currency)
}

// plainAmount reads lit, a plain decimal, in unit; ok is false when
// ParseAmount must decide (another form, an error, a large number).
func plainAmount(lit []byte, unit, currency string) (connectors.Money, bool) {
	currency = strings.ToUpper(strings.TrimSpace(currency))
	if len(currency) != 3 || strings.Trim(currency, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") != "" {
		return connectors.Money{}, false
	}
	neg := len(lit) > 0 && lit[0] == '-'
	if neg {
		lit = lit[1:]
	}
	whole, frac := lit, []byte(nil)
	for i, c := range lit {
		if c == '.' {
			whole, frac = lit[:i], lit[i+1:]
			if len(frac) == 0 {
				return connectors.Money{}, false
			}
			break
		}
	}
	if len(whole) == 0 {
		return connectors.Money{}, false
	}
	scale := 0 // decimals kept
	switch unit {
	case "", UnitMajor:
		scale = connectors.CurrencyExponent(currency)
	case UnitMinor:
	default:
		return connectors.Money{}, false
	}
	if len(whole)+scale > 18 || len(frac) > 18 {
		return connectors.Money{}, false
	}
	var n int64
	for _, c := range whole {
		if c < '0' || c > '9' {
			return connectors.Money{}, false
		}
		n = n*10 + int64(c-'0')
	}
	for i := range scale {
		d := byte('0')
		if i < len(frac) {
			d = frac[i]
		}
		if d < '0' || d > '9' {
			return connectors.Money{}, false
		}
		n = n*10 + int64(d-'0')
	}
	for i := scale; i < len(frac); i++ {
		if frac[i] != '0' { // more decimals than the unit holds: an error, or not a number
			return connectors.Money{}, false
		}
	}
	if neg {
		n = -n
	}
	return connectors.Money{Minor: n, Currency: currency}, true
}

// maxPlainSeconds is the largest whole number of seconds a Duration holds.
const maxPlainSeconds = int64(1<<63-1) / int64(time.Second)

// secondsVal reads a number literal of whole seconds, when it is one a
// Duration holds; ok is false otherwise.
func secondsVal(x val) (time.Duration, bool) {
	if x.kind != valNumber {
		return 0, false
	}
	n, ok := smallInt(x.raw)
	if !ok || n < 0 || n > maxPlainSeconds {
		return 0, false
	}
	return time.Duration(n) * time.Second, true
}
