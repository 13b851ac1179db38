package recommend

import (
	"cmp"
	"maps"
	"math"
	"slices"
	"time"
)

// Kind is what a customer did with an item.
type Kind int

// Kinds of signal.
const (
	Bought Kind = iota // in an order or an in-store sale
	Viewed             // a product view in the app or on the website
)

// Signal is one thing a customer did with an item.
type Signal struct {
	Kind Kind
	SKU  string
	// Name is the item's name as the system gave it, "" if none.
	Name string
	At   time.Time
	// Basket is the order a bought item was in (system and order ID), ""
	// for views.
	Basket string
}

// History is one customer's signals, in any order.
type History []Signal

// Defaults of Options and Request.
const (
	DefaultNeighbours      = 40
	DefaultCatalogueWindow = 365 * 24 * time.Hour
	DefaultRecentWindow    = 90 * 24 * time.Hour
	DefaultHalfLife        = 180 * 24 * time.Hour
	// shrink damps the similarity of pairs seen together by few
	// customers (count / (count + shrink)).
	shrink = 2.0
	// viewWeight is what a view weighs against a purchase as a seed, and
	// viewedSelf the score of a viewed item the customer did not buy.
	viewWeight = 0.5
	viewedSelf = 0.15
	// contextWeight is what an item of the request's context weighs.
	contextWeight = 2.0
)

// Options tune Build.
type Options struct {
	// Now is the model's time: the catalogue is what was bought or viewed
	// within CatalogueWindow before it.
	Now time.Time
	// Neighbours is how many nearest items each item keeps,
	// DefaultNeighbours when zero.
	Neighbours int
	// CatalogueWindow is how long an item neither bought nor viewed stays
	// in the catalogue, DefaultCatalogueWindow when zero.
	CatalogueWindow time.Duration
}

// neighbour is an item and its similarity to another.
type neighbour struct {
	sku   string
	id    int32 // the item's index in Model.skus
	score float64
}

// Model is what Build learnt from the population. It is read-only once
// built and safe for concurrent use.
type Model struct {
	BuiltAt   time.Time
	Customers int // customers with at least one signal
	Items     int // distinct items seen

	names      map[string]string
	catalogue  map[string]bool
	ids        map[string]int32 // every item's index in skus
	skus       []string
	popular    []string // catalogue items, most distinct buyers first
	alsoBought map[string][]neighbour
	alsoViewed map[string][]neighbour
}

// Name returns an item's name, "" when the model never saw one.
func (m *Model) Name(sku string) string { return m.names[sku] }

// InCatalogue reports whether the item was bought or viewed within the
// catalogue window before the model's time.
func (m *Model) InCatalogue(sku string) bool { return m.catalogue[sku] }

// Build learns the model from every customer's history. Similarities are
// cosines over customers, damped for pairs few customers share:
//
//	bought X → bought Y: n(X and Y bought) / sqrt(n(X bought) n(Y bought)) · c/(c+2)
//	viewed X → bought Y: n(X viewed and Y bought) / sqrt(n(X viewed) n(Y bought)) · c/(c+2)
func Build(histories func(yield func(History) bool), o Options) *Model {
	if o.Neighbours <= 0 {
		o.Neighbours = DefaultNeighbours
	}
	if o.CatalogueWindow <= 0 {
		o.CatalogueWindow = DefaultCatalogueWindow
	}
	m := &Model{BuiltAt: o.Now, names: map[string]string{}, catalogue: map[string]bool{}}
	since := o.Now.Add(-o.CatalogueWindow)
	nb, nv := map[string]int{}, map[string]int{}
	cb, cv := map[string]map[string]int{}, map[string]map[string]int{}
	seen := map[string]bool{}
	bump := func(c map[string]map[string]int, x, y string) {
		row := c[x]
		if row == nil {
			row = map[string]int{}
			c[x] = row
		}
		row[y]++
	}
	for h := range histories {
		bought, viewed := map[string]bool{}, map[string]bool{}
		for _, s := range h {
			if s.SKU == "" {
				continue
			}
			seen[s.SKU] = true
			if s.Name != "" && m.names[s.SKU] == "" {
				m.names[s.SKU] = s.Name
			}
			if !s.At.Before(since) && !s.At.After(o.Now) {
				m.catalogue[s.SKU] = true
			}
			if s.Kind == Bought {
				bought[s.SKU] = true
			} else {
				viewed[s.SKU] = true
			}
		}
		if len(bought)+len(viewed) == 0 {
			continue
		}
		m.Customers++
		for x := range bought {
			nb[x]++
			for y := range bought {
				if x != y {
					bump(cb, x, y)
				}
			}
		}
		for x := range viewed {
			nv[x]++
			for y := range bought {
				if x != y {
					bump(cv, x, y)
				}
			}
		}
	}
	m.Items = len(seen)
	m.skus = slices.Sorted(maps.Keys(seen))
	m.ids = make(map[string]int32, len(m.skus))
	for i, sku := range m.skus {
		m.ids[sku] = int32(i)
	}
	m.alsoBought = m.nearest(cb, nb, nb, o.Neighbours)
	m.alsoViewed = m.nearest(cv, nv, nb, o.Neighbours)
	for sku := range m.catalogue {
		m.popular = append(m.popular, sku)
	}
	slices.SortFunc(m.popular, func(a, b string) int {
		if c := cmp.Compare(nb[b], nb[a]); c != 0 {
			return c
		}
		if c := cmp.Compare(nv[b], nv[a]); c != 0 {
			return c
		}
		return cmp.Compare(a, b)
	})
	return m
}

