package jsonmap

import (
	"github.com/ohler55/ojg/jp"
)

// The one-pass reader (reader.go) walks a response along plans compiled
// from a mapping: a document plan, the way from the document to its records
// (and to the nodes a connector reads beside them), and a record plan, the
// paths a mapping reads from each record merged into a tree. A mapping a
// plan cannot express has no plan, and its reads take the general path
// (decode, then map): JSONPaths with filters, unions (but one of member
// names at the end of a plain path: a slot per name), slices, recursive
// descent or negative indexes anywhere; a wildcard anywhere but in the
// records path; line items whose path is not a plain path below the order,
// or below a node the mapping also reads whole.

// recordPlan is what a mapping reads from one record.
type recordPlan struct {
	root   *rnode
	nslots int         // the mapping's path values, one slot each (Value.slot)
	items  *recordPlan // an order's line items, read at the node marked items
}

// rnode is a node of a record plan.
type rnode struct {
	names map[string]*rnode // members read below this node
	kids  []kid             // the same, for lookup by linear search when few
	index []indexed         // elements read below this node
	slots []int             // the values whose path ends here: the node as Decode gives it
	below []relSlot         // with slots: the values below, read from the decoded node
	reset []int             // every slot of this subtree, cleared when a repeated member enters it again
	items bool              // an order's line items are here
	holds bool              // the items are here or below
}

// kid is a member read below an rnode.
type kid struct {
	name string
	n    *rnode
}

// maxKids is the most members an rnode looks up by linear search, faster
// than hashing for a few short names.
const maxKids = 16

// member returns the node of the member name, nil when none is read.
func (n *rnode) member(name []byte) *rnode {
	if n.kids != nil {
		for i := range n.kids {
			if n.kids[i].name == string(name) {
				return n.kids[i].n
			}
		}
		return nil
	}
	return n.names[string(name)]
}

// indexed is an element read below an rnode.
type indexed struct {
	i int
	n *rnode
}

// relSlot is a value read below a node read whole.
type relSlot struct {
	slot  int
	steps []step
}

func (n *rnode) child(name string) *rnode {
	if n.names == nil {
		n.names = make(map[string]*rnode)
	}
	c := n.names[name]
	if c == nil {
		c = &rnode{}
		n.names[name] = c
	}
	return c
}

func (n *rnode) elem(i int) *rnode {
	for _, e := range n.index {
		if e.i == i {
			return e.n
		}
	}
	c := &rnode{}
	n.index = append(n.index, indexed{i, c})
	return c
}

// at returns the node that s leads to from n, nil when none.
func (n *rnode) at(s step) *rnode {
	if s.isIdx {
		for _, e := range n.index {
			if e.i == s.index {
				return e.n
			}
		}
		return nil
	}
	return n.names[s.name]
}

// plainSteps reports whether v is a path the reader can follow: member
// names and non-negative indexes.
func plainSteps(v *Value) bool {
	return v.fast && plainPath(v.steps)
}

// plainPath reports whether steps has no negative index.
func plainPath(steps []step) bool {
	for _, s := range steps {
		if s.isIdx && s.index < 0 {
			return false
		}
	}
	return true
}

// place puts slot at the node steps lead to.
func (p *recordPlan) place(steps []step, slot int) {
	n := p.root
	for _, s := range steps {
		if s.isIdx {
			n = n.elem(s.index)
		} else {
			n = n.child(s.name)
		}
	}
	n.slots = append(n.slots, slot)
}

// planRecord numbers the path values of vals (their slots) and compiles
// the plan of a record that reads them, with line items at itemsPath read
// by itemsPlan. It returns nil when the reader cannot read the mapping; the
// slots are numbered even then.
func planRecord(vals []*Value, itemsPath *Value, itemsPlan *recordPlan) *recordPlan {
	p := &recordPlan{root: &rnode{}, items: itemsPlan}
	ok := true
	for _, v := range vals {
		if v.path == nil {
			continue
		}
		v.slot = p.nslots
		if v.alts != nil {
			// A slot per name of the union, in order, from v.slot on:
			// the record's value is the first found (recValues.get).
			p.nslots += len(v.alts)
			for k, steps := range v.alts {
				if !plainPath(steps) {
					ok = false
					break
				}
				p.place(steps, v.slot+k)
			}
			continue
		}
		p.nslots++
		if !plainSteps(v) {
			ok = false
			continue
		}
		p.place(v.steps, v.slot)
	}
	if !ok {
		return nil
	}
	if itemsPath != nil {
		if itemsPlan == nil || !plainSteps(itemsPath) || len(itemsPath.steps) == 0 {
			return nil
		}
		n := p.root
		for _, s := range itemsPath.steps {
			if len(n.slots) > 0 { // the items are inside a node read whole
				return nil
			}
			if s.isIdx {
				n = n.elem(s.index)
			} else {
				n = n.child(s.name)
			}
		}
		if len(n.slots) > 0 || len(n.names) > 0 || len(n.index) > 0 {
			return nil // the items node is read otherwise too
		}
		n.items = true
	}
	finishRecord(p.root, nil)
	return p
}

