package journey

import (
	"slices"
	"testing"
	"time"

	"github.com/harmonyhq/harmony/connectors"
)

var t0 = time.Date(2026, 10, 1, 9, 0, 0, 0, time.UTC)

func item(source, id, channel, typ, ref string, hours float64) Item {
	return Item{Source: source, Interaction: connectors.Interaction{ID: id, Channel: channel, Type: typ, ThreadRef: ref,
		OccurredAt: t0.Add(time.Duration(hours * float64(time.Hour)))}}
}

func TestThreads(t *testing.T) {
	tests := []struct {
		name     string
		items    []Item
		want     [][]string // item IDs per thread, most recently active first
		channels [][]string
	}{
		{
			name: "shared ref across systems, far apart",
			items: []Item{
				item("helpdesk", "c1", "chat", "conversation", "T1", 0),
				item("helpdesk", "w1", "whatsapp", "conversation", "T1", 100),
				item("callcenter", "p1", "phone", "call", "T1", 200),
			},
			want:     [][]string{{"c1", "w1", "p1"}},
			channels: [][]string{{"chat", "whatsapp", "phone"}},
		},
		{
			name: "no ref: within the window on service channels",
			items: []Item{
				item("helpdesk", "c1", "chat", "conversation", "", 0),
				item("helpdesk", "w1", "whatsapp", "message", "", 10),
				item("callcenter", "p1", "phone", "call", "", 30),
				item("callcenter", "p2", "phone", "call", "", 100),
			},
			want:     [][]string{{"p2"}, {"c1", "w1", "p1"}},
			channels: [][]string{{"phone"}, {"chat", "whatsapp", "phone"}},
		},
		{
			name: "different refs are different threads",
			items: []Item{
				item("helpdesk", "c1", "chat", "conversation", "A", 0),
				item("helpdesk", "c2", "chat", "conversation", "B", 1),
				item("helpdesk", "c3", "whatsapp", "conversation", "A", 2),
			},
			want:     [][]string{{"c1", "c3"}, {"c2"}},
			channels: [][]string{{"chat", "whatsapp"}, {"chat"}},
		},
		{
			name: "marketing and visits are not threaded",
			items: []Item{
				item("mailing", "m1", "email", "email_sent", "", 0),
				item("web", "v1", "web", "visit", "", 1),
				item("helpdesk", "c1", "chat", "conversation", "", 2),
			},
			want:     [][]string{{"c1"}},
			channels: [][]string{{"chat"}},
		},
		{
			name: "a ref-less contact then a ref joins the recent thread",
			items: []Item{
				item("harmony", "n1", "phone", "call", "", 0),
				item("helpdesk", "c1", "chat", "conversation", "T9", 5),
			},
			want:     [][]string{{"n1", "c1"}},
			channels: [][]string{{"phone", "chat"}},
		},
		{
			name: "a stored copy of a system's interaction counts once",
			items: []Item{
				{Source: "harmony", Origin: "helpdesk", OriginID: "c1", Interaction: connectors.Interaction{ID: "act_1", Channel: "chat", Type: "conversation", ThreadRef: "T1", OccurredAt: t0}},
				item("helpdesk", "c1", "chat", "conversation", "T1", 0),
			},
			want:     [][]string{{"c1"}},
			channels: [][]string{{"chat"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Threads(tt.items, 0, t0.Add(300*time.Hour))
			if len(got) != len(tt.want) {
				t.Fatalf("got %d threads, want %d: %+v", len(got), len(tt.want), got)
			}
			for i, th := range got {
				var ids []string
				for _, it := range th.Items {
					ids = append(ids, it.Interaction.ID)
				}
				if !slices.Equal(ids, tt.want[i]) || !slices.Equal(th.Channels, tt.channels[i]) {
					t.Errorf("thread %d = %v on %v, want %v on %v", i, ids, th.Channels, tt.want[i], tt.channels[i])
				}
				if th.Open {
					t.Errorf("thread %d is open after 300 h", i)
				}
			}
		})
	}
}

func TestThreadIDIsStableAndOpaque(t *testing.T) {
	items := []Item{item("helpdesk", "c1", "chat", "conversation", "T1", 0), item("helpdesk", "w1", "whatsapp", "conversation", "T1", 1)}
	a := Threads(items, time.Hour, t0.Add(90*time.Minute))
	b := Threads(slices.Clone(items[:1]), time.Hour, t0)
	if a[0].ID != b[0].ID || len(a[0].ID) < 10 || a[0].ID == "c1" {
		t.Fatalf("ids %q %q", a[0].ID, b[0].ID)
	}
	if !a[0].Open {
		t.Fatal("a thread active 30 min ago within a 1 h window is open")
	}
}