// nearest keeps each item's n most similar items in catalogue (the others
// are never suggested).
func (m *Model) nearest(co map[string]map[string]int, nx, ny map[string]int, n int) map[string][]neighbour {
	out := make(map[string][]neighbour, len(co))
	for x, row := range co {
		list := make([]neighbour, 0, len(row))
		for y, c := range row {
			if !m.catalogue[y] {
				continue
			}
			f := float64(c)
			list = append(list, neighbour{y, m.ids[y], f / math.Sqrt(float64(nx[x])*float64(ny[y])) * f / (f + shrink)})
		}
		slices.SortFunc(list, func(a, b neighbour) int {
			if c := cmp.Compare(b.score, a.score); c != 0 {
				return c
			}
			return cmp.Compare(a.sku, b.sku)
		})
		out[x] = list[:min(n, len(list))]
	}
	return out
}

// ReasonKind says why an item is suggested.
type ReasonKind int

// Reasons.
const (
	BecauseBought  ReasonKind = iota // people who bought Because.SKU bought it
	BecauseViewed                    // the customer viewed it, or people who viewed Because.SKU bought it
	BecauseContext                   // people who bought the context's item bought it
	BecausePopular                   // among the most bought items (nothing more specific)
)

// Reason is why an item is suggested: the customer's own item that
// weighed most, none for BecausePopular.
type Reason struct {
	Kind ReasonKind
	SKU  string
	Name string
}

// Recommendation is one suggested item.
type Recommendation struct {
	SKU    string
	Name   string
	Score  float64 // 0 for popularity fill
	Reason Reason
}

// Request is what Recommend is asked.
type Request struct {
	// Now is the time of the request: "recently" counts back from it.
	Now time.Time
	// First is how many items to suggest.
	First int
	// Context lists items the customer is looking at now (a product page,
	// a cart): they weigh most and are not suggested back.
	Context []string
	// RecentWindow: items bought within it are not suggested,
	// DefaultRecentWindow when zero.
	RecentWindow time.Duration
	// HalfLife is how fast a signal's weight halves with its age,
	// DefaultHalfLife when zero.
	HalfLife time.Duration
	// NoFill leaves the list short rather than completing it with the most
	// popular items (the evaluation's pure co-occurrence figure).
	NoFill bool
}

// seed is one of the customer's items and its weight.
type seed struct {
	sku    string
	weight float64
	kind   ReasonKind
}

