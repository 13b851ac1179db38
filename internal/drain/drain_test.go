package drain_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/harmonyhq/harmony/internal/drain"
)

func TestDrainer(t *testing.T) {
	tests := []struct {
		name    string
		streams int
		end     int // streams that end during the drain
		wantErr error
	}{
		{"nothing open", 0, 0, nil},
		{"every stream ends", 3, 3, nil},
		{"one stream hangs", 2, 1, context.DeadlineExceeded},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := drain.New()
			var ends []func()
			for range tt.streams {
				end, ok := d.Track()
				if !ok {
					t.Fatal("refused before draining")
				}
				ends = append(ends, end)
			}
			go func() {
				<-d.Done()
				for _, end := range ends[:tt.end] {
					end()
					end() // twice is harmless
				}
			}()
			ctx, cancel := context.WithTimeout(t.Context(), 300*time.Millisecond)
			defer cancel()
			if err := d.Wait(ctx); !errors.Is(err, tt.wantErr) {
				t.Fatalf("Wait = %v, want %v", err, tt.wantErr)
			}
			if got := d.Streams(); got != tt.streams-tt.end {
				t.Errorf("%d streams open, want %d", got, tt.streams-tt.end)
			}
			if _, ok := d.Track(); ok || !d.Draining() {
				t.Error("a stream was tracked while draining")
			}
		})
	}
}

func TestNilDrainerNeverDrains(t *testing.T) {
	var d *drain.Drainer
	end, ok := d.Track()
	end()
	if !ok || d.Done() != nil || d.Draining() || d.Wait(t.Context()) != nil {
		t.Error("a nil Drainer drains")
	}
	if drain.From(context.Background()) != nil || drain.From(drain.With(t.Context(), drain.New())) == nil {
		t.Error("From does not return what With put")
	}
}
