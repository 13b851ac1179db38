// Command querycost measures, on the embedded store (FerretDB v1.24 on
// SQLite, in-process, through the real MongoDB driver), every query pattern
// the gateway sends to the profile store, at the sizes given, and prints a
// Markdown table: docs/operations.md quotes it.
//
//	go run ./internal/store/querycost -n 10000,100000
//
// Each size gets a fresh store: n customers, each with an e-mail and two
// system keys (3n identities and keys documents), one in ten with a consent
// and two stored events, every one with a search projection, one in a
// hundred merged into another. Every figure is the median of -reps runs,
// after one unmeasured run.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/harmonyhq/harmony/internal/store"
	"github.com/harmonyhq/harmony/internal/store/embedded"
)

func main() {
	sizes := flag.String("n", "10000", "customers per run, comma-separated")
	reps := flag.Int("reps", 5, "runs measured per pattern")
	flag.Parse()
	var ns []int
	for _, f := range strings.Split(*sizes, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1000 {
			fmt.Fprintln(os.Stderr, "querycost: -n takes sizes of 1000 or more")
			os.Exit(2)
		}
		ns = append(ns, n)
	}
	results := map[string]map[int]time.Duration{}
	var order []pattern
	for _, n := range ns {
		ps, err := measure(context.Background(), n, *reps)
		if err != nil {
			fmt.Fprintln(os.Stderr, "querycost:", err)
			os.Exit(1)
		}
		for _, p := range ps {
			if results[p.name] == nil {
				results[p.name] = map[int]time.Duration{}
				order = append(order, p)
			}
			results[p.name][n] = p.took
		}
	}
	fmt.Print("| Pattern | Used by | Filter | ")
	for _, n := range ns {
		fmt.Printf("%d customers | ", n)
	}
	fmt.Print("\n|---|---|---|")
	for range ns {
		fmt.Print("---|")
	}
	fmt.Println()
	for _, p := range order {
		fmt.Printf("| %s | %s | %s | ", p.name, p.usedBy, p.filter)
		for _, n := range ns {
			fmt.Printf("%s | ", format(results[p.name][n]))
		}
		fmt.Println()
	}
}

func format(d time.Duration) string {
	switch {
	case d == 0:
		return "–"
	case d < time.Millisecond:
		return fmt.Sprintf("%.0f µs", float64(d)/float64(time.Microsecond))
	case d < 10*time.Millisecond:
		return fmt.Sprintf("%.1f ms", float64(d)/float64(time.Millisecond))
	case d < time.Second:
		return fmt.Sprintf("%.0f ms", float64(d)/float64(time.Millisecond))
	default:
		return fmt.Sprintf("%.1f s", d.Seconds())
	}
}

type pattern struct {
	name, usedBy, filter string
	run                  func(ctx context.Context, i int) error
	took                 time.Duration
}

