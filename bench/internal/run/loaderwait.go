package run

import (
	"context"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/harmonyhq/harmony/connectors"
	"github.com/harmonyhq/harmony/internal/loaders"
	"github.com/harmonyhq/harmony/internal/sources"
)

// stamping is a Go connector that notes when each batch reaches it.
type stamping struct {
	mu   sync.Mutex
	last time.Time
}

func (s *stamping) Close() error { return nil }

func (s *stamping) Profiles(_ context.Context, keys []string) ([]*connectors.Profile, error) {
	s.mu.Lock()
	s.last = time.Now()
	s.mu.Unlock()
	out := make([]*connectors.Profile, len(keys))
	for i, k := range keys {
		out[i] = &connectors.Profile{Key: k}
	}
	return out, nil
}

func (s *stamping) at() time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.last
}

// measureLoaderWait measures, on the gateway's own loaders and guard, how
// long a level's batch waits after its last key before it is sent: each
// sample loads keys from one fresh operation's loader at once, the way a
// level of resolvers does, and times from the last Load to the batch
// reaching the connector.
func measureLoaderWait(ctx context.Context, samples, keys int) (LoaderWait, error) {
	conn := &stamping{}
	src := sources.New("stamp", "go", conn, sources.Options{}, nil, slog.New(slog.DiscardHandler))
	set, err := sources.NewSet(src)
	if err != nil {
		return LoaderWait{}, err
	}
	defer func() { _ = set.Close() }()
	f := &loaders.Factory{Sources: set}
	waits := make([]time.Duration, 0, samples)
	for range samples {
		l := f.New()
		thunks := make([]func() (loaders.ProfileRecord, error), keys)
		var last time.Time
		for k := range keys {
			last = time.Now()
			thunks[k] = l.Profile(ctx, src, string(rune('a'+k)))
		}
		for _, th := range thunks {
			if _, err := th(); err != nil {
				l.Done()
				return LoaderWait{}, err
			}
		}
		l.Done()
		waits = append(waits, conn.at().Sub(last))
	}
	slices.Sort(waits)
	ms := func(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
	return LoaderWait{
		Samples:  samples,
		P50MS:    ms(waits[len(waits)/2]),
		P99MS:    ms(waits[min(len(waits)-1, len(waits)*99/100)]),
		LevelsOf: "one resolver outside any level: keys loaded together, timed from the last Load to the batch reaching the connector (sent when the resolver waits)",
	}, nil
}
