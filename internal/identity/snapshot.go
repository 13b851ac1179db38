package identity

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"maps"
	"slices"
	"time"

	"github.com/harmonyhq/harmony/internal/sources"
	"github.com/harmonyhq/harmony/internal/store"
)

// The sync keeps a snapshot of each listing system's records (reduced to
// what linking needs) in the profile store, and in memory between syncs:
//
//   - A system that can list its changes (connectors.ChangeLister) is
//     listed whole once every FullEvery, and in between only for the
//     records changed since the last complete listing (minus changeSkew,
//     for clocks that disagree); the sync still clusters over every
//     record, the snapshot holding the unchanged ones. Only a listing of
//     every record learns of deleted records.
//   - A system whose listing fails is replaced by its snapshot when its
//     last complete listing is at most SnapshotMaxAge old: the sync goes
//     on with that system's complete, slightly older evidence instead of
//     linking nothing. The failure is still reported (Report.Failed, and
//     Report.FromSnapshot names the systems replaced).
//
// Records carrying an erased person's key or identifier are never written
// to the snapshot, and an erasure deletes those written before (see
// store.EraseSourceRecords).

// Defaults of the Linker's snapshot settings.
const (
	DefaultFullEvery      = 24 * time.Hour
	DefaultSnapshotMaxAge = 24 * time.Hour
	// changeSkew is subtracted from the last listing's start when
	// listing changes since it: a record the system stamped a little
	// before by its own clock is read again rather than missed.
	changeSkew = 5 * time.Minute
)

// snapshot is one system's records as of its last complete listing.
type snapshot struct {
	listing store.SourceListing
	records map[string]record // by key
}

func (sn *snapshot) list() []record {
	out := make([]record, 0, len(sn.records))
	for _, k := range slices.Sorted(maps.Keys(sn.records)) {
		out = append(out, sn.records[k])
	}
	return out
}

func (l *Linker) now() time.Time {
	if l.Now != nil {
		return l.Now()
	}
	return time.Now()
}

func (l *Linker) fullEvery() time.Duration {
	if l.FullEvery > 0 {
		return l.FullEvery
	}
	return DefaultFullEvery
}

func (l *Linker) snapshotMaxAge() time.Duration {
	if l.SnapshotMaxAge > 0 {
		return l.SnapshotMaxAge
	}
	return DefaultSnapshotMaxAge
}

// snapshotOf returns system's snapshot: the one in memory, else the one in
// the store (nil when no listing of it completed yet).
func (l *Linker) snapshotOf(ctx context.Context, system string) (*snapshot, error) {
	l.snapMu.Lock()
	sn := l.snaps[system]
	l.snapMu.Unlock()
	if sn != nil {
		return sn, nil
	}
	listing, ok, err := l.Store.SourceListing(ctx, system)
	if err != nil || !ok {
		return nil, err
	}
	docs, err := l.Store.SourceRecords(ctx, system)
	if err != nil {
		return nil, err
	}
	sn = &snapshot{listing: listing, records: make(map[string]record, len(docs))}
	for _, d := range docs {
		sn.records[d.Key] = fromStored(d)
	}
	l.keep(system, sn)
	return sn, nil
}

func (l *Linker) keep(system string, sn *snapshot) {
	l.snapMu.Lock()
	defer l.snapMu.Unlock()
	if l.snaps == nil {
		l.snaps = map[string]*snapshot{}
	}
	if sn == nil {
		delete(l.snaps, system)
		return
	}
	l.snaps[system] = sn
}

