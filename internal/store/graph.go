package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
)

// Errors of identity graph changes. Their messages carry no data.
var (
	ErrNoCustomer = errors.New("no such customer")
	ErrConflict   = errors.New("the identifier belongs to another customer")
	ErrLimit      = errors.New("the customer would exceed the cap of identities")
	ErrNotLinked  = errors.New("the identifier is not linked to the customer")
	ErrNotMerged  = errors.New("the customer was not merged into that survivor")
	ErrInactive   = errors.New("the customer was merged into another; undo that first")
	ErrBusy       = errors.New("the customer is being changed by another request")
)

// Rules of links made by hand.
const (
	RuleManual   = "manual"
	RuleDetached = "detached" // a system's record unlinked into a customer of its own
)

// maxHops bounds how many merges Resolve follows.
const maxHops = 8

var errTooDeep = fmt.Errorf("resolve customers: more than %d merges deep", maxHops)

// Change is the outcome of an identity graph change.
type Change struct {
	// Changed is false when the graph already was as asked.
	Changed bool
	// Event records the change; for an unchanged request, the event that
	// made it so when known.
	Event *Event
	// Customer is the customer the change ends on (the survivor of a merge).
	Customer string
	// Detached is the customer an unlinked system key now belongs to.
	Detached string
}

// Resolve returns out[i], the active customer ids[i] ends on: itself, or
// the survivor of the merges it went through; nil for an unknown ID. One
// query per merge hop.
func (s *Store) Resolve(ctx context.Context, ids []string) ([]*Customer, error) {
	docs := map[string]*Customer{}
	want := slices.Clone(ids)
	for hop := 0; len(want) > 0; hop++ {
		if hop > maxHops {
			return nil, errTooDeep
		}
		found, err := s.CustomersByID(ctx, want)
		if err != nil {
			return nil, err
		}
		var next []string
		for i, c := range found {
			docs[want[i]] = c
			if c != nil && c.MergedInto != "" {
				if _, seen := docs[c.MergedInto]; !seen && !slices.Contains(next, c.MergedInto) {
					next = append(next, c.MergedInto)
				}
			}
		}
		want = next
	}
	out := make([]*Customer, len(ids))
	for i, id := range ids {
		c := docs[id]
		for hop := 0; c != nil && c.MergedInto != "" && hop <= maxHops; hop++ {
			c = docs[c.MergedInto]
		}
		out[i] = c
	}
	return out, nil
}

// MergedIDs returns out[i], the customers merged directly into ids[i],
// ordered. It reads the customers' keys documents (keys.go) by _id.
func (s *Store) MergedIDs(ctx context.Context, ids []string) ([][]string, error) {
	docs, _, err := s.readKeys(ctx, ids)
	if err != nil {
		return nil, err
	}
	out := make([][]string, len(ids))
	for i, id := range ids {
		if k := docs[id]; k != nil && len(k.Merged) > 0 {
			out[i] = slices.Clone(k.Merged)
		}
	}
	return out, nil
}

// lockLease bounds how long a crashed request can hold a customer.
const lockLease = 30 * time.Second

// lock takes the change lock of each customer (or identity) ID, in ID order so that two
// requests never wait on each other in a cycle. A lock is a document of the
// locks collection whose _id names the customer: inserting it succeeds for
// one request only, on MongoDB and on FerretDB alike (FerretDB v1 does not
// apply a conditional update atomically, but it enforces unique _id). A
// lock older than its lease, left by a crashed request, is removed.
func (s *Store) lock(ctx context.Context, ids []string) (release func(), err error) {
	return s.lockWithin(ctx, ids, lockWait)
}

// lockWait bounds how long lock waits for each customer.
const lockWait = 5 * time.Second

