package timeline

import (
	"fmt"
	"testing"
	"time"

	"github.com/harmonyhq/harmony/connectors"
)

// benchStreams is what a page of n asks of each of k sources: n+1 items
// each, newest first, interleaved in time across sources.
func benchStreams(k, n int) []Stream {
	streams := make([]Stream, k)
	for s := range streams {
		name := fmt.Sprintf("src%d/interactions", s)
		st := Stream{Name: name, Source: fmt.Sprintf("src%d", s), Capability: connectors.CapInteractions, Asked: n + 1}
		for i := range n + 1 {
			at := t0.Add(-time.Duration(i*k+s) * time.Minute)
			st.Items = append(st.Items, Item{ID: fmt.Sprintf("%s-%d", name, i), At: at})
		}
		streams[s] = st
	}
	return streams
}

// BenchmarkMerge merges a first page of 10 and of 50 entries from 3 and 6
// sources, as the timeline field does.
func BenchmarkMerge(b *testing.B) {
	for _, tc := range []struct{ sources, n int }{{3, 10}, {6, 10}, {6, 50}} {
		b.Run(fmt.Sprintf("sources=%d/first=%d", tc.sources, tc.n), func(b *testing.B) {
			streams := benchStreams(tc.sources, tc.n)
			b.ReportAllocs()
			for b.Loop() {
				p := Merge(Cursor{}, streams, tc.n)
				if len(p.Entries) != tc.n {
					b.Fatalf("%d entries, want %d", len(p.Entries), tc.n)
				}
			}
		})
	}
}

// BenchmarkNextPage encodes the cursor after a page and decodes it for the
// next, as a client paging through does.
func BenchmarkNextPage(b *testing.B) {
	streams := benchStreams(6, 10)
	end := Merge(Cursor{}, streams, 10).End
	b.ReportAllocs()
	for b.Loop() {
		c, err := Decode(end.Encode())
		if err != nil {
			b.Fatal(err)
		}
		if _, ok := c.Window(streams[0].Name, 10); !ok {
			b.Fatal("stream done after one page")
		}
	}
}
