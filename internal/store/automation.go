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
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// The automation's collections (package internal/automation): the runs of
// journeys, and their state beside them (each customer's list of runs,
// frequency caps, per-journey counters). Every write is one document,
// made safe by its _id (a run is inserted once) or by the store's
// insert-once change lock around a read and a replace (FerretDB v1 has no
// multi-document transactions and does not apply a conditional update
// atomically); every read on the request path is by _id.
const (
	journeyRunsCollection  = "journey_runs"
	journeyStateCollection = "journey_state"
)

// Run states.
const (
	RunPending = "pending"
	RunSent    = "sent"
	RunSkipped = "skipped"
)

// maxRunsListed bounds the runs a customer's list keeps (the newest).
const maxRunsListed = 200

// JourneyRun is one run of a journey for one customer and one trigger. Its
// ID derives from the three, so a trigger seen twice (a retried webhook,
// two replicas hearing one event) is one run.
type JourneyRun struct {
	ID         string `bson:"_id"`
	Journey    string `bson:"journey"`
	CustomerID string `bson:"customer_id"`
	// Trigger is the stored event's ID (act_…) or the schedule's period
	// ("schedule:<n>"): never personal data.
	Trigger string `bson:"trigger"`
	State   string `bson:"state"`
	// Reason says why a run was skipped (consent, cap...).
	Reason string `bson:"reason,omitempty"`
	// Channel, Connector and MessageID say where a sent run went.
	Channel     string     `bson:"channel,omitempty"`
	Connector   string     `bson:"connector,omitempty"`
	MessageID   string     `bson:"message_id,omitempty"`
	TriggeredAt time.Time  `bson:"triggered_at"`
	DueAt       time.Time  `bson:"due_at"`
	DoneAt      *time.Time `bson:"done_at,omitempty"`
	ConvertedAt *time.Time `bson:"converted_at,omitempty"`
	// LeaseOwner holds the run until LeaseUntil: an engine that claimed it
	// and acts on it. Another engine may claim it once the lease expires.
	LeaseOwner string    `bson:"lease_owner,omitempty"`
	LeaseUntil time.Time `bson:"lease_until"`
	Attempts   int       `bson:"attempts"`
	// Notes say what happened on the way, oldest first ("whatsapp:
	// consent", "deferred: quiet hours"): codes, no personal data.
	Notes []string `bson:"notes,omitempty"`
}

// JourneyRunID derives a run's ID from its journey, customer and trigger.
func JourneyRunID(journey, customerID, trigger string) string {
	h := sha256.Sum256([]byte("journey-run\x00" + journey + "\x00" + customerID + "\x00" + trigger))
	return "jrn_" + hex.EncodeToString(h[:16])
}

func (s *Store) journeyRuns() *mongo.Collection {
	return s.customers.Database().Collection(journeyRunsCollection)
}

func (s *Store) journeyState() *mongo.Collection {
	return s.customers.Database().Collection(journeyStateCollection)
}

// runListID is the _id of a customer's list of runs.
func runListID(customerID string) string { return "jlist_" + customerID }

// withLock runs fn holding the store's change lock named key (an
// insert-once document, see lock): FerretDB v1 applies a conditional
// update by reading and writing the document whole, so a filter is no
// compare-and-set there, while a unique _id is.
func (s *Store) withLock(ctx context.Context, key string, fn func() error) error {
	release, err := s.lock(ctx, []string{key})
	if err != nil {
		return err
	}
	defer release()
	return fn()
}

// runList is a customer's list of runs.
type runList struct {
	ID   string   `bson:"_id"`
	Runs []string `bson:"runs"`
}