// lockWithin is lock, waiting at most wait for each customer: ErrBusy
// after that.
func (s *Store) lockWithin(ctx context.Context, ids []string, wait time.Duration) (release func(), err error) {
	ids = sortedUnique(ids)
	owner := newEventID()
	var held []string
	release = func() {
		for _, id := range held {
			_, _ = s.locks.DeleteOne(context.WithoutCancel(ctx), bson.D{{Key: "_id", Value: "lock:" + id}, {Key: "owner", Value: owner}})
		}
	}
	for _, id := range ids {
		key := "lock:" + id
		deadline := time.Now().Add(wait)
		for wait := time.Millisecond; ; wait = min(wait*2, 50*time.Millisecond) {
			now := time.Now().UTC()
			_, err := s.locks.InsertOne(ctx, bson.D{{Key: "_id", Value: key}, {Key: "owner", Value: owner}, {Key: "until", Value: now.Add(lockLease)}})
			if err == nil {
				held = append(held, id)
				break
			}
			if !mongo.IsDuplicateKeyError(err) {
				release()
				return nil, fmt.Errorf("lock customer: %w", err)
			}
			if _, err := s.locks.DeleteOne(ctx, bson.D{{Key: "_id", Value: key}, {Key: "until", Value: bson.D{{Key: "$lt", Value: now}}}}); err != nil {
				release()
				return nil, fmt.Errorf("expire customer lock: %w", err)
			}
			if time.Now().After(deadline) {
				release()
				return nil, ErrBusy
			}
			select {
			case <-ctx.Done():
				release()
				return nil, ctx.Err()
			case <-time.After(wait):
			}
		}
	}
	return release, nil
}

// Link links an identity to a customer by hand. It is refused when another
// customer owns the identity (ErrConflict) or the customer is at the cap
// (ErrLimit); linking what is already linked changes nothing. An identity a
// person unlinked can be linked again.
func (s *Store) Link(ctx context.Context, customerID string, id Identity, actor, reason string, maxIdentities int) (Change, error) {
	c, err := s.resolveOne(ctx, customerID)
	if err != nil {
		return Change{}, err
	}
	// The identity's lock too: two customers may race for it.
	release, err := s.lock(ctx, []string{c.ID, id.ID})
	if err != nil {
		return Change{}, err
	}
	defer release()
	ch := Change{Customer: c.ID}
	if err := s.stillActive(ctx, c.ID); err != nil {
		return ch, err
	}
	existing, err := s.owner(ctx, id.ID)
	if err != nil {
		return ch, err
	}
	switch {
	case existing != nil && existing.CustomerID == c.ID:
		return ch, nil
	case existing != nil && existing.CustomerID != "":
		return ch, ErrConflict
	}
	keys, err := s.lockedKeys(ctx, []string{c.ID})
	if err != nil {
		return ch, err
	}
	if len(keys[c.ID].Identities) >= maxIdentities {
		return ch, ErrLimit
	}
	id.CustomerID = c.ID
	id.Rule, id.Status, id.Confidence = RuleManual, StatusMatch, 1
	id.MergedFrom, id.MergeIDs = nil, nil
	ev := Event{ID: newEventID(), Action: ActionLink, At: id.LinkedAt, Actor: actor,
		CustomerIDs: []string{c.ID}, Identities: refsOf([]Identity{id}), Reason: reason, State: StatePending}
	if err := s.putEvent(ctx, ev); err != nil {
		return ch, err
	}
	err = s.rekeying(ctx, []string{c.ID}, func() (map[string]*keysDoc, error) {
		linked := id
		if existing != nil {
			// Owned by nobody (checked under the identity's lock).
			_, err := s.identities.UpdateOne(ctx, idFilter(id.ID),
				bson.D{{Key: "$set", Value: bson.D{{Key: "customer_id", Value: id.CustomerID}, {Key: "rule", Value: id.Rule},
					{Key: "source", Value: id.Source}, {Key: "confidence", Value: id.Confidence}, {Key: "linked_at", Value: id.LinkedAt},
					{Key: "status", Value: id.Status}}}})
			if err != nil {
				return nil, wrapStore("relink identity", err)
			}
			linked = *existing
			linked.CustomerID, linked.Rule, linked.Source, linked.Confidence = id.CustomerID, id.Rule, id.Source, id.Confidence
			linked.LinkedAt, linked.Status = id.LinkedAt, id.Status
		} else if _, err := s.identities.InsertOne(ctx, id); err != nil {
			if mongo.IsDuplicateKeyError(err) {
				return nil, ErrConflict
			}
			return nil, fmt.Errorf("link identity: %w", err)
		}
		return map[string]*keysDoc{c.ID: keys[c.ID].clone().with(linked)}, nil
	})
	if err != nil {
		_ = s.dropEvent(ctx, ev.ID)
		return ch, err
	}
	if err := s.doneEvent(ctx, ev.ID); err != nil {
		return ch, err
	}
	ev.State = StateDone
	ch.Changed, ch.Event = true, &ev
	return ch, nil
}