func measure(ctx context.Context, n, reps int) ([]pattern, error) {
	dir, err := os.MkdirTemp("", "querycost-")
	if err != nil {
		return nil, err
	}
	defer func() { _ = os.RemoveAll(dir) }()
	srv, err := embedded.Start(ctx, dir, slog.New(slog.DiscardHandler))
	if err != nil {
		return nil, err
	}
	defer srv.Close()
	s, err := store.Open(ctx, srv.URI(), "querycost")
	if err != nil {
		return nil, err
	}
	defer func() { _ = s.Close(ctx) }()
	client, err := mongo.Connect(options.Client().ApplyURI(srv.URI()))
	if err != nil {
		return nil, err
	}
	defer func() { _ = client.Disconnect(ctx) }()
	db := client.Database("querycost")

	if err := srv.IndexIDs(ctx); err != nil {
		return nil, err
	}
	start := time.Now()
	if err := seed(ctx, s, n); err != nil {
		return nil, err
	}
	// A copy of the customers made after IndexIDs ran: FerretDB as shipped.
	var plain []any
	for i := range n {
		plain = append(plain, bson.D{{Key: "_id", Value: fmt.Sprintf("cus_%08d", i)}, {Key: "created_at", Value: time.Now()}})
		if len(plain) == 1000 || i == n-1 {
			if _, err := db.Collection("customers_unindexed").InsertMany(ctx, plain); err != nil {
				return nil, err
			}
			plain = plain[:0]
		}
	}
	fmt.Fprintf(os.Stderr, "querycost: seeded %d customers in %v\n", n, time.Since(start).Round(time.Second))

	cus := func(i int) string { return fmt.Sprintf("cus_%08d", (i*7919)%n) }
	batch := func(i, k int) []string {
		out := make([]string, k)
		for j := range out {
			out[j] = cus(i*k + j*131)
		}
		return out
	}
	find := func(coll string, filter bson.D, opts ...options.Lister[options.FindOptions]) func(context.Context, int) error {
		return func(ctx context.Context, _ int) error {
			cur, err := db.Collection(coll).Find(ctx, filter, opts...)
			if err != nil {
				return err
			}
			var out []bson.Raw
			return cur.All(ctx, &out)
		}
	}
	byID := func(coll string) func(context.Context, int) error {
		return func(ctx context.Context, i int) error {
			err := db.Collection(coll).FindOne(ctx, bson.D{{Key: "_id", Value: cus(i)}}).Err()
			if errors.Is(err, mongo.ErrNoDocuments) {
				return nil
			}
			return err
		}
	}
	in50 := func(field string) bson.D {
		return bson.D{{Key: field, Value: bson.D{{Key: "$in", Value: batch(0, 50)}}}}
	}
	cached := store.NewCached(s, store.CacheOptions{MaxCustomers: n, TTL: time.Hour})
	warm := batch(3, 50)
	if _, err := cached.IdentitiesOf(ctx, warm); err != nil {
		return nil, err
	}
	var patterns []pattern
	add := func(name, usedBy, filter string, run func(context.Context, int) error) {
		patterns = append(patterns, pattern{name: name, usedBy: usedBy, filter: filter, run: run})
	}

	// Reads by _id.
	add("customer by `_id`, FerretDB's own index only (as shipped)", "—", "`_id` =", byID("customers_unindexed"))
	add("customer by `_id`", "Resolve, merge hops, Cached miss", "`_id` =", byID("customers"))
	add("keys document by `_id`", "IdentitiesOf, MergedIDs, Cached miss", "`_id` =", byID("customer_keys"))
	add("50 customers by `_id`, one find each", "CustomersByID, Resolve (loaders' batch)", "`_id` = ×50", func(ctx context.Context, i int) error {
		_, err := s.CustomersByID(ctx, batch(i, 50))
		return err
	})
	add("50 identities by `_id`, one find each", "Owners (customerByIdentifier, sync)", "`_id` = ×50", func(ctx context.Context, i int) error {
		ids := make([]string, 50)
		for j := range ids {
			ids[j] = store.IdentityID(store.KindEmail, "", fmt.Sprintf("p%d@example.com", (i*50+j)%n))
		}
		_, err := s.Owners(ctx, ids)
		return err
	})
	add("50 customers' identities (keys documents)", "IdentitiesOf", "`_id` = ×50", func(ctx context.Context, i int) error {
		_, err := s.IdentitiesOf(ctx, batch(i, 50))
		return err
	})
	add("stored activity of 50 customers without any (their marks)", "ActivityPage, ConsentsFor, Cached miss", "`_id` = ×100", func(ctx context.Context, i int) error {
		ids := make([]string, 50)
		for j := range ids {
			ids[j] = fmt.Sprintf("cus_%08d", ((i*50+j)*10+5)%n) // one in ten has some: not these
		}
		_, err := s.ActivityPage(ctx, ids, store.ActivityQuery{Limit: 21})
		return err
	})
	add("50 customers' 360 reads, cached", "loaders through Cached (hits)", "none", func(ctx context.Context, _ int) error {
		if _, err := cached.Resolve(ctx, warm); err != nil {
			return err
		}
		if _, err := cached.IdentitiesOf(ctx, warm); err != nil {
			return err
		}
		if _, err := cached.MergedIDs(ctx, warm); err != nil {
			return err
		}
		if _, err := cached.ConsentsFor(ctx, warm); err != nil {
			return err
		}
		_, err := cached.ActivityPage(ctx, warm, store.ActivityQuery{Limit: 21})
		return err
	})
	add("one customer's 360 reads, not cached", "loaders through Cached (misses)", "`_id` =", func(ctx context.Context, i int) error {
		c := store.NewCached(s, store.CacheOptions{MaxCustomers: 10, TTL: time.Hour})
		id := []string{cus(i)}
		if _, err := c.Resolve(ctx, id); err != nil {
			return err
		}
		if _, err := c.IdentitiesOf(ctx, id); err != nil {
			return err
		}
		if _, err := c.ConsentsFor(ctx, id); err != nil {
			return err
		}
		_, err := c.ActivityPage(ctx, id, store.ActivityQuery{Limit: 21})
		return err
	})
	// Writes by _id.
	add("update by `_id`", "merge, split, link, unlink, erasure, search projections", "`_id` =", func(ctx context.Context, i int) error {
		_, err := db.Collection("customer_search").UpdateOne(ctx, bson.D{{Key: "_id", Value: cus(i)}},
			bson.D{{Key: "$set", Value: bson.D{{Key: "order_count", Value: i}}}})
		return err
	})
	add("update by `_id` and another field", "(before: merge, split, link, unlink)", "`_id` = and another", func(ctx context.Context, i int) error {
		_, err := db.Collection("customer_search").UpdateOne(ctx, bson.D{{Key: "_id", Value: cus(i)}, {Key: "order_count", Value: bson.D{{Key: "$gte", Value: 0}}}},
			bson.D{{Key: "$set", Value: bson.D{{Key: "order_count", Value: i}}}})
		return err
	})
	add("insert 500 documents", "sync (AddLinked), webhooks, first search build", "—", func(ctx context.Context, i int) error {
		docs := make([]any, 500)
		for j := range docs {
			docs[j] = bson.D{{Key: "_id", Value: fmt.Sprintf("x_%d_%d_%d", n, i, j)}, {Key: "v", Value: j}}
		}
		_, err := db.Collection("scratch").InsertMany(ctx, docs)
		return err
	})
	add("link an identity the customer has", "every identity graph change: resolve, lock, read, release", "`_id` =; locks: `_id` = and owner", func(ctx context.Context, i int) error {
		v := fmt.Sprintf("p%d@example.com", (i*7919)%n)
		_, err := s.Link(ctx, cus(i), store.Identity{ID: store.IdentityID(store.KindEmail, "", v), Kind: store.KindEmail, Value: v, LinkedAt: time.Now()}, "querycost", "", 50)
		return err
	})
	add("merge two customers", "merge", "`_id` only", func(ctx context.Context, i int) error {
		a, b := fmt.Sprintf("cus_%08d", (i*2+50)%n), fmt.Sprintf("cus_%08d", (i*2+51)%n)
		_, err := s.Merge(ctx, a, b, "querycost", "", time.Now(), 50)
		return err
	})
	// Scans.
	add("50 customers' identities by customer_id", "(before: IdentitiesOf); keys rebuild", "customer_id $in 50, sorted", find("identities", in50("customer_id"),
		options.Find().SetSort(bson.D{{Key: "kind", Value: 1}, {Key: "system", Value: 1}, {Key: "value", Value: 1}})))
	add("customers merged into 50", "(before: MergedIDs); keys rebuild", "merged_into $in 50", find("customers", in50("merged_into")))
	add("50 customers by `_id` $in", "(before: CustomersByID, Owners)", "`_id` $in 50", find("customers", in50("_id")))
	add("consents of 50 customers", "ConsentsFor (marked customers only)", "customer_id $in 50, sorted", find("consents", in50("customer_id"),
		options.Find().SetSort(bson.D{{Key: "recorded_at", Value: -1}, {Key: "_id", Value: -1}})))
	add("stored activity of 50 customers with some", "ActivityPage (marked customers only)", "customer_id $in 50, sorted, limited", func(ctx context.Context, i int) error {
		ids := make([]string, 50)
		for j := range ids {
			ids[j] = fmt.Sprintf("cus_%08d", ((i*50+j)*10)%n)
		}
		_, err := s.ActivityPage(ctx, ids, store.ActivityQuery{Limit: 21})
		return err
	})
	add("first page of the customer list", "customers(first: 20)", "active, `_id` > after, sorted, limit 21", func(ctx context.Context, _ int) error {
		_, err := s.SearchCustomers(ctx, store.Filter{}, "", 21)
		return err
	})
	add("first page of a name search", "customers(filter: {namePrefix})", "names regex, sorted, limit 21; `_id` ×21", func(ctx context.Context, _ int) error {
		_, err := s.SearchCustomers(ctx, store.Filter{NamePrefix: "given1"}, "", 21)
		return err
	})
	add("count of a name search", "totalCount, Segment.count", "names regex; inactive customers", func(ctx context.Context, _ int) error {
		_, err := s.CountCustomersMatching(ctx, store.Filter{NamePrefix: "given1"})
		return err
	})
	add("a customer's identity history", "identityHistory", "customer_ids =, sorted, limit 11", func(ctx context.Context, i int) error {
		_, err := s.History(ctx, cus(i), nil, 11)
		return err
	})
	add("every keys document, streamed", "search IndexAll", "none", func(ctx context.Context, _ int) error {
		return s.KeysScan(ctx, func(string, []store.Identity) error { return nil })
	})
	add("every search projection, streamed", "search IndexAll", "none", func(ctx context.Context, _ int) error {
		return s.SearchScan(ctx, func(string, *store.SearchProjection) error { return nil })
	})

	for i := range patterns {
		p := &patterns[i]
		r := reps
		if strings.HasPrefix(p.name, "every ") || p.filter != "" && (strings.Contains(p.filter, "$in") || strings.Contains(p.filter, "regex") ||
			strings.Contains(p.filter, "sorted")) {
			r = min(reps, 3) // scans: a few runs are enough
		}
		if err := run(ctx, p, r); err != nil {
			return nil, fmt.Errorf("%s: %w", p.name, err)
		}
	}
	return patterns, nil
}