// AddJourneyRun inserts r unless a run with its ID exists, and reports
// whether it was inserted: false means the trigger was seen before. Its
// customer's list of runs then names it (under the customer's list lock).
func (s *Store) AddJourneyRun(ctx context.Context, r JourneyRun) (bool, error) {
	r.TriggeredAt, r.DueAt = r.TriggeredAt.UTC().Truncate(time.Millisecond), r.DueAt.UTC().Truncate(time.Millisecond)
	inserted, err := insertEach(ctx, s.journeyRuns(), []any{r})
	if err != nil {
		return false, fmt.Errorf("add journey run: %w", err)
	}
	// Listed even when the run was there: an insert whose listing failed
	// is completed by the retry.
	err = s.withLock(ctx, "jlist:"+r.CustomerID, func() error {
		l := runList{ID: runListID(r.CustomerID)}
		err := s.journeyState().FindOne(ctx, idFilter(l.ID)).Decode(&l)
		if err != nil && !errors.Is(err, mongo.ErrNoDocuments) {
			return err
		}
		if slices.Contains(l.Runs, r.ID) {
			return nil
		}
		l.Runs = append(l.Runs, r.ID)
		if len(l.Runs) > maxRunsListed {
			l.Runs = slices.Clone(l.Runs[len(l.Runs)-maxRunsListed:])
		}
		_, err = s.journeyState().ReplaceOne(ctx, idFilter(l.ID), l, options.Replace().SetUpsert(true))
		return err
	})
	if err != nil {
		return false, fmt.Errorf("list journey run: %w", err)
	}
	return inserted[0], nil
}

// JourneyRun returns the run with that ID, nil when there is none.
func (s *Store) JourneyRun(ctx context.Context, id string) (*JourneyRun, error) {
	var r JourneyRun
	err := s.journeyRuns().FindOne(ctx, idFilter(id)).Decode(&r)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("find journey run: %w", err)
	}
	return &r, nil
}

// JourneyRunsOf returns the customer's runs, newest trigger first, at most
// limit: the customer's list by _id, then its runs by _id.
func (s *Store) JourneyRunsOf(ctx context.Context, customerID string, limit int) ([]JourneyRun, error) {
	var list struct {
		Runs []string `bson:"runs"`
	}
	err := s.journeyState().FindOne(ctx, idFilter(runListID(customerID))).Decode(&list)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return []JourneyRun{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("find journey runs: %w", err)
	}
	ids := list.Runs[max(0, len(list.Runs)-maxRunsListed):]
	found, err := findByIDs(ctx, s, s.journeyRuns(), ids, nil, func(r *JourneyRun) string { return r.ID })
	if err != nil {
		return nil, fmt.Errorf("find journey runs: %w", err)
	}
	out := make([]JourneyRun, 0, len(found))
	for _, id := range ids {
		if r := found[id]; r != nil {
			out = append(out, *r)
		}
	}
	slices.SortStableFunc(out, func(a, b JourneyRun) int {
		if c := b.TriggeredAt.Compare(a.TriggeredAt); c != 0 {
			return c
		}
		return compareStrings(a.ID, b.ID)
	})
	if limit > 0 && len(out) > limit {
		out = out[:limit]
	}
	return out, nil
}

// JourneyRunsOfMany returns the runs of each customer (out[i] answers
// customerIDs[i]), newest trigger first: one batched read of the
// customers' lists by _id, then one of all their runs by _id (one `$in`
// each on MongoDB, _id finds on FerretDB), whatever the number of
// customers.
func (s *Store) JourneyRunsOfMany(ctx context.Context, customerIDs []string) ([][]JourneyRun, error) {
	listIDs := make([]string, len(customerIDs))
	for i, id := range customerIDs {
		listIDs[i] = runListID(id)
	}
	lists, err := findByIDs(ctx, s, s.journeyState(), slices.Compact(slices.Sorted(slices.Values(listIDs))), nil,
		func(l *runList) string { return l.ID })
	if err != nil {
		return nil, fmt.Errorf("find journey runs: %w", err)
	}
	var runIDs []string
	for _, l := range lists {
		runIDs = append(runIDs, l.Runs[max(0, len(l.Runs)-maxRunsListed):]...)
	}
	found, err := findByIDs(ctx, s, s.journeyRuns(), slices.Compact(slices.Sorted(slices.Values(runIDs))), nil,
		func(r *JourneyRun) string { return r.ID })
	if err != nil {
		return nil, fmt.Errorf("find journey runs: %w", err)
	}
	out := make([][]JourneyRun, len(customerIDs))
	for i, id := range listIDs {
		out[i] = []JourneyRun{}
		l := lists[id]
		if l == nil {
			continue
		}
		for _, rid := range l.Runs[max(0, len(l.Runs)-maxRunsListed):] {
			if r := found[rid]; r != nil {
				out[i] = append(out[i], *r)
			}
		}
		slices.SortStableFunc(out[i], func(a, b JourneyRun) int {
			if c := b.TriggeredAt.Compare(a.TriggeredAt); c != 0 {
				return c
			}
			return compareStrings(a.ID, b.ID)
		})
	}
	return out, nil
}