// stillActive checks, under the customer's lock, that it was not merged
// away since it was resolved: ErrBusy (ask again) when it was.
func (s *Store) stillActive(ctx context.Context, id string) error {
	found, err := s.customersByID(ctx, []string{id})
	if err != nil {
		return err
	}
	if c := found[id]; c == nil || c.MergedInto != "" {
		return ErrBusy
	}
	return nil
}

// Unlink removes an identity from a customer. An identifier stays in the
// store, owned by nobody, so the linker never links it back by itself. A
// system's key (KindExternalID) moves to a customer of its own, whose ID is
// derived from the key and the customer it left, so a re-run finds it.
func (s *Store) Unlink(ctx context.Context, customerID, identityID, actor, reason string, at time.Time) (Change, error) {
	for attempt := 0; attempt < 5; attempt++ {
		ch, retry, err := s.unlinkOnce(ctx, customerID, identityID, actor, reason, at)
		if !retry {
			return ch, err
		}
	}
	return Change{}, ErrBusy
}

func (s *Store) unlinkOnce(ctx context.Context, customerID, identityID, actor, reason string, at time.Time) (Change, bool, error) {
	c, err := s.resolveOne(ctx, customerID)
	if err != nil {
		return Change{}, false, err
	}
	// Read before locking, to learn whose keys change besides c's: the
	// customer a system's key detaches to and, when that customer was
	// merged back into another, that survivor, which loses it.
	involved, err := s.unlinkInvolves(ctx, c.ID, identityID)
	if err != nil {
		return Change{}, false, err
	}
	release, err := s.lock(ctx, involved)
	if err != nil {
		return Change{}, false, err
	}
	defer release()
	if again, err := s.unlinkInvolves(ctx, c.ID, identityID); err != nil || !slices.Equal(again, involved) {
		return Change{}, err == nil, err
	}
	if err := s.stillActive(ctx, c.ID); err != nil {
		return Change{}, true, nil
	}
	ch := Change{Customer: c.ID}
	existing, err := s.owner(ctx, identityID)
	if err != nil {
		return ch, false, err
	}
	if existing == nil || existing.CustomerID != c.ID {
		if existing != nil && existing.Status == StatusUnlinked {
			return ch, false, nil
		}
		if existing != nil && existing.Kind == KindExternalID && existing.CustomerID == detachedID(*existing, c.ID) {
			ch.Detached = existing.CustomerID
			return ch, false, nil
		}
		return ch, false, ErrNotLinked
	}
	ev := Event{ID: newEventID(), Action: ActionUnlink, At: at, Actor: actor,
		CustomerIDs: []string{c.ID}, Identities: refsOf([]Identity{*existing}), Reason: reason, State: StatePending}
	set := bson.D{{Key: "customer_id", Value: ""}, {Key: "status", Value: StatusUnlinked}}
	if existing.Kind == KindExternalID {
		ch.Detached = detachedID(*existing, c.ID)
		ev.CustomerIDs = append(ev.CustomerIDs, ch.Detached)
		set = bson.D{{Key: "customer_id", Value: ch.Detached}, {Key: "rule", Value: RuleDetached},
			{Key: "source", Value: RuleManual}, {Key: "linked_at", Value: at}}
	}
	keys, err := s.lockedKeys(ctx, involved)
	if err != nil {
		return ch, false, err
	}
	if err := s.putEvent(ctx, ev); err != nil {
		return ch, false, err
	}
	err = s.rekeying(ctx, involved, func() (map[string]*keysDoc, error) {
		next := map[string]*keysDoc{c.ID: keys[c.ID].clone().without(identityID)}
		if ch.Detached != "" {
			d, err := s.customersByID(ctx, []string{ch.Detached})
			if err != nil {
				return nil, err
			}
			if _, err := insertNew(ctx, s.customers, []any{Customer{ID: ch.Detached, CreatedAt: at}}); err != nil {
				return nil, fmt.Errorf("add detached customer: %w", err)
			}
			// A key detached, merged back and detached again reuses its
			// customer, which leaves the one it was merged into.
			if _, err := s.customers.UpdateOne(ctx, idFilter(ch.Detached),
				bson.D{{Key: "$unset", Value: bson.D{{Key: "merged_into", Value: ""}}}}); err != nil {
				return nil, fmt.Errorf("reactivate detached customer: %w", err)
			}
			if dc := d[ch.Detached]; dc != nil && dc.MergedInto != "" {
				sv := keys[dc.MergedInto].clone()
				sv.Merged = slices.DeleteFunc(sv.Merged, func(m string) bool { return m == ch.Detached })
				next[dc.MergedInto] = sv
			}
			moved := *existing
			moved.CustomerID, moved.Rule, moved.Source, moved.LinkedAt = ch.Detached, RuleDetached, RuleManual, at
			moved.MergedFrom, moved.MergeIDs = nil, nil
			if next[ch.Detached] == nil {
				next[ch.Detached] = keys[ch.Detached].clone()
			}
			next[ch.Detached].with(moved)
		}
		// Linked to c: checked under c's lock.
		if _, err := s.identities.UpdateOne(ctx, idFilter(identityID),
			bson.D{{Key: "$set", Value: set}, {Key: "$unset", Value: bson.D{{Key: "merged_from", Value: ""}, {Key: "merge_ids", Value: ""}}}}); err != nil {
			return nil, fmt.Errorf("unlink identity: %w", err)
		}
		return next, nil
	})
	if err != nil {
		return ch, false, err
	}
	if err := s.doneEvent(ctx, ev.ID); err != nil {
		return ch, false, err
	}
	ev.State = StateDone
	ch.Changed, ch.Event = true, &ev
	return ch, false, nil
}

