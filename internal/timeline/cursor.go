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
	pos map[string]Position
	// set holds the positions set since pos, newest first: a merge gives
	// each entry of a page its own cursor, and one more link per entry
	// costs less than a copy of the map. Bounded by maxSet.
	set    *setPos
	filter string
}

// setPos is a position set on top of a cursor's map.
type setPos struct {
	stream string
	p      Position
	prev   *setPos
	depth  int // links from here down, this one included
}

// maxSet is the most positions a cursor holds above its map before with
// folds them into a new map, so that Position stays a short scan.
const maxSet = 16

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
func (c Cursor) Position(stream string) Position {
	for s := c.set; s != nil; s = s.prev {
		if s.stream == stream {
			return s.p
		}
	}
	return c.pos[stream]
}

// Window is what to ask a stream for a page of n entries: at most n+1 items
// past its position (plus the Skip ones at the boundary), and false when the
// stream is done.
func (c Cursor) Window(stream string, n int) (connectors.Window, bool) {
	p := c.Position(stream)
	if p.Done {
		return connectors.Window{}, false
	}
	return connectors.Window{Until: p.Until, Limit: n + 1 + p.Skip}, true
}

func (c Cursor) with(stream string, p Position) Cursor {
	depth := 1
	if c.set != nil {
		depth = c.set.depth + 1
	}
	if depth > maxSet {
		c = Cursor{pos: c.positions(), filter: c.filter}
		depth = 1
	}
	c.set = &setPos{stream: stream, p: p, prev: c.set, depth: depth}
	return c
}

// positions returns every stream's position in a new map.
func (c Cursor) positions() map[string]Position {
	out := make(map[string]Position, len(c.pos)+maxSet)
	maps.Copy(out, c.pos)
	// Oldest first, so that the newest position of a stream wins.
	var chain []*setPos
	for s := c.set; s != nil; s = s.prev {
		chain = append(chain, s)
	}
	for i := len(chain) - 1; i >= 0; i-- {
		out[chain[i].stream] = chain[i].p
	}
	return out
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
	pos := c.pos
	if c.set != nil {
		pos = c.positions()
	}
	w := wireCursor{V: cursorVersion, S: make(map[string]wirePos, len(pos)), F: c.filter}
	for name, p := range pos {
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