func run(ctx context.Context, p *pattern, reps int) error {
	if err := p.run(ctx, 0); err != nil {
		return err
	}
	took := make([]time.Duration, reps)
	for i := range took {
		start := time.Now()
		if err := p.run(ctx, i+1); err != nil {
			return err
		}
		took[i] = time.Since(start)
	}
	slices.Sort(took)
	p.took = took[len(took)/2]
	return nil
}

// seed writes n customers as the package comment says, through the
// store's own write paths.
func seed(ctx context.Context, s *store.Store, n int) error {
	at := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	const chunk = 5000
	for start := 0; start < n; start += chunk {
		var cs []store.Customer
		var ids []store.Identity
		search := map[string]store.SearchProjection{}
		var acts []store.Activity
		for i := start; i < min(start+chunk, n); i++ {
			id := fmt.Sprintf("cus_%08d", i)
			cs = append(cs, store.Customer{ID: id, CreatedAt: at})
			for _, k := range []struct{ kind, system, value string }{
				{store.KindEmail, "", fmt.Sprintf("p%d@example.com", i)},
				{store.KindExternalID, "crm", fmt.Sprintf("c%d", i)},
				{store.KindExternalID, "shop", fmt.Sprintf("s%d", i)},
			} {
				ids = append(ids, store.Identity{ID: store.IdentityID(k.kind, k.system, k.value), CustomerID: id, Kind: k.kind,
					System: k.system, Value: k.value, Rule: "email", Source: "crm", Confidence: 1, LinkedAt: at})
			}
			search[id] = store.SearchProjection{Names: []string{fmt.Sprintf("given%d", i%997), fmt.Sprintf("family%d", i%1009)},
				Systems: []string{"crm", "shop"}, OrderCount: i % 20, Spend: map[string]float64{"EUR": float64(i % 500)}, IndexedAt: at}
			if i%10 == 0 {
				for e := range 2 {
					ev := fmt.Sprintf("e%d-%d", i, e)
					acts = append(acts, store.Activity{ID: store.ActivityID("helpdesk", ev), Connector: "helpdesk", EventID: ev, CustomerID: id,
						ReceivedAt: at, OccurredAt: at.Add(time.Duration(e) * time.Minute),
						Interaction: &store.Interaction{ID: "m" + ev, Channel: "chat", OccurredAt: at, Summary: "hello"}})
				}
			}
		}
		if _, _, err := s.AddLinked(ctx, cs, ids); err != nil {
			return err
		}
		if err := s.WriteSearchProjections(ctx, search, nil); err != nil {
			return err
		}
		if _, err := s.AddActivities(ctx, acts); err != nil {
			return err
		}
		for i := start; i < min(start+chunk, n); i += 10 {
			if _, err := s.AddConsent(ctx, store.Consent{CustomerID: fmt.Sprintf("cus_%08d", i), Purpose: "marketing", Granted: true, RecordedAt: at, Source: "crm"}); err != nil {
				return err
			}
		}
	}
	for i := 0; i+1 < n; i += 100 {
		if _, err := s.Merge(ctx, fmt.Sprintf("cus_%08d", i), fmt.Sprintf("cus_%08d", i+1), "querycost", "", at, 50); err != nil {
			return err
		}
	}
	return nil
}