// unlinkInvolves returns, sorted, the customers whose keys an unlink of
// identityID from customerID changes: customerID, and for a system's key
// the customer it detaches to and that customer's survivor, if any.
func (s *Store) unlinkInvolves(ctx context.Context, customerID, identityID string) ([]string, error) {
	ids := []string{customerID}
	existing, err := s.owner(ctx, identityID)
	if err != nil {
		return nil, err
	}
	if existing != nil && existing.Kind == KindExternalID {
		d := detachedID(*existing, customerID)
		ids = append(ids, d)
		found, err := s.customersByID(ctx, []string{d})
		if err != nil {
			return nil, err
		}
		if dc := found[d]; dc != nil && dc.MergedInto != "" {
			ids = append(ids, dc.MergedInto)
		}
	}
	return sortedUnique(ids), nil
}

// detachedID is the customer a system's key gets when unlinked from from.
func detachedID(key Identity, from string) string {
	h := sha256.Sum256([]byte("detached\x00" + key.System + "\x00" + key.Value + "\x00" + from))
	return "cus_" + hex.EncodeToString(h[:8])
}

// Merge merges mergedID into survivorID. The steps, each a single-document
// write that can be re-run, with both customers locked and their keys
// documents dropped (keys.go):
//
//  1. with both customers still active, the merged customer is marked
//     merged_into the survivor with a new merge event ID (the commit
//     point);
//  2. the event is recorded with the identities being moved;
//  3. every identity of the merged customer moves to the survivor,
//     remembering where it came from;
//  4. the event is marked done;
//
// then both keys documents are written again. Asking again, after success
// or a crash after step 1, re-runs steps 2 to 4 and reports no change.
func (s *Store) Merge(ctx context.Context, survivorID, mergedID, actor, reason string, at time.Time, maxIdentities int) (Change, error) {
	for attempt := 0; attempt < 5; attempt++ {
		ch, retry, err := s.mergeOnce(ctx, survivorID, mergedID, actor, reason, at, maxIdentities)
		if !retry {
			return ch, err
		}
	}
	return Change{}, ErrBusy
}

