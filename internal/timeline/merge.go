package timeline

import (
	"cmp"
	"slices"
	"time"

	"github.com/harmonyhq/harmony/connectors"
)

// Item is one entry of a stream: an order or an interaction.
type Item struct {
	ID          string
	At          time.Time
	Order       *connectors.Order
	Interaction *connectors.Interaction
	// Origin and OriginID, set on an item that reports another source's
	// interaction (Harmony's record of a send, naming the system and the
	// message ID it gave), make it one entry with that source's own report
	// of it: see Merge.
	Origin, OriginID string
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
	// Keep, when set, filters the items read (a channel or kind filter the
	// source could not apply itself). Items are still asked n+1 at a time
	// and whether the stream has more is judged on what was read, not on
	// what was kept; see Merge for how a filtered stream stays in order.
	Keep func(Item) bool
	// Live marks a stream that may gain items behind its position at any
	// time (Harmony's own store): it is never marked done, so that what is
	// stored while a client pages through still shows when the pages reach
	// its time.
	Live bool
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
// merges them newest first. An item repeating an interaction of another
// source that answered (Item.Origin) is that source's entry, shown once.
// Ties are broken by stream name, then by ID,
// descending, so pages are stable.
func Merge(cur Cursor, streams []Stream, n int) Page {
	type head struct {
		s     *Stream
		items []Item
		more  bool // the stream may hold items past those read
		// floored: Keep dropped items of a stream that has more, so its
		// kept items may run out before the page is full. Nothing older
		// than floor (its oldest item read) may be shown past them: the
		// stream's unread items could be newer.
		floored bool
		floor   time.Time
	}
	var heads []*head
	var page Page
	dropEchoes(streams)
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
		h := &head{s: s, items: items, more: len(s.Items) >= s.Asked}
		if s.Keep != nil {
			var kept []Item
			for _, it := range items {
				if s.Keep(it) {
					kept = append(kept, it)
				}
			}
			if len(kept) < len(items) && h.more && len(s.Items) > 0 {
				h.floored, h.floor = true, s.Items[len(s.Items)-1].At
			}
			h.items = kept
		}
		heads = append(heads, h)
	}
	// blocked says whether an item of stream name must wait for a later
	// page because a filtered stream's unread items could come first.
	blocked := func(it Item, name string) bool {
		for _, h := range heads {
			if h.floored && h.s.Name != name && !it.At.After(h.floor) && (!it.At.Equal(h.floor) || name <= h.s.Name) {
				return true
			}
		}
		return false
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
		if best == nil || blocked(best.items[0], best.s.Name) {
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
		if len(best.items) == 0 && !best.more && !best.s.Live {
			p.Done = true
		}
		next = next.with(best.s.Name, p)
		// A live stream read in this page holds nothing newer than this
		// entry that was not shown: pin it here, so that what is stored
		// later above this point is not shown going back in time.
		for _, h := range heads {
			if h.s.Live && h != best {
				if lp := next.Position(h.s.Name); lp.Until.IsZero() || lp.Until.After(it.At) {
					next = next.with(h.s.Name, Position{Until: it.At})
				}
			}
		}
		page.Entries = append(page.Entries, Entry{Item: it, Stream: best.s.Name, Source: best.s.Source, Cursor: next})
	}
	// A stream read in full and shown to its end is done, even when none of
	// its items made this page.
	for _, h := range heads {
		if len(h.items) == 0 && !h.more && !h.s.Live {
			p := next.Position(h.s.Name)
			p.Done = true
			next = next.with(h.s.Name, p)
		}
		// A filtered stream whose kept items were all shown moves on to
		// the oldest item it read: what lies between was filtered out, and
		// is not read again. The page may be short (even empty) then, but
		// the next one starts further.
		if h.floored && len(h.items) == 0 {
			p := Position{Until: h.floor}
			for _, it := range h.s.Items {
				if it.At.Equal(h.floor) {
					p.Skip++
				}
			}
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

// dropEchoes makes each item that repeats another source's interaction
// (its Origin names that source) one entry with that source's own report
// of it: while the origin's interactions stream is part of the page and
// answered, the repeat is filtered out of its stream like an item its Keep
// drops (so the stream's position still moves past it), whatever the page
// size, since which stream shows the entry does not depend on what a page
// read. When the origin failed, the repeat stands in for it, beside the
// origin's gap.
func dropEchoes(streams []Stream) {
	answered := map[string]bool{}
	for _, s := range streams {
		if s.Err == nil && s.Capability == connectors.CapInteractions {
			answered[s.Source] = true
		}
	}
	for i := range streams {
		s := &streams[i]
		echo := func(it Item) bool { return it.OriginID != "" && it.Origin != s.Source && answered[it.Origin] }
		if s.Err != nil || !slices.ContainsFunc(s.Items, echo) {
			continue
		}
		keep := s.Keep
		s.Keep = func(it Item) bool { return !echo(it) && (keep == nil || keep(it)) }
	}
}
