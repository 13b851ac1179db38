package store

import (
	"context"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// linkChunk is how many customers one step of AddLinked locks and writes.
const linkChunk = 500

// AddCustomers inserts customers that do not exist yet and returns how many
// were new. Existing ones are left untouched.
func (s *Store) AddCustomers(ctx context.Context, cs []Customer) (int, error) {
	n, _, err := s.AddLinked(ctx, cs, nil)
	return n, err
}

// AddIdentities inserts identities nobody owns yet and returns how many were
// new. An identity already owned, by this customer or another, is left as
// it is: a link never moves silently.
func (s *Store) AddIdentities(ctx context.Context, ids []Identity) (int, error) {
	_, n, err := s.AddLinked(ctx, nil, ids)
	return n, err
}

// AddLinked inserts the customers that do not exist yet, then the
// identities nobody owns yet, and keeps the customers' keys documents
// (keys.go) true; it returns how many customers and identities were new.
// It is identity sync's write: every step can be re-run, and a crash
// between two leaves customers without links, which the next run
// completes (their IDs are deterministic).
//
// It works on linkChunk customers at a time, holding their change locks
// (taken in bulk): a new customer's keys document is inserted with the
// identities inserted for it; an existing customer that gains identities
// has its keys document dropped before and rewritten after, as every
// change of the identity graph does.
func (s *Store) AddLinked(ctx context.Context, cs []Customer, ids []Identity) (customers, identities int, err error) {
	byCustomer := map[string][]Identity{}
	var unowned []Identity // identities of nobody (an unlinked value) touch no keys
	all := make([]string, 0, len(cs))
	for _, c := range cs {
		all = append(all, c.ID)
	}
	for _, id := range ids {
		if id.CustomerID == "" {
			unowned = append(unowned, id)
			continue
		}
		if _, ok := byCustomer[id.CustomerID]; !ok {
			all = append(all, id.CustomerID)
		}
		byCustomer[id.CustomerID] = append(byCustomer[id.CustomerID], id)
	}
	all = sortedUnique(all)
	newCustomers := make(map[string]Customer, len(cs))
	for _, c := range cs {
		if _, ok := newCustomers[c.ID]; !ok {
			newCustomers[c.ID] = c
		}
	}
	for start := 0; start < len(all); start += linkChunk {
		chunk := all[start:min(start+linkChunk, len(all))]
		nc, ni, err := s.addLinkedChunk(ctx, chunk, newCustomers, byCustomer)
		customers += nc
		identities += ni
		if err != nil {
			return customers, identities, err
		}
	}
	if err := s.dropSurvivorsKeys(ctx, cs); err != nil {
		return customers, identities, err
	}
	if len(unowned) > 0 {
		docs := make([]any, len(unowned))
		for i := range unowned {
			docs[i] = unowned[i]
		}
		n, err := insertNew(ctx, s.identities, docs)
		identities += n
		if err != nil {
			return customers, identities, fmt.Errorf("add identities: %w", err)
		}
	}
	return customers, identities, nil
}

// dropSurvivorsKeys drops, under their locks, the keys documents of the
// customers that customers inserted as already merged (an import or a
// test; the sync never inserts one) were merged into: their merged lists
// changed, and readers rebuild them from the collections.
func (s *Store) dropSurvivorsKeys(ctx context.Context, cs []Customer) error {
	var survivors []string
	for _, c := range cs {
		if c.MergedInto != "" {
			survivors = append(survivors, c.MergedInto)
		}
	}
	if len(survivors) == 0 {
		return nil
	}
	release, err := s.lockMany(ctx, survivors)
	if err != nil {
		return err
	}
	defer release()
	s.changed(ctx, survivors)
	return s.dropKeys(ctx, survivors)
}

func (s *Store) addLinkedChunk(ctx context.Context, chunk []string, cs map[string]Customer, byCustomer map[string][]Identity) (customers, identities int, err error) {
	release, err := s.lockMany(ctx, chunk)
	if err != nil {
		return 0, 0, err
	}
	defer release()

	// 1. The customers: which of them are new.
	var toInsert []any
	var toInsertIDs []string
	for _, id := range chunk {
		if c, ok := cs[id]; ok {
			toInsert = append(toInsert, c)
			toInsertIDs = append(toInsertIDs, id)
		}
	}
	isNew := map[string]bool{}
	if len(toInsert) > 0 {
		inserted, err := insertEach(ctx, s.customers, toInsert)
		if err != nil {
			return 0, 0, fmt.Errorf("add customers: %w", err)
		}
		for i, ok := range inserted {
			if ok {
				isNew[toInsertIDs[i]] = true
				customers++
			}
		}
	}

	// 2. The keys of existing customers that gain identities: read, then
	// dropped while their identities change.
	var gaining []string
	for _, id := range chunk {
		if len(byCustomer[id]) > 0 && !isNew[id] {
			gaining = append(gaining, id)
		}
	}
	var old map[string]*keysDoc
	if len(gaining) > 0 {
		if old, err = s.lockedKeys(ctx, gaining); err != nil {
			return customers, 0, err
		}
		s.changed(ctx, gaining)
		if err := s.dropKeys(ctx, gaining); err != nil {
			return customers, 0, err
		}
	}

	// 3. The identities.
	var docs []any
	var owners []string
	for _, id := range chunk {
		for _, idn := range byCustomer[id] {
			docs = append(docs, idn)
			owners = append(owners, id)
		}
	}
	added := map[string][]Identity{}
	if len(docs) > 0 {
		inserted, err := insertEach(ctx, s.identities, docs)
		if err != nil {
			// The keys of gaining customers stay dropped: readers rebuild
			// them from the identities.
			return customers, 0, fmt.Errorf("add identities: %w", err)
		}
		for i, ok := range inserted {
			if ok {
				added[owners[i]] = append(added[owners[i]], docs[i].(Identity))
				identities++
			}
		}
	}

	// 4. The keys: inserted for new customers, rewritten for the others.
	var fresh []any
	var freshIDs []string
	for _, id := range chunk {
		if isNew[id] {
			k := keysDoc{ID: id, Identities: added[id], Merged: []string{}}
			if k.Identities == nil {
				k.Identities = []Identity{}
			}
			sortIdentities(k.Identities)
			fresh = append(fresh, k)
			freshIDs = append(freshIDs, id)
		}
	}
	rewrite := make([]*keysDoc, 0, len(gaining))
	if len(fresh) > 0 {
		inserted, err := insertEach(ctx, s.keys(), fresh)
		if err != nil {
			return customers, identities, fmt.Errorf("write customer keys: %w", err)
		}
		// Under the lock nobody else writes these documents; one found
		// there anyway is replaced by what the collections say.
		var stale []string
		for i, ok := range inserted {
			if !ok {
				stale = append(stale, freshIDs[i])
			}
		}
		if len(stale) > 0 {
			built, err := s.buildKeys(ctx, stale)
			if err != nil {
				return customers, identities, err
			}
			rewrite = append(rewrite, mapValues(built, stale)...)
		}
	}
	for _, id := range gaining {
		k := old[id]
		have := map[string]bool{}
		for _, idn := range k.Identities {
			have[idn.ID] = true
		}
		for _, idn := range added[id] {
			if !have[idn.ID] {
				k.Identities = append(k.Identities, idn)
			}
		}
		sortIdentities(k.Identities)
		rewrite = append(rewrite, k)
	}
	if err := s.putKeys(ctx, rewrite); err != nil {
		return customers, identities, err
	}
	// New customers too: nobody cached them, but the search index learns
	// of them from this.
	s.changed(ctx, append(gaining, freshIDs...))
	return customers, identities, nil
}

// lockMany takes the change locks of ids as lock does, inserting them in
// bulk: one command per insertBatch customers. When any is held by
// another request it releases what it took and falls back to lock, one
// customer at a time in ID order, so that two requests never wait on each
// other in a cycle.
func (s *Store) lockMany(ctx context.Context, ids []string) (release func(), err error) {
	ids = sortedUnique(ids)
	if len(ids) <= 1 {
		return s.lock(ctx, ids)
	}
	owner := newEventID()
	until := time.Now().UTC().Add(lockLease)
	docs := make([]any, len(ids))
	for i, id := range ids {
		docs[i] = bson.D{{Key: "_id", Value: "lock:" + id}, {Key: "owner", Value: owner}, {Key: "until", Value: until}}
	}
	inserted, err := insertEach(ctx, s.locks, docs)
	var held []string
	for i, ok := range inserted {
		if ok {
			held = append(held, "lock:"+ids[i])
		}
	}
	releaseHeld := func() {
		if len(held) == 0 {
			return
		}
		_, _ = s.locks.DeleteMany(context.WithoutCancel(ctx), bson.D{
			{Key: "_id", Value: bson.D{{Key: "$in", Value: held}}}, {Key: "owner", Value: owner}})
	}
	if err != nil {
		releaseHeld()
		return nil, fmt.Errorf("lock customers: %w", err)
	}
	if len(held) == len(ids) {
		return releaseHeld, nil
	}
	releaseHeld()
	return s.lock(ctx, ids)
}