func (s *Store) mergeOnce(ctx context.Context, survivorID, mergedID, actor, reason string, at time.Time, maxIdentities int) (Change, bool, error) {
	res, err := s.Resolve(ctx, []string{survivorID, mergedID})
	if err != nil {
		return Change{}, false, err
	}
	if res[0] == nil || res[1] == nil {
		return Change{}, false, ErrNoCustomer
	}
	sv, mg := res[0], res[1]
	if sv.ID == mg.ID {
		// Already one: finish any interrupted merge along the way.
		ev, err := s.finishMerges(ctx, mergedID, actor, reason, at)
		return Change{Customer: sv.ID, Event: ev}, false, err
	}
	release, err := s.lock(ctx, []string{sv.ID, mg.ID})
	if err != nil {
		return Change{}, false, err
	}
	defer release()
	// Every change of merged_into holds the locks of both customers, so
	// what is read now stays true until release.
	cur, err := s.CustomersByID(ctx, []string{sv.ID, mg.ID})
	if err != nil {
		return Change{}, false, err
	}
	if cur[0] == nil || cur[1] == nil || cur[0].MergedInto != "" || cur[1].MergedInto != "" {
		return Change{}, true, nil // merged meanwhile: resolve again
	}
	keys, err := s.lockedKeys(ctx, []string{sv.ID, mg.ID})
	if err != nil {
		return Change{}, false, err
	}
	if len(keys[sv.ID].Identities)+len(keys[mg.ID].Identities) > maxIdentities {
		return Change{}, false, ErrLimit
	}
	eventID := newEventID()
	var ev *Event
	err = s.rekeying(ctx, []string{sv.ID, mg.ID}, func() (map[string]*keysDoc, error) {
		// Active: checked under both locks.
		if _, err := s.customers.UpdateOne(ctx, idFilter(mg.ID),
			bson.D{{Key: "$set", Value: bson.D{{Key: "merged_into", Value: sv.ID}, {Key: "merge_id", Value: eventID}}},
				{Key: "$unset", Value: bson.D{{Key: "split_id", Value: ""}}}}); err != nil {
			return nil, fmt.Errorf("mark merged customer: %w", err)
		}
		mg.MergedInto, mg.MergeID = sv.ID, eventID
		// A merged customer leaves the search index (a split re-indexes it).
		if err := s.dropSearch(ctx, []string{mg.ID}); err != nil {
			return nil, fmt.Errorf("drop merged customer's search projection: %w", err)
		}
		var err error
		var moved []Identity
		ev, moved, err = s.finishMerge(ctx, *mg, keys[mg.ID].Identities, actor, reason, at)
		if err != nil {
			return nil, err
		}
		return mergedKeys(keys[sv.ID], keys[mg.ID], moved), nil
	})
	if err != nil {
		return Change{}, false, err
	}
	return Change{Changed: true, Event: ev, Customer: sv.ID}, false, nil
}

// finishMerges re-runs the completion of every merge on the way from id to
// its survivor and returns the event of the first.
func (s *Store) finishMerges(ctx context.Context, id, actor, reason string, at time.Time) (*Event, error) {
	var first *Event
	for hop := 0; hop <= maxHops; hop++ {
		docs, err := s.CustomersByID(ctx, []string{id})
		if err != nil {
			return nil, err
		}
		if docs[0] == nil || docs[0].MergedInto == "" {
			return first, nil
		}
		ev, err := s.refinishMerge(ctx, *docs[0], actor, reason, at)
		if err != nil {
			return nil, err
		}
		if first == nil {
			first = ev
		}
		id = docs[0].MergedInto
	}
	return first, nil
}

// refinishMerge re-runs steps 2 to 4 of a merge, holding both customers'
// locks: the identities still on the merged customer move.
func (s *Store) refinishMerge(ctx context.Context, mg Customer, actor, reason string, at time.Time) (*Event, error) {
	release, err := s.lock(ctx, []string{mg.ID, mg.MergedInto})
	if err != nil {
		return nil, err
	}
	defer release()
	found, err := s.customersByID(ctx, []string{mg.ID})
	if err != nil {
		return nil, err
	}
	if now := found[mg.ID]; now == nil || now.MergedInto != mg.MergedInto || now.MergeID != mg.MergeID {
		return nil, ErrBusy // changed meanwhile: ask again
	}
	keys, err := s.lockedKeys(ctx, []string{mg.ID, mg.MergedInto})
	if err != nil {
		return nil, err
	}
	var ev *Event
	err = s.rekeying(ctx, []string{mg.ID, mg.MergedInto}, func() (map[string]*keysDoc, error) {
		var err error
		var moved []Identity
		ev, moved, err = s.finishMerge(ctx, mg, keys[mg.ID].Identities, actor, reason, at)
		if err != nil {
			return nil, err
		}
		return mergedKeys(keys[mg.MergedInto], keys[mg.ID], moved), nil
	})
	return ev, err
}

// mergedKeys are the keys of a survivor and of the customer merged into it
// once moved (as written) have moved.
func mergedKeys(sv, mg *keysDoc, moved []Identity) map[string]*keysDoc {
	next, gone := sv.clone().with(moved...), mg.clone()
	next.Merged = append(next.Merged, mg.ID)
	for _, idn := range moved {
		gone.without(idn.ID)
	}
	return map[string]*keysDoc{sv.ID: next, mg.ID: gone}
}

