package jsonmap

// The scanning half of the parser: moving through a document without
// building anything, for the one-pass reader. Everything the scanner moves
// past is checked as encoding/json checks it (string escapes, number
// grammar, literals, nesting), so that a document the reader accepts is one
// Decode accepts; any doubt returns errSlow, and the reader hands the
// document to the general path.

// strStop marks the bytes that end a run of plain string text: the quote,
// the backslash and the control characters.
var strStop = func() (t [256]bool) {
	for c := range 0x20 {
		t[c] = true
	}
	t['"'], t['\\'] = true, true
	return t
}()

// peek returns the byte at the position, 0 at the end.
func (p *parser) peek() byte {
	if p.pos < len(p.data) {
		return p.data[p.pos]
	}
	return 0
}

// skipString moves past the string at p.pos, checking its escapes.
func (p *parser) skipString() error {
	i := p.pos + 1
	data := p.data
	for {
		for i < len(data) && !strStop[data[i]] {
			i++
		}
		if i >= len(data) {
			return errSlow
		}
		switch data[i] {
		case '"':
			p.pos = i + 1
			return nil
		case '\\':
			n, ok := escapeLen(data[i:])
			if !ok {
				return errSlow
			}
			i += n
		default: // a control character
			return errSlow
		}
	}
}

// escapeLen returns the length of the escape sequence that b starts with.
func escapeLen(b []byte) (int, bool) {
	if len(b) < 2 {
		return 0, false
	}
	switch b[1] {
	case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
		return 2, true
	case 'u':
		if len(b) < 6 {
			return 0, false
		}
		for _, c := range b[2:6] {
			if !isHex(c) {
				return 0, false
			}
		}
		return 6, true
	}
	return 0, false
}

func isHex(c byte) bool {
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')
}

// readString reads the string at p.pos without building it: text is its
// bytes when it is valid UTF-8 without escapes (simple), else its literal
// with quotes, for unquote.
func (p *parser) readString() (text []byte, simple bool, err error) {
	start := p.pos
	end, simple, err := p.scanString()
	if err != nil {
		return nil, false, err
	}
	if simple {
		return p.data[start+1 : end-1], true, nil
	}
	return p.data[start:end], false, nil
}

// memberName reads an object member's name and the colon after it. The
// name is a slice of the document unless it has escapes.
func (p *parser) memberName() ([]byte, error) {
	if p.peek() != '"' {
		return nil, errSlow
	}
	text, simple, err := p.readString()
	if err != nil {
		return nil, err
	}
	if !simple {
		s, err := unquote(text)
		if err != nil {
			return nil, err
		}
		text = []byte(s)
	}
	p.skipSpace()
	if p.peek() != ':' {
		return nil, errSlow
	}
	p.pos++
	p.skipSpace()
	return text, nil
}

// open moves past the '{' or '[' at p.pos; empty is true when the
// container closes at once (and is then moved past too).
func (p *parser) open(depth int) (empty bool, err error) {
	if depth > maxQuickDepth {
		return false, errSlow
	}
	closing := byte('}')
	if p.data[p.pos] == '[' {
		closing = ']'
	}
	p.pos++
	p.skipSpace()
	if p.peek() == closing {
		p.pos++
		return true, nil
	}
	return false, nil
}

// next moves past the separator after a member or element: more is false
// when the container closed.
func (p *parser) next(closing byte) (more bool, err error) {
	p.skipSpace()
	switch p.peek() {
	case ',':
		p.pos++
		p.skipSpace()
		return true, nil
	case closing:
		p.pos++
		return false, nil
	}
	return false, errSlow
}

// scanNumber moves past the number literal at p.pos and returns it.
func (p *parser) scanNumber() ([]byte, error) {
	start, i := p.pos, p.pos
	data := p.data
	if i < len(data) && data[i] == '-' {
		i++
	}
	switch {
	case i < len(data) && data[i] == '0':
		i++
	case i < len(data) && data[i] >= '1' && data[i] <= '9':
		i += digitsIn(data, i)
	default:
		return nil, errSlow
	}
	if i < len(data) && data[i] == '.' {
		n := digitsIn(data, i+1)
		if n == 0 {
			return nil, errSlow
		}
		i += 1 + n
	}
	if i < len(data) && (data[i] == 'e' || data[i] == 'E') {
		i++
		if i < len(data) && (data[i] == '+' || data[i] == '-') {
			i++
		}
		n := digitsIn(data, i)
		if n == 0 {
			return nil, errSlow
		}
		i += n
	}
	p.pos = i
	return data[start:i], nil
}

// skip moves past the value at p.pos, nested depth containers deep.
func (p *parser) skip(depth int) error {
	switch c := p.peek(); {
	case c == '"':
		return p.skipString()
	case c == '{':
		empty, err := p.open(depth + 1)
		if err != nil || empty {
			return err
		}
		for {
			if p.peek() != '"' {
				return errSlow
			}
			if err := p.skipString(); err != nil {
				return err
			}
			p.skipSpace()
			if p.peek() != ':' {
				return errSlow
			}
			p.pos++
			p.skipSpace()
			if err := p.skip(depth + 1); err != nil {
				return err
			}
			more, err := p.next('}')
			if err != nil || !more {
				return err
			}
		}
	case c == '[':
		empty, err := p.open(depth + 1)
		if err != nil || empty {
			return err
		}
		for {
			if err := p.skip(depth + 1); err != nil {
				return err
			}
			more, err := p.next(']')
			if err != nil || !more {
				return err
			}
		}
	case c == '-' || (c >= '0' && c <= '9'):
		_, err := p.scanNumber()
		return err
	case c == 't':
		return p.literal("true")
	case c == 'f':
		return p.literal("false")
	case c == 'n':
		return p.literal("null")
	}
	return errSlow
}
