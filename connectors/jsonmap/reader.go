package jsonmap

import (
	"errors"
	"reflect"
	"slices"
	"sync"

	"github.com/harmonyhq/harmony/connectors"
	"github.com/harmonyhq/harmony/connectors/internal/mapcheck"
)

// ErrNotJSON is Read's error for a body that is not one JSON document.
var ErrNotJSON = errors.New("jsonmap: not a JSON document")

// Reader reads one kind of response in one pass: it walks the body's bytes
// once, along the paths its mapping reads, and fills the records directly.
// A value the mapping reads is built from the bytes when the record is
// mapped; everything else is checked and skipped without being built (no
// map per record, no list per list). The records and errors are those of
// DecodeBytes followed by the mapping's Map, always: a response the reader
// cannot take that way (a mapping or document it cannot follow, see
// plan.go; any record that fails to map; anything short of valid JSON) is
// read by that general path instead.
//
// A Reader is safe for concurrent use; make one per endpoint, at Provision.
type Reader[T any] struct {
	doc    *docPlan // nil: every read takes the general path
	rec    *recordPlan
	probes []Value
	mapDoc func(doc any) ([]T, error)
	build  func(r *recValues) (T, error)
	pool   sync.Pool // *walker[T]
}

func newReader[T any](records Value, rec *recordPlan, probes []Value, mapDoc func(any) ([]T, error), build func(*recValues) (T, error)) *Reader[T] {
	r := &Reader[T]{rec: rec, probes: slices.Clone(probes), mapDoc: mapDoc, build: build}
	if rec != nil {
		r.doc = planDoc(records, r.probes)
	}
	return r
}

// Reader returns a reader of responses holding profile records. probes are
// paths of member names ($.paging.next) of nodes beside the records that
// the caller reads from the document Read returns.
func (p *Profiles) Reader(probes ...Value) *Reader[connectors.Profile] {
	return newReader(p.records, p.plan, probes, p.Map, p.profile)
}

// Reader returns a reader of responses holding orders (see
// Profiles.Reader).
func (o *Orders) Reader(probes ...Value) *Reader[connectors.Order] {
	return newReader(o.records, o.plan, probes, o.Map, o.order)
}

// Reader returns a reader of responses holding interactions (see
// Profiles.Reader).
func (m *Interactions) Reader(probes ...Value) *Reader[connectors.Interaction] {
	return newReader(m.records, m.plan, probes, m.Map, m.interaction)
}

// Read reads the records of b, one JSON document. err is ErrNotJSON when b
// is not one, else the mapping's error, if any (a *connectors.Error).
//
// doc is the document for the probes: evaluated against it, each probe
// selects what it selects in the whole document, except that a node on the
// way to the records (or holding them) is an empty object or list of its
// kind, holding only the probed nodes below it. doc may also be the whole
// decoded document, when the general path read it.
func (r *Reader[T]) Read(b []byte) (doc any, list []T, err error) {
	switch mapcheck.Current() {
	case mapcheck.General:
		return r.general(b)
	case mapcheck.Compare:
		return r.compare(b)
	}
	if doc, list, ok := r.direct(b); ok {
		return doc, list, nil
	}
	return r.general(b)
}

// general is DecodeBytes, then the mapping's Map.
func (r *Reader[T]) general(b []byte) (any, []T, error) {
	doc, err := DecodeBytes(b)
	if err != nil {
		return nil, nil, ErrNotJSON
	}
	list, err := r.mapDoc(doc)
	return doc, list, err
}

// compare reads b both ways and answers the general path's result; a
// completed one-pass read that differs from it is an error.
func (r *Reader[T]) compare(b []byte) (any, []T, error) {
	gdoc, glist, gerr := r.general(b)
	ddoc, dlist, ok := r.direct(b)
	if !ok {
		return gdoc, glist, gerr
	}
	mapcheck.CountDirect()
	if gerr != nil || !reflect.DeepEqual(dlist, glist) || !r.sameProbes(ddoc, gdoc) {
		mapcheck.Mismatch()
		return nil, nil, connectors.Errorf(connectors.CodeInternal, "jsonmap: the one-pass read differs from the general path")
	}
	return gdoc, glist, gerr
}

