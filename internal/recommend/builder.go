package recommend

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/harmonyhq/harmony/connectors"
	"github.com/harmonyhq/harmony/internal/sources"
	"github.com/harmonyhq/harmony/internal/store"
)

// Bounds of what the Builder reads per customer and system, the same
// windows as a customer's metrics.
const (
	MaxOrders       = 500
	MaxInteractions = 200
)

// AttrSKU is the interaction attribute that names the product an
// interaction is about (a product view); interactions without it are not
// views.
const AttrSKU = "sku"

// Builder keeps the newest Model in memory, rebuilt off the request path
// by Rebuild (after each identity sync). Safe for concurrent use.
type Builder struct {
	Store   *store.Store
	Sources *sources.Set
	Log     *slog.Logger
	// Now is the clock, time.Now when nil.
	Now     func() time.Time
	Options Options

	current atomic.Pointer[Model]
	running sync.Mutex
}

// Model returns the newest model, nil before the first Rebuild ended.
func (b *Builder) Model() *Model { return b.current.Load() }

// Report says what one Rebuild read. Counts and connector names only.
type Report struct {
	Customers int
	Signals   int
	Items     int
	// Failed names the sources whose read failed: their signals are
	// missing from this model.
	Failed []string
}

// Rebuild reads every active customer's orders and product views, one
// batched call per source and capability for all of them (the guard
// splits it into chunks of the connector's max_batch), builds a model
// from them and makes it current. A failing source leaves its signals
// out and is reported; the store failing keeps the previous model.
func (b *Builder) Rebuild(ctx context.Context) (Report, error) {
	b.running.Lock()
	defer b.running.Unlock()
	var rep Report
	now := time.Now()
	if b.Now != nil {
		now = b.Now()
	}
	active, err := b.Store.ActiveCustomerIDs(ctx)
	if err != nil {
		return rep, fmt.Errorf("recommendations: %w", err)
	}
	isActive := make(map[string]bool, len(active))
	for _, id := range active {
		isActive[id] = true
	}
	// owner[system][key] is the customer holding a native key.
	owner := map[string]map[string]string{}
	err = b.Store.KeysScan(ctx, func(id string, idents []store.Identity) error {
		if !isActive[id] {
			return nil
		}
		for _, idn := range idents {
			if idn.Kind == store.KindExternalID && idn.System != "" {
				if owner[idn.System] == nil {
					owner[idn.System] = map[string]string{}
				}
				owner[idn.System][idn.Value] = id
			}
		}
		return nil
	})
	if err != nil {
		return rep, fmt.Errorf("recommendations: %w", err)
	}
	var (
		mu        sync.Mutex
		histories = map[string]History{}
		wg        sync.WaitGroup
	)
	add := func(src string, keys []string, per [][]Signal, err error) {
		mu.Lock()
		defer mu.Unlock()
		if err != nil {
			rep.Failed = append(rep.Failed, src)
			if b.Log != nil {
				b.Log.WarnContext(ctx, "recommendations: a source failed; its signals are left out of this model",
					"connector", src, "code", string(connectors.CodeOf(err)))
			}
			return
		}
		for i, sigs := range per {
			if len(sigs) > 0 {
				id := owner[src][keys[i]]
				histories[id] = append(histories[id], sigs...)
				rep.Signals += len(sigs)
			}
		}
	}
	for _, src := range b.Sources.With(connectors.CapOrders) {
		keys := sortedKeys(owner[src.Name()])
		if len(keys) == 0 {
			continue
		}
		wg.Go(func() {
			orders, err := src.Orders(ctx, keys, connectors.Window{Limit: MaxOrders})
			per := make([][]Signal, len(orders))
			for i, os := range orders {
				per[i] = OrderSignals(src.Name(), os)
			}
			add(src.Name(), keys, per, err)
		})
	}
	for _, src := range b.Sources.With(connectors.CapInteractions) {
		keys := sortedKeys(owner[src.Name()])
		if len(keys) == 0 {
			continue
		}
		wg.Go(func() {
			its, err := src.Interactions(ctx, keys, connectors.Window{Limit: MaxInteractions})
			per := make([][]Signal, len(its))
			for i, is := range its {
				per[i] = ViewSignals(is)
			}
			add(src.Name(), keys, per, err)
		})
	}
	wg.Wait()
	if ctx.Err() != nil {
		return rep, fmt.Errorf("recommendations: %w", ctx.Err())
	}
	o := b.Options
	o.Now = now
	m := Build(func(yield func(History) bool) {
		for _, h := range histories {
			if !yield(h) {
				return
			}
		}
	}, o)
	rep.Customers, rep.Items = m.Customers, m.Items
	slices.Sort(rep.Failed)
	b.current.Store(m)
	return rep, nil
}

func sortedKeys(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// OrderSignals are the purchases of orders from source src: every line
// with a SKU of an order not refunded nor cancelled.
func OrderSignals(src string, orders []connectors.Order) []Signal {
	var out []Signal
	for _, o := range orders {
		switch strings.ToLower(o.Status) {
		case "refunded", "cancelled", "canceled", "voided":
			continue
		}
		for _, it := range o.Items {
			if it.SKU != "" {
				out = append(out, Signal{Kind: Bought, SKU: it.SKU, Name: it.Name, At: o.PlacedAt, Basket: src + "\x00" + o.ID})
			}
		}
	}
	return out
}

// ViewSignals are the product views among interactions: those with an
// AttrSKU attribute, on the app or the web.
func ViewSignals(its []connectors.Interaction) []Signal {
	var out []Signal
	for _, it := range its {
		sku := it.Attributes[AttrSKU]
		if sku == "" || (it.Channel != connectors.ChannelApp && it.Channel != connectors.ChannelWeb) {
			continue
		}
		out = append(out, Signal{Kind: Viewed, SKU: sku, At: it.OccurredAt})
	}
	return out
}