func compareStrings(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// DueJourneyRuns returns the IDs of up to limit pending runs due at now,
// soonest first. It scans the runs collection on FerretDB: the engine's
// timer asks it, never a request.
func (s *Store) DueJourneyRuns(ctx context.Context, now time.Time, limit int) ([]string, error) {
	cur, err := s.journeyRuns().Find(ctx, bson.D{
		{Key: "state", Value: RunPending},
		{Key: "due_at", Value: bson.D{{Key: "$lte", Value: now.UTC()}}},
	}, options.Find().SetSort(bson.D{{Key: "due_at", Value: 1}, {Key: "_id", Value: 1}}).
		SetLimit(int64(limit)).SetProjection(bson.D{{Key: "_id", Value: 1}}))
	if err != nil {
		return nil, fmt.Errorf("find due journey runs: %w", err)
	}
	ids, err := readIDs(ctx, cur)
	if err != nil {
		return nil, fmt.Errorf("read due journey runs: %w", err)
	}
	return ids, nil
}

// ClaimJourneyRun takes the lease of a pending run that is due and whose
// lease is free (never taken, or expired), for owner until now+lease,
// under the run's lock: of two engines claiming at once one wins. It
// returns the claimed run, nil when another holds it, it is not due or no
// longer pending.
func (s *Store) ClaimJourneyRun(ctx context.Context, id, owner string, now time.Time, lease time.Duration) (*JourneyRun, error) {
	now = now.UTC().Truncate(time.Millisecond)
	var claimed *JourneyRun
	err := s.withLock(ctx, "jrun:"+id, func() error {
		r, err := s.JourneyRun(ctx, id)
		if err != nil || r == nil || r.State != RunPending || r.DueAt.After(now) || r.LeaseUntil.After(now) {
			return err
		}
		r.LeaseOwner, r.LeaseUntil = owner, now.Add(lease)
		r.Attempts++
		if _, err := s.journeyRuns().ReplaceOne(ctx, idFilter(id), r); err != nil {
			return err
		}
		claimed = r
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("claim journey run: %w", err)
	}
	return claimed, nil
}

// updateHeld applies change to a pending run owner holds, under the run's
// lock, and reports false when owner no longer holds it (its lease
// expired and another engine took it).
func (s *Store) updateHeld(ctx context.Context, id, owner string, change func(r *JourneyRun)) (bool, error) {
	done := false
	err := s.withLock(ctx, "jrun:"+id, func() error {
		r, err := s.JourneyRun(ctx, id)
		if err != nil || r == nil || r.State != RunPending || r.LeaseOwner != owner {
			return err
		}
		change(r)
		if _, err := s.journeyRuns().ReplaceOne(ctx, idFilter(id), r); err != nil {
			return err
		}
		done = true
		return nil
	})
	return done, err
}

// FinishJourneyRun ends a run owner holds: state sent or skipped, with
// what r says of it (Reason, Channel, Connector, MessageID, Notes). It
// reports false when owner no longer holds the run.
func (s *Store) FinishJourneyRun(ctx context.Context, r JourneyRun, owner string, now time.Time) (bool, error) {
	at := now.UTC().Truncate(time.Millisecond)
	ok, err := s.updateHeld(ctx, r.ID, owner, func(d *JourneyRun) {
		d.State, d.Reason, d.Channel, d.Connector, d.MessageID, d.Notes = r.State, r.Reason, r.Channel, r.Connector, r.MessageID, r.Notes
		d.DoneAt, d.LeaseOwner, d.LeaseUntil = &at, "", time.Time{}
	})
	if err != nil {
		return false, fmt.Errorf("finish journey run: %w", err)
	}
	return ok, nil
}

// DeferJourneyRun puts a run owner holds back to wait until dueAt (quiet
// hours), freeing its lease, with notes. It reports false when owner no
// longer holds the run.
func (s *Store) DeferJourneyRun(ctx context.Context, id, owner string, dueAt time.Time, notes []string) (bool, error) {
	ok, err := s.updateHeld(ctx, id, owner, func(d *JourneyRun) {
		d.DueAt, d.Notes = dueAt.UTC().Truncate(time.Millisecond), notes
		d.LeaseOwner, d.LeaseUntil = "", time.Time{}
	})
	if err != nil {
		return false, fmt.Errorf("defer journey run: %w", err)
	}
	return ok, nil
}

// ConvertJourneyRun marks a sent run converted at at, once: it reports
// whether this call did.
func (s *Store) ConvertJourneyRun(ctx context.Context, id string, at time.Time) (bool, error) {
	done := false
	err := s.withLock(ctx, "jrun:"+id, func() error {
		r, err := s.JourneyRun(ctx, id)
		if err != nil || r == nil || r.State != RunSent || r.ConvertedAt != nil {
			return err
		}
		t := at.UTC().Truncate(time.Millisecond)
		r.ConvertedAt = &t
		if _, err := s.journeyRuns().ReplaceOne(ctx, idFilter(id), r); err != nil {
			return err
		}
		done = true
		return nil
	})
	if err != nil {
		return false, fmt.Errorf("convert journey run: %w", err)
	}
	return done, nil
}

// capDoc is the automated sends to one customer on one channel.
type capDoc struct {
	ID      string      `bson:"_id"`
	Times   []time.Time `bson:"times"`
	Version int64       `bson:"version"`
}

// maxCapRetention is how long a send counts towards any cap.
const maxCapRetention = 721 * time.Hour

func capID(customerID, channel string) string {
	h := sha256.Sum256([]byte("journey-cap\x00" + customerID + "\x00" + channel))
	return "jcap_" + hex.EncodeToString(h[:16])
}

// JourneySendsSince counts the automated sends to the customer on channel
// at or after since.
func (s *Store) JourneySendsSince(ctx context.Context, customerID, channel string, since time.Time) (int, error) {
	var d capDoc
	err := s.journeyState().FindOne(ctx, idFilter(capID(customerID, channel))).Decode(&d)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("find journey cap: %w", err)
	}
	n := 0
	for _, t := range d.Times {
		if !t.Before(since) {
			n++
		}
	}
	return n, nil
}

// ReserveJourneySend counts one automated send to the customer on channel
// at now, unless max of them happened within per before: it reports
// whether the send may go. Under the cap's lock, so two engines never
// both take the last slot.
func (s *Store) ReserveJourneySend(ctx context.Context, customerID, channel string, now time.Time, max int, per time.Duration) (bool, error) {
	id := capID(customerID, channel)
	now = now.UTC().Truncate(time.Millisecond)
	ok := false
	err := s.withLock(ctx, "jcap:"+id, func() error {
		d := capDoc{ID: id}
		err := s.journeyState().FindOne(ctx, idFilter(id)).Decode(&d)
		if err != nil && !errors.Is(err, mongo.ErrNoDocuments) {
			return err
		}
		kept, within := []time.Time{}, 0
		for _, t := range d.Times {
			if now.Sub(t) < maxCapRetention {
				kept = append(kept, t)
			}
			if now.Sub(t) < per {
				within++
			}
		}
		if within >= max {
			return nil
		}
		d.Times, d.Version = append(kept, now), d.Version+1
		if _, err := s.journeyState().ReplaceOne(ctx, idFilter(id), d, options.Replace().SetUpsert(true)); err != nil {
			return err
		}
		ok = true
		return nil
	})
	if err != nil {
		return false, fmt.Errorf("reserve journey send: %w", err)
	}
	return ok, nil
}

// counterID is the _id of a journey's counters.
func counterID(journey string) string { return "jstat_" + journey }

// AddJourneyCounts adds to a journey's counters (names are code-defined:
// triggered, sent, converted, skipped_<reason>), under the counters' lock.
func (s *Store) AddJourneyCounts(ctx context.Context, journey string, counts map[string]int64) error {
	if len(counts) == 0 {
		return nil
	}
	err := s.withLock(ctx, "jstat:"+journey, func() error {
		cur, err := s.JourneyCounts(ctx, journey)
		if err != nil {
			return err
		}
		doc := bson.D{{Key: "_id", Value: counterID(journey)}}
		for k, v := range counts {
			cur[k] += v
		}
		for _, k := range slices.Sorted(mapKeys(cur)) {
			doc = append(doc, bson.E{Key: k, Value: cur[k]})
		}
		_, err = s.journeyState().ReplaceOne(ctx, idFilter(counterID(journey)), doc, options.Replace().SetUpsert(true))
		return err
	})
	if err != nil {
		return fmt.Errorf("count journey: %w", err)
	}
	return nil
}

// JourneyCounts returns a journey's counters by name; empty when none.
func (s *Store) JourneyCounts(ctx context.Context, journey string) (map[string]int64, error) {
	var d bson.M
	err := s.journeyState().FindOne(ctx, idFilter(counterID(journey))).Decode(&d)
	out := map[string]int64{}
	if errors.Is(err, mongo.ErrNoDocuments) {
		return out, nil
	}
	if err != nil {
		return nil, fmt.Errorf("find journey counts: %w", err)
	}
	for k, v := range d {
		if k == "_id" {
			continue
		}
		switch n := v.(type) {
		case int32:
			out[k] = int64(n)
		case int64:
			out[k] = n
		case float64:
			out[k] = int64(n)
		}
	}
	return out, nil
}

func mapKeys[V any](m map[string]V) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

// journeyMarkID is the _id of the engines' catch-up mark.
const journeyMarkID = "jmark"

type journeyMark struct {
	ID string    `bson:"_id"`
	At time.Time `bson:"at"`
}

// JourneyMark returns the time before which every stored event was seen by
// a journey engine (package automation's catch-up); zero when no engine
// ever ran on this store.
func (s *Store) JourneyMark(ctx context.Context) (time.Time, error) {
	var m journeyMark
	err := s.journeyState().FindOne(ctx, idFilter(journeyMarkID)).Decode(&m)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return time.Time{}, nil
	}
	if err != nil {
		return time.Time{}, fmt.Errorf("find journey mark: %w", err)
	}
	return m.At, nil
}