// sameProbes reports whether every probe selects the same in the reader's
// document as in the whole one: the same node, or for a node on the way to
// the records, a node of the same kind.
func (r *Reader[T]) sameProbes(ddoc, gdoc any) bool {
	for i := range r.probes {
		v := &r.probes[i]
		dv, dok := v.Get(ddoc)
		gv, gok := v.Get(gdoc)
		if dok != gok {
			return false
		}
		n := r.doc.root
		for _, s := range v.steps {
			n = n.names[s.name]
		}
		if n.chain {
			if kindOfNode(dv) != kindOfNode(gv) {
				return false
			}
		} else if !reflect.DeepEqual(dv, gv) {
			return false
		}
	}
	return true
}

func kindOfNode(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case map[string]any:
		return "object"
	case []any:
		return "array"
	}
	return "scalar"
}

// direct is the one-pass read; ok is false when the general path must
// read b.
func (r *Reader[T]) direct(b []byte) (doc any, list []T, ok bool) {
	if r.doc == nil {
		return nil, nil, false
	}
	w := r.walker()
	defer r.release(w)
	w.p.data = b
	w.p.skipSpace()
	doc, err := w.docNode(r.doc.root, 0)
	if err != nil {
		return nil, nil, false
	}
	w.p.skipSpace()
	if w.p.pos != len(b) {
		return nil, nil, false
	}
	// The records were gathered in the walker's pooled list: hand over a
	// copy of the right size, and zero what the pooled list held. A list
	// that outgrew what the pool keeps is handed over itself: it would not
	// be pooled, and copying thousands of records costs more than the room
	// append left past its end.
	if cap(w.out) > maxPooledRecords {
		list, w.out = w.out, nil
		return doc, list, true
	}
	list = make([]T, len(w.out))
	copy(list, w.out)
	clear(w.out)
	w.out = w.out[:0]
	return doc, list, true
}

// walker is the state of one read. Walkers are pooled; release clears
// them.
type walker[T any] struct {
	r         *Reader[T]
	p         parser      // the document, and the decoding of the nodes read whole
	slots     []slot      // the values of the record being read
	strs      []strCache  // the strings made of each slot's values (see recValues.strs)
	itemSlots []slot      // the values of its line items, one run of items.nslots each
	itemStrs  []strCache  // strs, for the line items' slots
	nitems    int         // line items read
	items     []recValues // the line items, when the record is mapped
	rv        recValues   // the record, when it is mapped
	out       []T         // the records mapped so far
}

// Bounds of the room a pooled walker keeps: item values and records.
const (
	maxPooledSlots   = 4096
	maxPooledRecords = 1024
)

func (r *Reader[T]) walker() *walker[T] {
	if w, ok := r.pool.Get().(*walker[T]); ok {
		return w
	}
	w := &walker[T]{r: r, slots: make([]slot, r.rec.nslots), strs: make([]strCache, r.rec.nslots)}
	if ip := r.rec.items; ip != nil {
		w.itemStrs = make([]strCache, ip.nslots)
	}
	return w
}

// release returns w to the pool. Nothing of one read reaches another: the
// document, every value found, the line items, the parser's scratch and the
// object keys it shared are dropped or zeroed here, before the walker is
// pooled, and the records went to the caller.
func (r *Reader[T]) release(w *walker[T]) {
	w.p.data, w.p.pos = nil, 0
	clear(w.p.keys)
	clear(w.p.elems[:cap(w.p.elems)])
	clear(w.p.pairs[:cap(w.p.pairs)])
	w.p.elems, w.p.pairs = w.p.elems[:0], w.p.pairs[:0]
	clear(w.slots)
	clear(w.strs)
	clear(w.itemStrs)
	clear(w.itemSlots[:cap(w.itemSlots)])
	clear(w.items[:cap(w.items)])
	w.itemSlots, w.items, w.nitems = w.itemSlots[:0], w.items[:0], 0
	if cap(w.itemSlots) > maxPooledSlots {
		w.itemSlots = nil
	}
	// Past its length the pooled list is zero: direct zeroes what it
	// used, and a list append outgrew was dropped, not pooled.
	clear(w.out)
	w.out = w.out[:0]
	if cap(w.out) > maxPooledRecords {
		w.out = nil
	}
	w.rv = recValues{}
	r.pool.Put(w)
}

