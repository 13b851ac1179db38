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

// Cursor holds a position per stream, by stream name ("shop/orders"), and
// the fingerprint of the filter its pages were read with: a cursor is only
// valid with the same filter.
type Cursor struct {
	pos    map[string]Position
	filter string
}

// Filter returns the fingerprint of the filter the cursor was made with,
// "" for none (and for the start).
func (c Cursor) Filter() string { return c.filter }

// WithFilter returns c made for the filter with fingerprint fp. Only the
// start cursor should be given one: later cursors inherit it.
func (c Cursor) WithFilter(fp string) Cursor {
	c.filter = fp
	return c
}

// WindowIn is Window inside the bounds of a filter: the lower bound is
// always passed on, the upper one until the stream has a position (which
// lies inside it).
func (c Cursor) WindowIn(stream string, n int, since, until time.Time) (connectors.Window, bool) {
	w, ok := c.Window(stream, n)
	if !ok {
		return w, false
	}
	if !until.IsZero() && (w.Until.IsZero() || w.Until.After(until)) {
		w.Until = until
	}
	w.Since = since
	return w, true
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
	next := Cursor{pos: make(map[string]Position, len(c.pos)+1), filter: c.filter}
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
	F string             `json:"f,omitempty"` // filter fingerprint
}

const cursorVersion = 1

// Encode returns the opaque form of the cursor.
func (c Cursor) Encode() string {
	w := wireCursor{V: cursorVersion, S: make(map[string]wirePos, len(c.pos)), F: c.filter}
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
	if err := json.Unmarshal(b, &w); err != nil || w.V != cursorVersion || len(w.S) > maxStreams || len(w.F) > 128 {
		return Cursor{}, ErrBadCursor
	}
	c := Cursor{pos: make(map[string]Position, len(w.S)), filter: w.F}
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