// finishMerge runs steps 2 to 4 of Merge for a customer marked merged,
// whose identities are moving (read under the lock). Each identity moves
// by one write of its _id that sets its whole merge trail, so a re-run
// writes the same thing again.
func (s *Store) finishMerge(ctx context.Context, mg Customer, moving []Identity, actor, reason string, at time.Time) (*Event, []Identity, error) {
	ev := Event{ID: mg.MergeID, Action: ActionMerge, At: at, Actor: actor, CustomerIDs: []string{mg.MergedInto, mg.ID},
		Identities: refsOf(moving), Reason: reason, State: StatePending}
	if err := s.putEvent(ctx, ev); err != nil {
		return nil, nil, err
	}
	moved := make([]Identity, len(moving))
	models := make([]mongo.WriteModel, 0, len(moving))
	for i, idn := range moving {
		idn.CustomerID = mg.MergedInto
		idn.MergedFrom = append(slices.Clone(idn.MergedFrom), mg.ID)
		idn.MergeIDs = append(slices.Clone(idn.MergeIDs), mg.MergeID)
		moved[i] = idn
		models = append(models, mongo.NewUpdateOneModel().SetFilter(idFilter(idn.ID)).SetUpdate(bson.D{
			{Key: "$set", Value: bson.D{{Key: "customer_id", Value: idn.CustomerID}, {Key: "merged_from", Value: idn.MergedFrom}, {Key: "merge_ids", Value: idn.MergeIDs}}},
		}))
	}
	if err := bulkByID(ctx, s.identities, models); err != nil {
		return nil, nil, fmt.Errorf("move identities: %w", err)
	}
	if err := s.doneEvent(ctx, ev.ID); err != nil {
		return nil, nil, err
	}
	done, err := s.EventByID(ctx, ev.ID)
	return done, moved, err
}

// Split undoes the merge of mergedID into survivorID: the merged customer
// is active again and gets back the identities the merge moved. The steps
// mirror Merge's and can be re-run; asking again changes nothing. A
// survivor that was itself merged away must be split from its own survivor
// first (ErrInactive).
func (s *Store) Split(ctx context.Context, survivorID, mergedID, actor, reason string, at time.Time) (Change, error) {
	docs, err := s.CustomersByID(ctx, []string{survivorID, mergedID})
	if err != nil {
		return Change{}, err
	}
	if docs[0] == nil || docs[1] == nil {
		return Change{}, ErrNoCustomer
	}
	sv, mg := docs[0], docs[1]
	ch := Change{Customer: sv.ID}
	if mg.MergedInto == "" {
		if mg.SplitID == "" || mg.MergeID == "" {
			return ch, ErrNotMerged
		}
		// Already split: finish an interrupted split, report no change.
		ev, err := s.lockedSplit(ctx, sv.ID, *mg, actor, reason, at, nil)
		ch.Event = ev
		return ch, err
	}
	if mg.MergedInto != sv.ID {
		return ch, ErrNotMerged
	}
	if sv.MergedInto != "" {
		return ch, ErrInactive
	}
	splitID := splitEventID(mg.MergeID)
	ev, err := s.lockedSplit(ctx, sv.ID, *mg, actor, reason, at, func() error {
		if _, err := s.customers.UpdateOne(ctx, idFilter(mg.ID),
			bson.D{{Key: "$unset", Value: bson.D{{Key: "merged_into", Value: ""}}}, {Key: "$set", Value: bson.D{{Key: "split_id", Value: splitID}}}}); err != nil {
			return fmt.Errorf("mark split customer: %w", err)
		}
		mg.MergedInto, mg.SplitID = "", splitID
		return nil
	})
	if err != nil {
		return ch, err
	}
	ch.Changed, ch.Event = true, ev
	return ch, nil
}

