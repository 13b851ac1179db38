package jsonmap

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"unicode/utf8"
)

// DecodeBytes is Decode over a byte slice. It parses b in one pass, giving
// numbers their values as it meets them; input it does not take the quick
// way (malformed documents, deep nesting) goes through Decode, so results
// and errors are Decode's.
func DecodeBytes(b []byte) (any, error) {
	p := parser{data: b}
	p.skipSpace()
	if v, err := p.value(0); err == nil {
		p.skipSpace()
		if p.pos == len(p.data) {
			return v, nil
		}
	}
	return Decode(bytes.NewReader(b))
}

// errSlow sends a document to Decode.
var errSlow = errors.New("jsonmap: not decoded by the quick parser")

// maxQuickDepth bounds the nesting the quick parser follows; deeper
// documents go to Decode, which applies encoding/json's limit.
const maxQuickDepth = 512

// parser reads one JSON document the way encoding/json decodes it into an
// any with UseNumber, then numberValue. Any doubt returns errSlow.
type parser struct {
	data  []byte
	pos   int
	keys  map[string]string // object keys seen, shared by the records
	elems []any             // scratch stack of array elements
	pairs []pair            // scratch stack of object members
}

type pair struct {
	k string
	v any
}

// maxInterned bounds the distinct object keys a parse shares.
const maxInterned = 1024

func (p *parser) skipSpace() {
	for p.pos < len(p.data) {
		switch p.data[p.pos] {
		case ' ', '\t', '\n', '\r':
			p.pos++
		default:
			return
		}
	}
}

func (p *parser) value(depth int) (any, error) {
	if p.pos >= len(p.data) {
		return nil, errSlow
	}
	switch c := p.data[p.pos]; {
	case c == '{':
		return p.object(depth + 1)
	case c == '[':
		return p.array(depth + 1)
	case c == '"':
		return p.str()
	case c == '-' || (c >= '0' && c <= '9'):
		return p.number()
	case c == 't':
		return true, p.literal("true")
	case c == 'f':
		return false, p.literal("false")
	case c == 'n':
		return nil, p.literal("null")
	}
	return nil, errSlow
}

func (p *parser) literal(lit string) error {
	if !bytes.HasPrefix(p.data[p.pos:], []byte(lit)) {
		return errSlow
	}
	p.pos += len(lit)
	return nil
}

func (p *parser) object(depth int) (any, error) {
	if depth > maxQuickDepth {
		return nil, errSlow
	}
	p.pos++ // {
	p.skipSpace()
	if p.pos < len(p.data) && p.data[p.pos] == '}' {
		p.pos++
		return make(map[string]any), nil
	}
	base := len(p.pairs)
	for {
		if p.pos >= len(p.data) || p.data[p.pos] != '"' {
			return nil, errSlow
		}
		k, err := p.key()
		if err != nil {
			return nil, err
		}
		p.skipSpace()
		if p.pos >= len(p.data) || p.data[p.pos] != ':' {
			return nil, errSlow
		}
		p.pos++
		p.skipSpace()
		v, err := p.value(depth)
		if err != nil {
			return nil, err
		}
		p.pairs = append(p.pairs, pair{k, v})
		p.skipSpace()
		if p.pos >= len(p.data) {
			return nil, errSlow
		}
		switch p.data[p.pos] {
		case ',':
			p.pos++
			p.skipSpace()
		case '}':
			p.pos++
			members := p.pairs[base:]
			m := make(map[string]any, len(members))
			for _, kv := range members { // in order: a repeated key keeps its last value
				m[kv.k] = kv.v
			}
			clear(members)
			p.pairs = p.pairs[:base]
			return m, nil
		default:
			return nil, errSlow
		}
	}
}

func (p *parser) array(depth int) (any, error) {
	if depth > maxQuickDepth {
		return nil, errSlow
	}
	p.pos++ // [
	p.skipSpace()
	if p.pos < len(p.data) && p.data[p.pos] == ']' {
		p.pos++
		return make([]any, 0), nil
	}
	base := len(p.elems)
	for {
		v, err := p.value(depth)
		if err != nil {
			return nil, err
		}
		p.elems = append(p.elems, v)
		p.skipSpace()
		if p.pos >= len(p.data) {
			return nil, errSlow
		}
		switch p.data[p.pos] {
		case ',':
			p.pos++
			p.skipSpace()
		case ']':
			p.pos++
			list := append(make([]any, 0, len(p.elems)-base), p.elems[base:]...)
			clear(p.elems[base:])
			p.elems = p.elems[:base]
			return list, nil
		default:
			return nil, errSlow
		}
	}
}

