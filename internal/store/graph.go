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
			return nil, fmt.Errorf("resolve customers: more than %d merges deep", maxHops)
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

// MergedIDs returns out[i], the customers merged directly into ids[i]. One
// query.
func (s *Store) MergedIDs(ctx context.Context, ids []string) ([][]string, error) {
	cur, err := s.customers.Find(ctx, bson.D{{Key: "merged_into", Value: bson.D{{Key: "$in", Value: ids}}}})
	if err != nil {
		return nil, fmt.Errorf("find merged customers: %w", err)
	}
	var found []Customer
	if err := cur.All(ctx, &found); err != nil {
		return nil, fmt.Errorf("read merged customers: %w", err)
	}
	by := map[string][]string{}
	for _, c := range found {
		by[c.MergedInto] = append(by[c.MergedInto], c.ID)
	}
	out := make([][]string, len(ids))
	for i, id := range ids {
		out[i] = by[id]
		slices.Sort(out[i])
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
	ids = slices.Clone(ids)
	slices.Sort(ids)
	ids = slices.Compact(ids)
	owner := newEventID()
	var held []string
	release = func() {
		for _, id := range held {
			_, _ = s.locks.DeleteOne(context.WithoutCancel(ctx), bson.D{{Key: "_id", Value: "lock:" + id}, {Key: "owner", Value: owner}})
		}
	}
	for _, id := range ids {
		key := "lock:" + id
		deadline := time.Now().Add(5 * time.Second)
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
	n, err := s.identities.CountDocuments(ctx, bson.D{{Key: "customer_id", Value: c.ID}})
	if err != nil {
		return ch, fmt.Errorf("count identities: %w", err)
	}
	if int(n) >= maxIdentities {
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
	if existing != nil {
		res, err := s.identities.UpdateOne(ctx, bson.D{{Key: "_id", Value: id.ID}, {Key: "customer_id", Value: ""}},
			bson.D{{Key: "$set", Value: bson.D{{Key: "customer_id", Value: id.CustomerID}, {Key: "rule", Value: id.Rule},
				{Key: "source", Value: id.Source}, {Key: "confidence", Value: id.Confidence}, {Key: "linked_at", Value: id.LinkedAt},
				{Key: "status", Value: id.Status}}}})
		if err == nil && res.MatchedCount == 0 {
			err = ErrConflict // linked by someone else meanwhile
		}
		if err != nil {
			_ = s.dropEvent(ctx, ev.ID)
			return ch, wrapStore("relink identity", err)
		}
	} else if _, err := s.identities.InsertOne(ctx, id); err != nil {
		_ = s.dropEvent(ctx, ev.ID)
		if mongo.IsDuplicateKeyError(err) {
			return ch, ErrConflict
		}
		return ch, fmt.Errorf("link identity: %w", err)
	}
	if err := s.doneEvent(ctx, ev.ID); err != nil {
		return ch, err
	}
	ev.State = StateDone
	ch.Changed, ch.Event = true, &ev
	return ch, nil
}

// Unlink removes an identity from a customer. An identifier stays in the
// store, owned by nobody, so the linker never links it back by itself. A
// system's key (KindExternalID) moves to a customer of its own, whose ID is
// derived from the key and the customer it left, so a re-run finds it.
func (s *Store) Unlink(ctx context.Context, customerID, identityID, actor, reason string, at time.Time) (Change, error) {
	c, err := s.resolveOne(ctx, customerID)
	if err != nil {
		return Change{}, err
	}
	release, err := s.lock(ctx, []string{c.ID})
	if err != nil {
		return Change{}, err
	}
	defer release()
	ch := Change{Customer: c.ID}
	existing, err := s.owner(ctx, identityID)
	if err != nil {
		return ch, err
	}
	if existing == nil || existing.CustomerID != c.ID {
		if existing != nil && existing.Status == StatusUnlinked {
			return ch, nil
		}
		if existing != nil && existing.Kind == KindExternalID && existing.CustomerID == detachedID(*existing, c.ID) {
			ch.Detached = existing.CustomerID
			return ch, nil
		}
		return ch, ErrNotLinked
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
	if err := s.putEvent(ctx, ev); err != nil {
		return ch, err
	}
	if ch.Detached != "" {
		if _, err := s.AddCustomers(ctx, []Customer{{ID: ch.Detached, CreatedAt: at}}); err != nil {
			return ch, err
		}
		// A key detached, merged back and detached again reuses its customer.
		if _, err := s.customers.UpdateOne(ctx, bson.D{{Key: "_id", Value: ch.Detached}},
			bson.D{{Key: "$unset", Value: bson.D{{Key: "merged_into", Value: ""}}}}); err != nil {
			return ch, fmt.Errorf("reactivate detached customer: %w", err)
		}
	}
	if _, err := s.identities.UpdateOne(ctx, bson.D{{Key: "_id", Value: identityID}, {Key: "customer_id", Value: c.ID}},
		bson.D{{Key: "$set", Value: set}, {Key: "$unset", Value: bson.D{{Key: "merged_from", Value: ""}, {Key: "merge_ids", Value: ""}}}}); err != nil {
		return ch, fmt.Errorf("unlink identity: %w", err)
	}
	if err := s.doneEvent(ctx, ev.ID); err != nil {
		return ch, err
	}
	ev.State = StateDone
	ch.Changed, ch.Event = true, &ev
	return ch, nil
}

// detachedID is the customer a system's key gets when unlinked from from.
func detachedID(key Identity, from string) string {
	h := sha256.Sum256([]byte("detached\x00" + key.System + "\x00" + key.Value + "\x00" + from))
	return "cus_" + hex.EncodeToString(h[:8])
}

// Merge merges mergedID into survivorID. The steps, each a single-document
// write that can be re-run:
//
//  1. with both customers locked and still active, the merged customer is
//     marked merged_into the survivor with a new merge event ID (the
//     commit point);
//  2. the event is recorded with the identities being moved;
//  3. every identity of the merged customer moves to the survivor,
//     remembering where it came from;
//  4. the event is marked done.
//
// Asking again, after success or a crash after step 1, re-runs steps 2 to 4
// and reports no change.
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
	counts, err := s.countIdentities(ctx, []string{sv.ID, mg.ID})
	if err != nil {
		return Change{}, false, err
	}
	if counts[0]+counts[1] > maxIdentities {
		return Change{}, false, ErrLimit
	}
	eventID := newEventID()
	upd, err := s.customers.UpdateOne(ctx,
		bson.D{{Key: "_id", Value: mg.ID}, {Key: "merged_into", Value: bson.D{{Key: "$exists", Value: false}}}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "merged_into", Value: sv.ID}, {Key: "merge_id", Value: eventID}}},
			{Key: "$unset", Value: bson.D{{Key: "split_id", Value: ""}}}})
	if err != nil {
		return Change{}, false, fmt.Errorf("mark merged customer: %w", err)
	}
	if upd.MatchedCount == 0 {
		return Change{}, true, nil
	}
	mg.MergedInto, mg.MergeID = sv.ID, eventID
	ev, err := s.finishMerge(ctx, *mg, actor, reason, at)
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
		ev, err := s.finishMerge(ctx, *docs[0], actor, reason, at)
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

// finishMerge runs steps 2 to 4 of Merge for a customer marked merged.
func (s *Store) finishMerge(ctx context.Context, mg Customer, actor, reason string, at time.Time) (*Event, error) {
	moving, err := s.IdentitiesOf(ctx, []string{mg.ID})
	if err != nil {
		return nil, err
	}
	ev := Event{ID: mg.MergeID, Action: ActionMerge, At: at, Actor: actor, CustomerIDs: []string{mg.MergedInto, mg.ID},
		Identities: refsOf(moving[0]), Reason: reason, State: StatePending}
	if err := s.putEvent(ctx, ev); err != nil {
		return nil, err
	}
	if _, err := s.identities.UpdateMany(ctx, bson.D{{Key: "customer_id", Value: mg.ID}}, bson.D{
		{Key: "$set", Value: bson.D{{Key: "customer_id", Value: mg.MergedInto}}},
		{Key: "$push", Value: bson.D{{Key: "merged_from", Value: mg.ID}, {Key: "merge_ids", Value: mg.MergeID}}},
	}); err != nil {
		return nil, fmt.Errorf("move identities: %w", err)
	}
	if err := s.doneEvent(ctx, ev.ID); err != nil {
		return nil, err
	}
	return s.EventByID(ctx, ev.ID)
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
		ev, err := s.finishSplit(ctx, sv.ID, *mg, actor, reason, at)
		ch.Event = ev
		return ch, err
	}
	if mg.MergedInto != sv.ID {
		return ch, ErrNotMerged
	}
	if sv.MergedInto != "" {
		return ch, ErrInactive
	}
	release, err := s.lock(ctx, []string{sv.ID, mg.ID})
	if err != nil {
		return ch, err
	}
	defer release()
	splitID := splitEventID(mg.MergeID)
	upd, err := s.customers.UpdateOne(ctx,
		bson.D{{Key: "_id", Value: mg.ID}, {Key: "merged_into", Value: sv.ID}, {Key: "merge_id", Value: mg.MergeID}},
		bson.D{{Key: "$unset", Value: bson.D{{Key: "merged_into", Value: ""}}}, {Key: "$set", Value: bson.D{{Key: "split_id", Value: splitID}}}})
	if err != nil {
		return ch, fmt.Errorf("mark split customer: %w", err)
	}
	if upd.MatchedCount == 0 {
		return ch, ErrBusy
	}
	mg.MergedInto, mg.SplitID = "", splitID
	ev, err := s.finishSplit(ctx, sv.ID, *mg, actor, reason, at)
	if err != nil {
		return ch, err
	}
	ch.Changed, ch.Event = true, ev
	return ch, nil
}

