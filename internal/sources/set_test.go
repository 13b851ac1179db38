package sources_test

import (
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/harmonyhq/harmony/internal/sources"
)

// closeCounter is a connector that counts its Close calls.
type closeCounter struct{ closed atomic.Int32 }

func (c *closeCounter) Close() error { c.closed.Add(1); return nil }

// The drain runs on a timer: in a bubble, its minute and the test's pauses
// take no real time, and synctest.Wait lets the closing goroutine finish.

func TestReplaceClosesOldSourcesAfterTheirOperations(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		oldConn, newConn := &closeCounter{}, &closeCounter{}
		set, err := sources.NewSet(sources.New("crm", "rest", oldConn, sources.Options{}, nil, nil))
		if err != nil {
			t.Fatal(err)
		}
		view, release := set.Pin() // an operation in flight

		if err := set.Replace([]*sources.Source{sources.New("crm", "rest", newConn, sources.Options{}, nil, nil)}, time.Minute, nil); err != nil {
			t.Fatal(err)
		}
		if got, _ := set.Get("crm"); got == nil {
			t.Fatal("the set lost its source")
		}
		// The operation keeps the old source; new ones see the new.
		oldSrc, _ := view.Get("crm")
		newSrc, _ := set.Get("crm")
		if oldSrc == newSrc {
			t.Fatal("the pinned view changed with the reload")
		}
		time.Sleep(59 * time.Second) // the operation runs long, within the drain
		synctest.Wait()
		if oldConn.closed.Load() != 0 {
			t.Fatal("the old connector was closed while an operation used it")
		}
		release()
		release() // idempotent
		synctest.Wait()
		if oldConn.closed.Load() != 1 || newConn.closed.Load() != 0 {
			t.Fatalf("closed old %d new %d, want 1 and 0", oldConn.closed.Load(), newConn.closed.Load())
		}
		if err := view.Replace(nil, time.Second, nil); err == nil {
			t.Error("a pinned view accepted a replacement")
		}
	})
}

func TestReplaceClosesAfterTheDrainTimeout(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		oldConn := &closeCounter{}
		set, _ := sources.NewSet(sources.New("crm", "rest", oldConn, sources.Options{}, nil, nil))
		_, release := set.Pin() // a subscription that never ends
		defer release()
		if err := set.Replace(nil, 20*time.Millisecond, nil); err != nil {
			t.Fatal(err)
		}
		time.Sleep(19 * time.Millisecond)
		synctest.Wait()
		if oldConn.closed.Load() != 0 {
			t.Fatal("the old connector was closed before the drain timeout")
		}
		time.Sleep(time.Millisecond)
		synctest.Wait()
		if oldConn.closed.Load() != 1 {
			t.Fatal("the old connector stayed open past the drain timeout")
		}
		if len(set.All()) != 0 {
			t.Errorf("set has %d sources, want 0", len(set.All()))
		}
	})
}

func TestReplaceRefusesDuplicateNames(t *testing.T) {
	set, _ := sources.NewSet()
	a := sources.New("crm", "rest", &closeCounter{}, sources.Options{}, nil, nil)
	b := sources.New("crm", "rest", &closeCounter{}, sources.Options{}, nil, nil)
	if err := set.Replace([]*sources.Source{a, b}, time.Second, nil); err == nil {
		t.Error("duplicate names accepted")
	}
}
