package resolvers

import (
	"errors"
	"testing"
	"time"

	"github.com/harmonyhq/harmony/graph/model"
	"github.com/harmonyhq/harmony/internal/apperr"
)

func TestParseTimelineFilter(t *testing.T) {
	t0 := time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)
	later := t0.Add(time.Hour)
	tests := []struct {
		name                 string
		in                   *model.TimelineFilter
		bad                  bool
		orders, interactions bool
	}{
		{"none", nil, false, true, true},
		{"empty channels", &model.TimelineFilter{Channels: []model.Channel{}}, true, false, false},
		{"empty kinds", &model.TimelineFilter{Kinds: []model.TimelineKind{}}, true, false, false},
		{"since after until", &model.TimelineFilter{Since: &later, Until: &t0}, true, false, false},
		{"orders only", &model.TimelineFilter{Kinds: []model.TimelineKind{model.TimelineKindOrder}}, false, true, false},
		{"chat only", &model.TimelineFilter{Channels: []model.Channel{model.ChannelChat}}, false, false, true},
		{"store orders", &model.TimelineFilter{Channels: []model.Channel{model.ChannelStore}, Kinds: []model.TimelineKind{model.TimelineKindOrder}}, false, true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := parseTimelineFilter(tt.in)
			var ae *apperr.Error
			if tt.bad {
				if !errors.As(err, &ae) || ae.Code != apperr.CodeBadInput {
					t.Fatalf("err = %v, want BAD_USER_INPUT", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if f.wantsOrders() != tt.orders || f.wantsInteractions() != tt.interactions {
				t.Errorf("orders %v interactions %v, want %v %v", f.wantsOrders(), f.wantsInteractions(), tt.orders, tt.interactions)
			}
		})
	}
}

func TestTimelineCursorIsBoundToItsFilter(t *testing.T) {
	chat, _ := parseTimelineFilter(&model.TimelineFilter{Channels: []model.Channel{model.ChannelChat, model.ChannelChat}})
	same, _ := parseTimelineFilter(&model.TimelineFilter{Channels: []model.Channel{model.ChannelChat}})
	phone, _ := parseTimelineFilter(&model.TimelineFilter{Channels: []model.Channel{model.ChannelPhone}})
	if chat.fingerprint() != same.fingerprint() || chat.fingerprint() == phone.fingerprint() || (timelineFilter{}).fingerprint() != "" {
		t.Fatal("fingerprints do not identify filters")
	}
	start, err := decodeTimelineCursor(nil, chat)
	if err != nil {
		t.Fatal(err)
	}
	enc := start.Encode()
	if _, err := decodeTimelineCursor(&enc, same); err != nil {
		t.Fatalf("same filter refused: %v", err)
	}
	for _, other := range []timelineFilter{phone, {}} {
		var ae *apperr.Error
		if _, err := decodeTimelineCursor(&enc, other); !errors.As(err, &ae) || ae.Code != apperr.CodeBadInput {
			t.Errorf("cursor accepted with another filter: %v", err)
		}
	}
}