// lockedSplit holds both customers' locks, checks that they are as the
// caller read them (mg as passed), and runs mark (nil for a re-run) and
// the rest of the split inside rekeying.
func (s *Store) lockedSplit(ctx context.Context, survivorID string, mg Customer, actor, reason string, at time.Time, mark func() error) (*Event, error) {
	release, err := s.lock(ctx, []string{survivorID, mg.ID})
	if err != nil {
		return nil, err
	}
	defer release()
	found, err := s.customersByID(ctx, []string{survivorID, mg.ID})
	if err != nil {
		return nil, err
	}
	now, sv := found[mg.ID], found[survivorID]
	if now == nil || sv == nil || sv.MergedInto != "" || now.MergedInto != mg.MergedInto || now.MergeID != mg.MergeID {
		return nil, ErrBusy // changed meanwhile: ask again
	}
	keys, err := s.lockedKeys(ctx, []string{survivorID, mg.ID})
	if err != nil {
		return nil, err
	}
	var back []Identity
	for _, idn := range keys[survivorID].Identities {
		if slices.Contains(idn.MergeIDs, mg.MergeID) {
			back = append(back, idn)
		}
	}
	var ev *Event
	err = s.rekeying(ctx, []string{survivorID, mg.ID}, func() (map[string]*keysDoc, error) {
		if mark != nil {
			if err := mark(); err != nil {
				return nil, err
			}
			mg.MergedInto, mg.SplitID = "", splitEventID(mg.MergeID)
		}
		var err error
		var moved []Identity
		ev, moved, err = s.finishSplit(ctx, survivorID, mg, back, actor, reason, at)
		if err != nil {
			return nil, err
		}
		sv, restored := keys[survivorID].clone(), keys[mg.ID].clone().with(moved...)
		for _, idn := range moved {
			sv.without(idn.ID)
		}
		sv.Merged = slices.DeleteFunc(sv.Merged, func(m string) bool { return m == mg.ID })
		return map[string]*keysDoc{survivorID: sv, mg.ID: restored}, nil
	})
	return ev, err
}

func splitEventID(mergeID string) string {
	h := sha256.Sum256([]byte("split\x00" + mergeID))
	return "evt_" + hex.EncodeToString(h[:12])
}

// finishSplit records the split and moves back the identities its merge
// brought (back, read under the locks), each by one write of its _id.
func (s *Store) finishSplit(ctx context.Context, survivorID string, mg Customer, back []Identity, actor, reason string, at time.Time) (*Event, []Identity, error) {
	ev := Event{ID: mg.SplitID, Action: ActionSplit, At: at, Actor: actor, CustomerIDs: []string{survivorID, mg.ID},
		Identities: refsOf(back), Reason: reason, State: StatePending}
	if err := s.putEvent(ctx, ev); err != nil {
		return nil, nil, err
	}
	moved := make([]Identity, len(back))
	models := make([]mongo.WriteModel, 0, len(back))
	for i, idn := range back {
		// As $pull would: every occurrence goes, an empty list stays.
		idn.CustomerID = mg.ID
		idn.MergedFrom = slices.DeleteFunc(append([]string{}, idn.MergedFrom...), func(v string) bool { return v == mg.ID })
		idn.MergeIDs = slices.DeleteFunc(append([]string{}, idn.MergeIDs...), func(v string) bool { return v == mg.MergeID })
		moved[i] = idn
		models = append(models, mongo.NewUpdateOneModel().SetFilter(idFilter(idn.ID)).SetUpdate(bson.D{
			{Key: "$set", Value: bson.D{{Key: "customer_id", Value: mg.ID}, {Key: "merged_from", Value: idn.MergedFrom}, {Key: "merge_ids", Value: idn.MergeIDs}}},
		}))
	}
	if err := bulkByID(ctx, s.identities, models); err != nil {
		return nil, nil, fmt.Errorf("move identities back: %w", err)
	}
	if err := s.doneEvent(ctx, ev.ID); err != nil {
		return nil, nil, err
	}
	done, err := s.EventByID(ctx, ev.ID)
	return done, moved, err
}

func (s *Store) resolveOne(ctx context.Context, id string) (*Customer, error) {
	res, err := s.Resolve(ctx, []string{id})
	if err != nil {
		return nil, err
	}
	if res[0] == nil {
		return nil, ErrNoCustomer
	}
	return res[0], nil
}

func (s *Store) owner(ctx context.Context, identityID string) (*Identity, error) {
	found, err := s.Owners(ctx, []string{identityID})
	if err != nil {
		return nil, err
	}
	return found[0], nil
}

func wrapStore(what string, err error) error {
	if errors.Is(err, ErrConflict) {
		return err
	}
	return fmt.Errorf("%s: %w", what, err)
}