// finishRecord fills the reset lists and, for the nodes read whole, the
// values below them; it returns the slots of n's subtree.
func finishRecord(n *rnode, path []step) []int {
	all := append([]int(nil), n.slots...)
	for name, c := range n.names {
		all = append(all, finishRecord(c, append(path[:len(path):len(path)], step{name: name}))...)
	}
	for _, e := range n.index {
		all = append(all, finishRecord(e.n, append(path[:len(path):len(path)], step{index: e.i, isIdx: true}))...)
	}
	if len(n.slots) > 0 {
		collectBelow(n, n, nil)
	}
	n.reset = all
	if len(n.names) <= maxKids {
		for name, c := range n.names {
			n.kids = append(n.kids, kid{name, c})
		}
	}
	n.holds = n.items
	for _, c := range n.names {
		n.holds = n.holds || c.holds
	}
	for _, e := range n.index {
		n.holds = n.holds || e.n.holds
	}
	return all
}

// collectBelow lists in top.below the slots under n, with their steps from
// top.
func collectBelow(top, n *rnode, rel []step) {
	if n != top {
		for _, s := range n.slots {
			top.below = append(top.below, relSlot{slot: s, steps: rel})
		}
	}
	for name, c := range n.names {
		collectBelow(top, c, append(rel[:len(rel):len(rel)], step{name: name}))
	}
	for _, e := range n.index {
		collectBelow(top, e.n, append(rel[:len(rel):len(rel)], step{index: e.i, isIdx: true}))
	}
}

// docPlan is the way from a document to its records, and to the nodes
// read beside them (probes).
type docPlan struct {
	root *dnode
	// strict: the records path has no wildcard, so a document that lacks
	// the way to the records has an unexpected shape (see recordsOf).
	strict bool
	// wild: the records path has a wildcard; each node it selects is a
	// record (or null).
	wild bool
}

// chain step kinds.
const (
	chainNone = iota // the records are here
	chainName
	chainIndex
	chainWild
)

// dnode is a node of a document plan.
type dnode struct {
	names map[string]*dnode // members read below this node (the chain's, the probes')
	// The chain's step from this node, for a node on the way to the
	// records: a member (in names), an index or a wildcard (to elem).
	step    int
	name    string
	index   int
	elem    *dnode
	records bool // the records are here
	chain   bool // on the way to the records, or the records' node
	probe   bool // a probe reads this node
	keep    bool // this node is in the sparse document: a probe reads it or below it
}

func (n *dnode) child(name string) *dnode {
	if n.names == nil {
		n.names = make(map[string]*dnode)
	}
	c := n.names[name]
	if c == nil {
		c = &dnode{}
		n.names[name] = c
	}
	return c
}

// planDoc compiles the way to the records at path (unset: the whole
// document) and to the probes, paths of member names only. It returns nil
// when the reader cannot follow them.
func planDoc(path Value, probes []Value) *docPlan {
	p := &docPlan{root: &dnode{chain: true}, strict: true}
	n := p.root
	if path.IsSet() {
		if !path.IsPath() {
			return nil
		}
		p.strict = path.fast
		for _, f := range path.path[1:] {
			var next *dnode
			switch t := f.(type) {
			case jp.Child:
				n.step, n.name = chainName, string(t)
				next = n.child(string(t))
			case jp.Nth:
				if t < 0 {
					return nil
				}
				n.step, n.index = chainIndex, int(t)
				next = &dnode{}
				n.elem = next
			case jp.Wildcard:
				n.step = chainWild
				p.wild = true
				next = &dnode{}
				n.elem = next
			default:
				return nil
			}
			next.chain = true
			n = next
		}
	}
	n.records = true
	for i := range probes {
		v := &probes[i]
		if !plainSteps(v) {
			return nil
		}
		n := p.root
		n.keep = true
		for _, s := range v.steps {
			if n.records || s.isIdx {
				return nil // in the records, or through a list: a probe reads neither
			}
			n = n.child(s.name)
			n.keep = true
		}
		if n.records {
			return nil
		}
		n.probe = true
	}
	return p
}