// docNode reads the node at p.pos, nested depth containers deep, that n
// plans: it returns the node for the sparse document (nil when no probe
// reads it). errSlow sends the document to the general path.
func (w *walker[T]) docNode(n *dnode, depth int) (any, error) {
	p := &w.p
	if n.records {
		return nil, w.recordsAt(depth)
	}
	if n.probe && !n.chain {
		return p.value(depth)
	}
	strict := w.r.doc.strict && n.chain && n.step != chainNone
	switch p.peek() {
	case '{':
		if n.step == chainWild || (strict && n.step == chainIndex) {
			// A wildcard over an object (ojg's order is the map's), or an
			// index into an object: the general path decides.
			return nil, errSlow
		}
		empty, err := p.open(depth + 1)
		if err != nil {
			return nil, err
		}
		var shell map[string]any
		if n.keep {
			shell = make(map[string]any)
		}
		seen := false
		for more := !empty; more; {
			name, err := p.memberName()
			if err != nil {
				return nil, err
			}
			if c := n.names[string(name)]; c != nil {
				if c.chain {
					if seen {
						return nil, errSlow // a repeated member on the way to the records
					}
					seen = true
				}
				v, err := w.docNode(c, depth+1)
				if err != nil {
					return nil, err
				}
				if shell != nil && c.keep {
					shell[string(name)] = v
				}
			} else if err := p.skip(depth + 1); err != nil {
				return nil, err
			}
			if more, err = p.next('}'); err != nil {
				return nil, err
			}
		}
		if strict && n.step == chainName && !seen {
			return nil, errSlow // no member on the way to the records
		}
		if shell == nil {
			return nil, nil
		}
		return shell, nil
	case '[':
		if strict && n.step == chainName {
			return nil, errSlow // a member named in a list
		}
		empty, err := p.open(depth + 1)
		if err != nil {
			return nil, err
		}
		for i := 0; !empty; i++ {
			if n.step == chainWild || (n.step == chainIndex && i == n.index) {
				if _, err := w.docNode(n.elem, depth+1); err != nil {
					return nil, err
				}
			} else if err := p.skip(depth + 1); err != nil {
				return nil, err
			}
			more, err := p.next(']')
			if err != nil {
				return nil, err
			}
			empty = !more
		}
		if n.probe {
			return []any{}, nil
		}
		return nil, nil
	case 'n':
		return nil, p.literal("null") // nothing below a null
	}
	if strict {
		return nil, errSlow // a member named in a scalar
	}
	if n.probe {
		return p.value(depth)
	}
	return nil, p.skip(depth)
}

// recordsAt reads the node that the records path selects.
func (w *walker[T]) recordsAt(depth int) error {
	p := &w.p
	switch p.peek() {
	case '{':
		return w.record(depth)
	case 'n':
		return p.literal("null")
	case '[':
		if w.r.doc.wild {
			// A list selected by a wildcard: one alone holds the records,
			// several are an error; the general path decides.
			return errSlow
		}
		empty, err := p.open(depth + 1)
		if err != nil {
			return err
		}
		for more := !empty; more; {
			switch p.peek() {
			case '{':
				err = w.record(depth + 1)
			case 'n':
				err = p.literal("null")
			default:
				err = errSlow // an entry that is not a record: an error
			}
			if err != nil {
				return err
			}
			if more, err = p.next(']'); err != nil {
				return err
			}
		}
		return nil
	}
	return errSlow // a scalar where the records are: an error
}

// record reads one record and maps it.
func (w *walker[T]) record(depth int) error {
	clear(w.slots)
	w.itemSlots, w.nitems = w.itemSlots[:0], 0
	if err := w.rnode(w.r.rec.root, w.slots, depth); err != nil {
		return err
	}
	w.rv = recValues{direct: true, slots: w.slots, strs: w.strs}
	if ip := w.r.rec.items; ip != nil {
		w.items = w.items[:0]
		for k := range w.nitems {
			w.items = append(w.items, recValues{direct: true, slots: w.itemSlots[k*ip.nslots : (k+1)*ip.nslots], strs: w.itemStrs})
		}
		w.rv.items = w.items
	}
	t, err := w.r.build(&w.rv)
	if err != nil {
		return errSlow // the general path gives the error, with the record's position
	}
	w.out = append(w.out, t)
	return nil
}

