package timeline

import (
	"cmp"
	"time"

	"github.com/harmonyhq/harmony/connectors"
)

// Item is one entry of a stream: an order or an interaction.
type Item struct {
	ID          string
	At          time.Time
	Order       *connectors.Order
	Interaction *connectors.Interaction
}

// Stream is what one source answered for a page.
type Stream struct {
	// Name identifies the stream in cursors ("shop/orders").
	Name string
	// Source and Capability describe it for gaps.
	Source     string
	Capability connectors.Capability
	// Items are newest first, as asked with Cursor.Window.
	Items []Item
	// Asked is the limit the stream was asked with.
	Asked int
	// Err is set when the stream could not be read.
	Err error
}

// Entry is one merged entry and the cursor just after it.
type Entry struct {
	Item
	Stream string
	Source string
	Cursor Cursor
}

// Gap is a stream missing from a page.
type Gap struct {
	Source     string
	Capability connectors.Capability
	Err        error
}

// Page is one page of the merged timeline.
type Page struct {
	Entries []Entry
	// HasNext is true when some stream may have more.
	HasNext bool
	// End is the cursor after the page, for the next one.
	End  Cursor
	Gaps []Gap
}

// Merge takes the streams read for a page of n entries from cursor cur and
// merges them newest first. Ties are broken by stream name, then by ID,
// descending, so pages are stable.
func Merge(cur Cursor, streams []Stream, n int) Page {
	type head struct {
		s     *Stream
		items []Item
		more  bool // the stream may hold items past those read
	}
	var heads []*head
	var page Page
	for i := range streams {
		s := &streams[i]
		if s.Err != nil {
			page.Gaps = append(page.Gaps, Gap{Source: s.Source, Capability: s.Capability, Err: s.Err})
			continue
		}
		items := s.Items
		pos := cur.Position(s.Name)
		// Drop the items at the boundary that earlier pages showed.
		for skip := pos.Skip; skip > 0 && len(items) > 0 && !pos.Until.IsZero() && items[0].At.Equal(pos.Until); skip-- {
			items = items[1:]
		}
		heads = append(heads, &head{s: s, items: items, more: len(s.Items) >= s.Asked})
	}

	next := cur
	for len(page.Entries) < n {
		var best *head
		for _, h := range heads {
			if len(h.items) == 0 {
				continue
			}
			if best == nil || newer(h.items[0], h.s.Name, best.items[0], best.s.Name) {
				best = h
			}
		}
		if best == nil {
			break
		}
		it := best.items[0]
		best.items = best.items[1:]
		p := next.Position(best.s.Name)
		if p.Until.Equal(it.At) && !p.Until.IsZero() {
			p.Skip++
		} else {
			p.Until, p.Skip = it.At, 1
		}
		if len(best.items) == 0 && !best.more {
			p.Done = true
		}
		next = next.with(best.s.Name, p)
		page.Entries = append(page.Entries, Entry{Item: it, Stream: best.s.Name, Source: best.s.Source, Cursor: next})
	}
	// A stream read in full and shown to its end is done, even when none of
	// its items made this page.
	for _, h := range heads {
		if len(h.items) == 0 && !h.more {
			p := next.Position(h.s.Name)
			p.Done = true
			next = next.with(h.s.Name, p)
		}
	}
	for _, h := range heads {
		if len(h.items) > 0 || h.more {
			page.HasNext = true
		}
	}
	if len(page.Gaps) > 0 {
		// The failed streams may still have entries.
		page.HasNext = true
	}
	page.End = next
	return page
}

// newer orders items newest first, then by stream name and ID descending.
func newer(a Item, as string, b Item, bs string) bool {
	if c := a.At.Compare(b.At); c != 0 {
		return c > 0
	}
	if c := cmp.Compare(as, bs); c != 0 {
		return c > 0
	}
	return a.ID > b.ID
}
