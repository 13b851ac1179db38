package jsonmap

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"math"
	"reflect"
	"strings"
	"testing"
)

// decodeRef is Decode as first written: decode with UseNumber, then
// convert every number with exact arithmetic.
func decodeRef(b []byte) (any, error) {
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var doc any
	if err := d.Decode(&doc); err != nil {
		return nil, err
	}
	if _, err := d.Token(); !errors.Is(err, io.EOF) {
		return nil, io.ErrUnexpectedEOF
	}
	return convertRef(doc), nil
}

func convertRef(v any) any {
	switch t := v.(type) {
	case map[string]any:
		for k, e := range t {
			t[k] = convertRef(e)
		}
	case []any:
		for i, e := range t {
			t[i] = convertRef(e)
		}
	case json.Number:
		return numberValueRef(t)
	}
	return v
}

// sameDoc is reflect.DeepEqual that also tells -0.0 from 0.0.
func sameDoc(a, b any) bool {
	switch x := a.(type) {
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for k, v := range x {
			w, ok := y[k]
			if !ok || !sameDoc(v, w) {
				return false
			}
		}
		return true
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if !sameDoc(x[i], y[i]) {
				return false
			}
		}
		return true
	case float64:
		y, ok := b.(float64)
		return ok && x == y && math.Signbit(x) == math.Signbit(y)
	}
	return reflect.DeepEqual(a, b)
}

var decodeDocs = []string{
	`{"a": 1, "b": [1.5, -0.0, 1e400, 129.90, 0.1, 123456789012345678901234567890], "c": {"d": null, "e": "x"}}`,
	`[1, 2.5, "3", true, null, {"n": 9223372036854775808}]`,
	`  "text"  `, `12`, `-0`, `1e-400`, `{}`, `[]`, `null`,
	`{"a": 1} {"b": 2}`, `{"a": 1} x`, `{"a": }`, ``, `   `, `{"a": 1}]`, "{\"\xff\": \"\xfe\"}", `{"a":"\ud800"}`,
	`{"a": 1, "a": 2}`, `[1e1000, 1e1001, 1E-1001]`, `{"a":"\u00e9\n\"\\\/"}`, `"\u12"`, `"\x"`, `"a\`, "\"\x01\"",
	`"éÃ"`, `[01]`, `[-]`, `[1.]`, `[.5]`, `[1e]`, `[1e+]`, `[-0.0e-0]`, `tru`, `nul`, `truex`, `[true false]`, `{"a" 1}`,
	`{"a":1,}`, `[1,]`, `[,1]`, `{,}`, `{1:2}`, "\ufeff{}", "\t\r\n[ ]\n", `[[[[[[[[[[]]]]]]]]]]`, `{"":{"":[{"":null}]}}`,
}

func TestDecodeDeep(t *testing.T) {
	for _, n := range []int{maxQuickDepth - 1, maxQuickDepth, maxQuickDepth + 1, 10000, 10001} {
		for _, open := range []string{"[", `{"a":`} {
			closing := map[string]string{"[": "]", `{"a":`: "}"}[open]
			src := strings.Repeat(open, n) + "1" + strings.Repeat(closing, n)
			checkDecode(t, []byte(src))
		}
	}
}

func TestDecodeMatchesReference(t *testing.T) {
	for _, src := range decodeDocs {
		checkDecode(t, []byte(src))
	}
}

func checkDecode(t *testing.T, src []byte) {
	t.Helper()
	got, err := DecodeBytes(src)
	want, werr := decodeRef(src)
	if (err == nil) != (werr == nil) {
		t.Fatalf("%q: Decode error %v, reference error %v", src, err, werr)
	}
	if !sameDoc(got, want) {
		t.Fatalf("%q: Decode = %#v, reference = %#v", src, got, want)
	}
}

func FuzzDecode(f *testing.F) {
	for _, src := range append(decodeDocs, fastPathDocs...) {
		f.Add([]byte(src))
	}
	f.Fuzz(func(t *testing.T, src []byte) { checkDecode(t, src) })
}