// Recommend suggests up to req.First items for a customer with history h,
// best first: co-occurrence with what they bought and viewed (and the
// request's context), then, when that gives too few, the most popular
// items. Items bought within the recent window, the context's items and
// items out of catalogue are never suggested.
func (m *Model) Recommend(h History, req Request) []Recommendation {
	if req.First <= 0 || m == nil {
		return nil
	}
	if req.RecentWindow <= 0 {
		req.RecentWindow = DefaultRecentWindow
	}
	if req.HalfLife <= 0 {
		req.HalfLife = DefaultHalfLife
	}
	recent := req.Now.Add(-req.RecentWindow)
	excluded := map[string]bool{}
	type seedKey struct {
		sku  string
		kind ReasonKind
	}
	weights := make(map[seedKey]seed, len(h)+len(req.Context))
	add := func(s seed) {
		k := seedKey{s.sku, s.kind}
		if w, ok := weights[k]; !ok || s.weight > w.weight {
			weights[k] = s
		}
	}
	bought := map[string]bool{}
	for _, s := range h {
		if s.SKU == "" || s.At.After(req.Now) {
			continue
		}
		age := req.Now.Sub(s.At).Hours() / req.HalfLife.Hours()
		w := math.Exp2(-age)
		switch s.Kind {
		case Bought:
			bought[s.SKU] = true
			if !s.At.Before(recent) {
				excluded[s.SKU] = true
			}
			add(seed{s.SKU, w, BecauseBought})
		case Viewed:
			add(seed{s.SKU, viewWeight * w, BecauseViewed})
		}
	}
	for _, sku := range req.Context {
		excluded[sku] = true
		add(seed{sku, contextWeight, BecauseContext})
	}
	seeds := make([]seed, 0, len(weights))
	for _, s := range weights {
		seeds = append(seeds, s)
	}
	// A fixed order, so that ties in the best reason fall the same way.
	slices.SortFunc(seeds, func(a, b seed) int {
		if c := cmp.Compare(a.sku, b.sku); c != 0 {
			return c
		}
		return cmp.Compare(a.kind, b.kind)
	})
	// Scores accumulate in arrays indexed by item: no map in the inner
	// loop. Exclusions apply to the items touched, at the end.
	score := make([]float64, len(m.skus))
	best := make([]float64, len(m.skus))
	why := make([]int32, len(m.skus)) // index in seeds
	var touched []int32
	credit := func(id int32, v float64, from int32) {
		if v <= 0 {
			return
		}
		if score[id] == 0 {
			touched = append(touched, id)
		}
		score[id] += v
		if v > best[id] {
			best[id], why[id] = v, from
		}
	}
	for si, s := range seeds {
		list := m.alsoBought[s.sku]
		if s.kind == BecauseViewed {
			list = m.alsoViewed[s.sku]
			if id, ok := m.ids[s.sku]; ok && !bought[s.sku] && m.catalogue[s.sku] {
				credit(id, s.weight*viewedSelf, int32(si))
			}
		}
		for _, nb := range list {
			credit(nb.id, s.weight*nb.score, int32(si))
		}
	}
	// The best First candidates, kept in order as they come: First is
	// small, the candidates many.
	better := func(a, b Recommendation) bool { return a.Score > b.Score || (a.Score == b.Score && a.SKU < b.SKU) }
	out := make([]Recommendation, 0, req.First+1)
	for _, id := range touched {
		sku := m.skus[id]
		if excluded[sku] {
			continue
		}
		r := Recommendation{SKU: sku, Score: score[id]}
		if len(out) == req.First && !better(r, out[len(out)-1]) {
			continue
		}
		i, _ := slices.BinarySearchFunc(out, r, func(e, t Recommendation) int {
			if better(e, t) {
				return -1
			}
			return 1
		})
		from := seeds[why[id]]
		r.Name = m.names[sku]
		r.Reason = Reason{Kind: from.kind, SKU: from.sku, Name: m.names[from.sku]}
		out = slices.Insert(out, i, r)
		if len(out) > req.First {
			out = out[:req.First]
		}
	}
	if req.NoFill {
		return out
	}
	return m.fill(out, req.First, excluded)
}

// Popular suggests the most popular items the customer did not buy
// recently: the baseline of the evaluation, and the fill of short lists.
func (m *Model) Popular(h History, req Request) []Recommendation {
	if req.RecentWindow <= 0 {
		req.RecentWindow = DefaultRecentWindow
	}
	excluded := map[string]bool{}
	recent := req.Now.Add(-req.RecentWindow)
	for _, s := range h {
		if s.Kind == Bought && !s.At.Before(recent) && !s.At.After(req.Now) {
			excluded[s.SKU] = true
		}
	}
	for _, sku := range req.Context {
		excluded[sku] = true
	}
	return m.fill(nil, req.First, excluded)
}

func (m *Model) fill(out []Recommendation, n int, excluded map[string]bool) []Recommendation {
	have := map[string]bool{}
	for _, r := range out {
		have[r.SKU] = true
	}
	for _, sku := range m.popular {
		if len(out) >= n {
			break
		}
		if excluded[sku] || have[sku] {
			continue
		}
		out = append(out, Recommendation{SKU: sku, Name: m.names[sku], Reason: Reason{Kind: BecausePopular}})
	}
	return out
}