// SetJourneyMark moves the mark forward to at, never back, under the
// mark's lock (replicas move it concurrently).
func (s *Store) SetJourneyMark(ctx context.Context, at time.Time) error {
	at = at.UTC().Truncate(time.Millisecond)
	err := s.withLock(ctx, "jmark", func() error {
		cur, err := s.JourneyMark(ctx)
		if err != nil || !cur.Before(at) {
			return err
		}
		_, err = s.journeyState().ReplaceOne(ctx, idFilter(journeyMarkID), journeyMark{ID: journeyMarkID, At: at}, options.Replace().SetUpsert(true))
		return err
	})
	if err != nil {
		return fmt.Errorf("set journey mark: %w", err)
	}
	return nil
}

// ActivitiesReceivedSince returns up to limit stored events received at or
// after since, oldest first. It scans the events collection on FerretDB:
// a journey engine asks it when it starts, never a request.
func (s *Store) ActivitiesReceivedSince(ctx context.Context, since time.Time, limit int) ([]Activity, error) {
	cur, err := s.events.Find(ctx, bson.D{{Key: "received_at", Value: bson.D{{Key: "$gte", Value: since.UTC()}}}},
		options.Find().SetSort(bson.D{{Key: "received_at", Value: 1}, {Key: "_id", Value: 1}}).SetLimit(int64(limit)))
	if err != nil {
		return nil, fmt.Errorf("find activities since: %w", err)
	}
	var out []Activity
	if err := cur.All(ctx, &out); err != nil {
		return nil, fmt.Errorf("read activities since: %w", err)
	}
	return out, nil
}