// key reads an object key, sharing the strings of keys already seen.
func (p *parser) key() (string, error) {
	start := p.pos
	end, simple, err := p.scanString()
	if err != nil {
		return "", err
	}
	if !simple {
		return unquote(p.data[start:end])
	}
	body := p.data[start+1 : end-1]
	if s, ok := p.keys[string(body)]; ok {
		return s, nil
	}
	k := string(body)
	if p.keys == nil {
		p.keys = make(map[string]string)
	}
	if len(p.keys) < maxInterned {
		p.keys[k] = k
	}
	return k, nil
}

// str reads a string.
func (p *parser) str() (string, error) {
	start := p.pos
	end, simple, err := p.scanString()
	if err != nil {
		return "", err
	}
	if !simple {
		return unquote(p.data[start:end])
	}
	return string(p.data[start+1 : end-1]), nil
}

// scanString moves past the string at p.pos and returns its end. simple
// strings are valid UTF-8 without escapes: their text is their bytes.
func (p *parser) scanString() (end int, simple bool, err error) {
	start := p.pos
	data := p.data
	i := start + 1 // past the quote
	plain, ascii := true, true
	for {
		for i < len(data) && strClass[data[i]] == strPlain {
			i++
		}
		if i >= len(data) {
			return 0, false, errSlow
		}
		switch strClass[data[i]] {
		case strQuote:
			p.pos = i + 1
			return p.pos, plain && (ascii || utf8.Valid(data[start+1:i])), nil
		case strEscape:
			plain = false
			i += 2 // the escape's first character is never a quote to stop at
		case strHigh:
			ascii = false
			i++
		default: // a control character
			return 0, false, errSlow
		}
	}
}

// Classes of the bytes of a string literal.
const (
	strPlain   = iota // ASCII text
	strQuote          // the closing quote
	strEscape         // a backslash
	strHigh           // a byte of a multi-byte UTF-8 sequence (or not UTF-8)
	strControl        // a control character: not JSON
)

var strClass = func() (t [256]uint8) {
	for c := range 0x20 {
		t[c] = strControl
	}
	for c := 0x80; c < 0x100; c++ {
		t[c] = strHigh
	}
	t['"'], t['\\'] = strQuote, strEscape
	return t
}()

// unquote decodes a string literal with escapes or invalid UTF-8 as
// encoding/json does.
func unquote(lit []byte) (string, error) {
	var s string
	if err := json.Unmarshal(lit, &s); err != nil {
		return "", errSlow
	}
	return s, nil
}

// number reads a number literal of JSON's grammar and gives its value.
func (p *parser) number() (any, error) {
	lit, err := p.scanNumber()
	if err != nil {
		return nil, err
	}
	return numberLiteral(lit), nil
}

// numberLiteral is the value Decode gives the number literal lit.
func numberLiteral(lit []byte) any {
	if n, ok := smallInt(lit); ok {
		return n
	}
	return numberValue(json.Number(lit))
}

// isPlainInt reports whether the number literal lit is an integer that
// Text writes as lit itself: at most 18 digits, and not "-0".
func isPlainInt(lit []byte) bool {
	_, ok := smallInt(lit)
	return ok && string(lit) != "-0"
}

// smallInt reads an integer literal of at most 18 digits, which int64
// always holds: the value numberValue gives it, without its allocations.
func smallInt(lit []byte) (int64, bool) {
	neg := len(lit) > 0 && lit[0] == '-'
	digits := lit
	if neg {
		digits = lit[1:]
	}
	if len(digits) == 0 || len(digits) > 18 {
		return 0, false
	}
	var n int64
	for _, c := range digits {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	if neg {
		n = -n
	}
	return n, true
}

// digitsIn counts the ASCII digits of b from i.
func digitsIn(b []byte, i int) int {
	n := 0
	for i+n < len(b) && b[i+n] >= '0' && b[i+n] <= '9' {
		n++
	}
	return n
}

// decodeStream is Decode's reader path: encoding/json with UseNumber.
func decodeStream(r io.Reader) (any, error) {
	d := json.NewDecoder(r)
	d.UseNumber()
	var doc any
	if err := d.Decode(&doc); err != nil {
		return nil, err
	}
	if _, err := d.Token(); !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("unexpected data after the JSON document")
	}
	return convertNumbers(doc), nil
}
