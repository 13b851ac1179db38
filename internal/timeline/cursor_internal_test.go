package timeline

import (
	"fmt"
	"reflect"
	"testing"
	"time"
)

// A cursor set many times (a page's entries, past the links it keeps
// above its map) answers each stream's newest position, and encodes to
// what a map of them encodes to.
func TestCursorSetManyTimes(t *testing.T) {
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	for _, n := range []int{0, 1, maxSet - 1, maxSet, maxSet + 1, 3*maxSet + 2} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			start, err := Decode(Cursor{pos: map[string]Position{"crm/interactions": {Until: at, Skip: 2}}}.Encode())
			if err != nil {
				t.Fatal(err)
			}
			c := start.WithFilter("f1")
			want := map[string]Position{"crm/interactions": {Until: at, Skip: 2}}
			for i := range n {
				stream := fmt.Sprintf("s%d/orders", i%5)
				p := Position{Until: at.Add(-time.Duration(i) * time.Minute), Skip: i % 3, Done: i%7 == 6}
				c = c.with(stream, p)
				want[stream] = p
			}
			for stream, p := range want {
				if got := c.Position(stream); got != p {
					t.Errorf("Position(%s) = %+v, want %+v", stream, got, p)
				}
			}
			if got := c.Position("absent"); got != (Position{}) {
				t.Errorf("Position(absent) = %+v, want the start", got)
			}
			back, err := Decode(c.Encode())
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(back.pos, want) || back.set != nil || back.Filter() != "f1" {
				t.Errorf("round trip: %+v %q, want %+v", back.pos, back.Filter(), want)
			}
			// The start is untouched by what was set on top of it.
			if len(start.pos) != 1 || start.set != nil {
				t.Errorf("the start cursor changed: %+v", start)
			}
		})
	}
}