func splitEventID(mergeID string) string {
	h := sha256.Sum256([]byte("split\x00" + mergeID))
	return "evt_" + hex.EncodeToString(h[:12])
}

func (s *Store) finishSplit(ctx context.Context, survivorID string, mg Customer, actor, reason string, at time.Time) (*Event, error) {
	cur, err := s.identities.Find(ctx, bson.D{{Key: "merge_ids", Value: mg.MergeID}})
	if err != nil {
		return nil, fmt.Errorf("find merged identities: %w", err)
	}
	var back []Identity
	if err := cur.All(ctx, &back); err != nil {
		return nil, fmt.Errorf("read merged identities: %w", err)
	}
	ev := Event{ID: mg.SplitID, Action: ActionSplit, At: at, Actor: actor, CustomerIDs: []string{survivorID, mg.ID},
		Identities: refsOf(back), Reason: reason, State: StatePending}
	if err := s.putEvent(ctx, ev); err != nil {
		return nil, err
	}
	if _, err := s.identities.UpdateMany(ctx,
		bson.D{{Key: "customer_id", Value: survivorID}, {Key: "merge_ids", Value: mg.MergeID}}, bson.D{
			{Key: "$set", Value: bson.D{{Key: "customer_id", Value: mg.ID}}},
			{Key: "$pull", Value: bson.D{{Key: "merged_from", Value: mg.ID}, {Key: "merge_ids", Value: mg.MergeID}}},
		}); err != nil {
		return nil, fmt.Errorf("move identities back: %w", err)
	}
	if err := s.doneEvent(ctx, ev.ID); err != nil {
		return nil, err
	}
	return s.EventByID(ctx, ev.ID)
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

// countIdentities returns the number of identities of each customer.
func (s *Store) countIdentities(ctx context.Context, ids []string) ([]int, error) {
	all, err := s.IdentitiesOf(ctx, ids)
	if err != nil {
		return nil, err
	}
	out := make([]int, len(ids))
	for i := range all {
		out[i] = len(all[i])
	}
	return out, nil
}

func wrapStore(what string, err error) error {
	if errors.Is(err, ErrConflict) {
		return err
	}
	return fmt.Errorf("%s: %w", what, err)
}
