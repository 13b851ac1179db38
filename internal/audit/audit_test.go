package audit

import (
	"context"
	"slices"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/harmonyhq/harmony/internal/store"
	"github.com/harmonyhq/harmony/internal/store/storetest"
)

func TestCollectorTakesWhatWasNoted(t *testing.T) {
	c := &Collector{}
	ctx := With(context.Background(), c)
	NotePII(ctx, "Identity.value", "cus_b")
	NotePII(ctx, "Identity.value", "cus_a")
	NotePII(ctx, "ProfileField.value", "")
	NoteCustomer(ctx, "cus_c")
	NotePII(context.Background(), "Ignored.value", "cus_x") // no collector: nothing
	fields, customers, _ := c.take()
	if len(fields) != 2 || fields[0] != "Identity.value" || fields[1] != "ProfileField.value" {
		t.Errorf("fields = %v", fields)
	}
	if len(customers) != 3 || customers[0] != "cus_a" || customers[2] != "cus_c" {
		t.Errorf("customers = %v", customers)
	}
	if f, cs, _ := c.take(); len(f)+len(cs) != 0 {
		t.Errorf("take did not reset: %v %v", f, cs)
	}
}

func TestLogWritesAndCountsDrops(t *testing.T) {
	st := storetest.Open(t)
	l := NewLog(st, 1, nil, nil)
	// Stop the writer first, so the queue of one fills and the rest drop.
	l.once.Do(func() { close(l.stop); l.wg.Wait() })
	at := time.Now()
	for i := range 3 {
		l.Add(store.AuditEntry{ID: newID(at, i), At: at, Actor: "t", OperationType: "query"})
	}
	if l.Dropped() != 2 || l.Pending() != 1 {
		t.Fatalf("dropped %d, pending %d; want 2 and 1", l.Dropped(), l.Pending())
	}

	w := NewLog(st, 0, nil, nil)
	w.Add(store.AuditEntry{ID: newID(at, 9), At: at, Actor: "t", OperationType: "mutation", Mutations: []string{"Mutation.x"}})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	w.Close(ctx)
	if w.Written() != 1 || w.Failed() != 0 {
		t.Fatalf("written %d, failed %d", w.Written(), w.Failed())
	}
	got, err := st.AuditLog(ctx, store.AuditQuery{Limit: 10})
	if err != nil || len(got) != 1 || got[0].Mutations[0] != "Mutation.x" {
		t.Fatalf("audit log = %+v, %v", got, err)
	}
}

// newID is a distinct audit ID per i.
func newID(at time.Time, i int) string { return store.NewAuditID(at.Add(time.Duration(i))) }

// countingWriter notes the size of each insert.
type countingWriter struct {
	mu      sync.Mutex
	inserts []int
}

func (w *countingWriter) AddAudit(_ context.Context, entries []store.AuditEntry) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.inserts = append(w.inserts, len(entries))
	return nil
}

func (w *countingWriter) sizes() []int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return slices.Clone(w.inserts)
}

func TestLogBatchesWhatArrivesWithinTheLinger(t *testing.T) {
	entry := func(i int) store.AuditEntry {
		return store.AuditEntry{ID: newID(time.Unix(0, 0), i), Actor: "t", OperationType: "query"}
	}
	cases := []struct {
		name  string
		added int
		flush bool // Flush instead of waiting out the linger
		want  []int
	}{
		{name: "a few entries, one insert after the linger", added: 5, want: []int{5}},
		{name: "a flush writes at once", added: 3, flush: true, want: []int{3}},
		{name: "full batches leave at once, the rest after the linger", added: 2*writeBatch + 7, want: []int{writeBatch, writeBatch, 7}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				w := &countingWriter{}
				l := NewLog(w, 0, nil, nil)
				defer l.Close(t.Context())
				for i := range tc.added {
					l.Add(entry(i))
				}
				synctest.Wait()
				full := tc.added / writeBatch
				if got := w.sizes(); len(got) != full {
					t.Fatalf("before the linger: inserts %v, want %d full ones", got, full)
				}
				if tc.flush {
					if err := l.Flush(t.Context()); err != nil {
						t.Fatal(err)
					}
				} else {
					time.Sleep(DefaultLinger)
					synctest.Wait()
				}
				if got := w.sizes(); !slices.Equal(got, tc.want) {
					t.Errorf("inserts %v, want %v", got, tc.want)
				}
				if l.Written() != int64(tc.added) {
					t.Errorf("written %d, want %d", l.Written(), tc.added)
				}
			})
		})
	}
}