// listSource lists one source (whole, or its changes since its snapshot)
// and brings its snapshot up to date. It returns the source's records, its
// snapshot's when the listing failed and the snapshot may stand in, and
// listed false when the source has no records to give this sync (its
// listing failed, with no snapshot young enough).
func (l *Linker) listSource(ctx context.Context, src *sources.Source, rep *Report, pol *Policy) (recs []record, listed bool, err error) {
	name := src.Name()
	sn, err := l.snapshotOf(ctx, name)
	if err != nil {
		// Without the snapshot the source is listed whole, as before
		// there was one.
		l.log().Warn("identity sync: snapshot unreadable; listing the source whole", "connector", name, "error", err.Error())
		sn = nil
	}
	started := l.now()
	// A snapshot reduced under another normalisation (a region, a blocked
	// value changed since) serves neither as the unchanged records nor as
	// a stand-in: the source is listed whole.
	fp := pol.fingerprint()
	usable := sn != nil && sn.listing.Policy == fp
	var since time.Time
	if usable && src.ListsChanges() && started.Sub(sn.listing.Full) < l.fullEvery() {
		since = sn.listing.Through.Add(-changeSkew)
	}
	got, u, err := l.list(ctx, src, pol, since)
	if err != nil {
		if ctx.Err() != nil {
			return nil, false, ctx.Err()
		}
		rep.Failed = append(rep.Failed, FailedSource{Name: name, Code: failureCode(err)})
		if usable && l.SnapshotMaxAge >= 0 && started.Sub(sn.listing.Through) <= l.snapshotMaxAge() {
			rep.FromSnapshot = append(rep.FromSnapshot, name)
			kept, n := l.unsuppressed(sn.list())
			rep.Suppressed += n
			return kept, true, nil
		}
		return nil, false, nil
	}
	rep.Invalid += u.invalid
	rep.Unmapped += u.unmapped
	next := &snapshot{listing: store.SourceListing{System: name, Full: started, Through: started, Policy: fp}}
	if since.IsZero() {
		next.records = make(map[string]record, len(got))
	} else {
		rep.Incremental = append(rep.Incremental, name)
		next.listing.Full = sn.listing.Full
		next.records = maps.Clone(sn.records)
	}
	for _, r := range got {
		next.records[r.key] = r
	}
	all, n := l.unsuppressed(next.list())
	rep.Suppressed += n
	if n > 0 {
		next.records = make(map[string]record, len(all))
		for _, r := range all {
			next.records[r.key] = r
		}
	}
	if err := l.save(ctx, sn, next); err != nil {
		// The store keeps its older snapshot; forgetting this one makes
		// the next sync start from that, so the two agree again.
		l.log().Warn("identity sync: snapshot not saved; the next sync lists from the previous one", "connector", name, "error", err.Error())
		l.keep(name, nil)
	} else {
		l.keep(name, next)
	}
	return all, true, nil
}

// save writes to the store what changed between two snapshots of one
// system: records added or changed, records gone.
func (l *Linker) save(ctx context.Context, prev, next *snapshot) error {
	var put []store.SourceRecord
	var drop []string
	for _, r := range next.list() {
		if prev != nil {
			if old, ok := prev.records[r.key]; ok && sameRecord(old, r) {
				continue
			}
		}
		put = append(put, toStored(r))
	}
	if prev != nil {
		for _, k := range slices.Sorted(maps.Keys(prev.records)) {
			if _, ok := next.records[k]; !ok {
				drop = append(drop, k)
			}
		}
	}
	return l.Store.SaveSourceRecords(ctx, next.listing, put, drop)
}

// fingerprint identifies what reducing a profile to a record depends on:
// the normaliser (regions, e-mail rules), the blocked values and the
// reserved domains' rule. Match rules and caps apply at clustering, to
// every record afresh, and are not part of it.
func (p *Policy) fingerprint() string {
	raw, err := json.Marshal(struct {
		Normalizer    Normalizer
		Blocked       map[string][]string
		AllowReserved bool
	}{p.Normalizer, p.blocked, p.allowReserved})
	if err != nil {
		// Plain data always marshals; a snapshot that never matches is
		// the safe side.
		return err.Error()
	}
	h := sha256.Sum256(raw)
	return hex.EncodeToString(h[:8])
}

func sameRecord(a, b record) bool {
	return a.system == b.system && a.key == b.key && a.given == b.given && a.family == b.family && a.birth == b.birth &&
		a.updated.Equal(b.updated) && slices.EqualFunc(a.refs, b.refs, func(x, y ref) bool {
		return x.kind == y.kind && x.value == y.value && x.status == y.status
	})
}

func toStored(r record) store.SourceRecord {
	d := store.SourceRecord{System: r.system, Key: r.key, Given: r.given, Family: r.family, Birth: r.birth, Updated: r.updated.UTC()}
	for _, rf := range r.refs {
		d.Refs = append(d.Refs, store.RecordRef{Kind: rf.kind, Value: rf.value, Status: rf.status})
		d.IdentityIDs = append(d.IdentityIDs, rf.id())
	}
	return d
}

func fromStored(d store.SourceRecord) record {
	r := record{system: d.System, key: d.Key, given: d.Given, family: d.Family, birth: d.Birth, updated: d.Updated}
	for _, rf := range d.Refs {
		r.refs = append(r.refs, ref{kind: rf.Kind, value: rf.Value, status: rf.Status})
	}
	return r
}
