package timeline

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"maps"
	"time"

	"github.com/harmonyhq/harmony/connectors"
)

// ErrBadCursor is returned for a cursor this package did not make.
var ErrBadCursor = errors.New("invalid timeline cursor")

// Position is where a stream stands: its next items are those at or before
// Until, minus the Skip items at exactly Until already shown.
type Position struct {
	Until time.Time // zero: from the newest
	Skip  int
	Done  bool // the stream has nothing more
}

// Cursor holds a position per stream, by stream name ("shop/orders").
type Cursor struct {
	pos map[string]Position
}

// Position returns a stream's position, the start when it has none.
func (c Cursor) Position(stream string) Position { return c.pos[stream] }

// Window is what to ask a stream for a page of n entries: at most n+1 items
// past its position (plus the Skip ones at the boundary), and false when the
// stream is done.
func (c Cursor) Window(stream string, n int) (connectors.Window, bool) {
	p := c.pos[stream]
	if p.Done {
		return connectors.Window{}, false
	}
	return connectors.Window{Until: p.Until, Limit: n + 1 + p.Skip}, true
}

func (c Cursor) with(stream string, p Position) Cursor {
	next := Cursor{pos: make(map[string]Position, len(c.pos)+1)}
	maps.Copy(next.pos, c.pos)
	next.pos[stream] = p
	return next
}

type wirePos struct {
	U int64 `json:"u,omitempty"` // unix nanoseconds
	K int   `json:"k,omitempty"`
	D bool  `json:"d,omitempty"`
}

type wireCursor struct {
	V int                `json:"v"`
	S map[string]wirePos `json:"s"`
}

const cursorVersion = 1

// Encode returns the opaque form of the cursor.
func (c Cursor) Encode() string {
	w := wireCursor{V: cursorVersion, S: make(map[string]wirePos, len(c.pos))}
	for name, p := range c.pos {
		wp := wirePos{K: p.Skip, D: p.Done}
		if !p.Until.IsZero() {
			wp.U = p.Until.UnixNano()
		}
		w.S[name] = wp
	}
	b, _ := json.Marshal(w) // cannot fail: plain types
	return base64.RawURLEncoding.EncodeToString(b)
}

// maxStreams bounds what a cursor may hold, so a forged cursor cannot make
// the gateway allocate much.
const maxStreams = 64

// Decode reads a cursor made by Encode; "" is the start.
func Decode(s string) (Cursor, error) {
	if s == "" {
		return Cursor{}, nil
	}
	if len(s) > 4096 {
		return Cursor{}, ErrBadCursor
	}
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return Cursor{}, ErrBadCursor
	}
	var w wireCursor
	if err := json.Unmarshal(b, &w); err != nil || w.V != cursorVersion || len(w.S) > maxStreams {
		return Cursor{}, ErrBadCursor
	}
	c := Cursor{pos: make(map[string]Position, len(w.S))}
	for name, wp := range w.S {
		if wp.K < 0 || wp.K > 10_000 || wp.U < 0 {
			return Cursor{}, ErrBadCursor
		}
		p := Position{Skip: wp.K, Done: wp.D}
		if wp.U != 0 {
			p.Until = time.Unix(0, wp.U).UTC()
		}
		c.pos[name] = p
	}
	return c, nil
}