// rnode reads the node at p.pos that n plans, filling slots.
func (w *walker[T]) rnode(n *rnode, slots []slot, depth int) error {
	p := &w.p
	if len(n.slots) > 0 {
		return w.capture(n, slots, depth)
	}
	if n.items {
		return w.itemsAt(depth)
	}
	switch p.peek() {
	case '{':
		if n.names == nil {
			return p.skip(depth)
		}
		empty, err := p.open(depth + 1)
		if err != nil {
			return err
		}
		for more := !empty; more; {
			name, err := p.memberName()
			if err != nil {
				return err
			}
			if c := n.member(name); c != nil {
				// A repeated member replaces what the first one held, as
				// in a decoded map.
				for _, s := range c.reset {
					slots[s] = slot{}
				}
				if c.holds {
					w.itemSlots, w.nitems = w.itemSlots[:0], 0
				}
				err = w.rnode(c, slots, depth+1)
			} else {
				err = p.skip(depth + 1)
			}
			if err != nil {
				return err
			}
			if more, err = p.next('}'); err != nil {
				return err
			}
		}
		return nil
	case '[':
		if n.index == nil {
			return p.skip(depth)
		}
		empty, err := p.open(depth + 1)
		if err != nil {
			return err
		}
		for i := 0; !empty; i++ {
			if c := n.at(step{index: i, isIdx: true}); c != nil {
				err = w.rnode(c, slots, depth+1)
			} else {
				err = p.skip(depth + 1)
			}
			if err != nil {
				return err
			}
			more, err := p.next(']')
			if err != nil {
				return err
			}
			empty = !more
		}
		return nil
	}
	return p.skip(depth) // a scalar or null: nothing below it
}

// capture reads a node that values read whole: a string or a number stays
// in the document's bytes, anything else is decoded as Decode decodes it.
func (w *walker[T]) capture(n *rnode, slots []slot, depth int) error {
	p := &w.p
	var x val
	switch c := p.peek(); {
	case c == '"':
		text, simple, err := p.readString()
		if err != nil {
			return err
		}
		if simple {
			x = val{raw: text, kind: valString}
		} else {
			s, err := unquote(text)
			if err != nil {
				return err
			}
			x = val{v: s}
		}
	case c == '-' || (c >= '0' && c <= '9'):
		lit, err := p.scanNumber()
		if err != nil {
			return err
		}
		x = val{raw: lit, kind: valNumber}
	default:
		v, err := p.value(depth)
		if err != nil {
			return err
		}
		x = val{v: v}
	}
	for _, s := range n.slots {
		slots[s] = slot{val: x, found: true}
	}
	if len(n.below) > 0 {
		node := x.node()
		for _, b := range n.below {
			v, found, known := walk(b.steps, node)
			if !known {
				return errSlow
			}
			slots[b.slot] = slot{val: val{v: v}, found: found}
		}
	}
	return nil
}

// itemsAt reads an order's line items: the entries of a list (nulls
// skipped), or one node (none for null), as records reads them.
func (w *walker[T]) itemsAt(depth int) error {
	p := &w.p
	switch p.peek() {
	case 'n':
		return p.literal("null")
	case '[':
		empty, err := p.open(depth + 1)
		if err != nil {
			return err
		}
		for more := !empty; more; {
			if p.peek() == 'n' {
				err = p.literal("null")
			} else {
				err = w.item(depth + 1)
			}
			if err != nil {
				return err
			}
			if more, err = p.next(']'); err != nil {
				return err
			}
		}
		return nil
	}
	return w.item(depth)
}

// item reads one line item.
func (w *walker[T]) item(depth int) error {
	ip := w.r.rec.items
	base := len(w.itemSlots)
	w.itemSlots = slices.Grow(w.itemSlots, ip.nslots)[:base+ip.nslots]
	clear(w.itemSlots[base:])
	w.nitems++
	return w.rnode(ip.root, w.itemSlots[base:base+ip.nslots], depth)
}
