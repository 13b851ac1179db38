package consent_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/harmonyhq/harmony/internal/consent"
	"github.com/harmonyhq/harmony/internal/store"
	"github.com/harmonyhq/harmony/internal/store/storetest"
)

var t0 = time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC)

func rec(id, purpose, channel string, granted bool, after time.Duration) store.Consent {
	return store.Consent{ID: id, Purpose: purpose, Channel: channel, Granted: granted, RecordedAt: t0.Add(after)}
}

func TestGranted(t *testing.T) {
	tests := []struct {
		name             string
		records          []store.Consent
		channel, purpose string
		want             bool
	}{
		{"no record: opt-in means no", nil, "email", consent.Marketing, false},
		{"granted on the channel", []store.Consent{rec("a", "marketing", "email", true, 0)}, "email", consent.Marketing, true},
		{"granted on another channel", []store.Consent{rec("a", "marketing", "sms", true, 0)}, "email", consent.Marketing, false},
		{"granted for another purpose", []store.Consent{rec("a", "analytics", "email", true, 0)}, "email", consent.Marketing, false},
		{"granted on every channel", []store.Consent{rec("a", "marketing", "", true, 0)}, "email", consent.Marketing, true},
		{"channel consent does not answer for every channel", []store.Consent{rec("a", "marketing", "email", true, 0)}, "", consent.Marketing, false},
		{"newest wins: withdrawn everywhere after an e-mail grant", []store.Consent{
			rec("a", "marketing", "email", true, 0), rec("b", "marketing", "", false, time.Hour)}, "email", consent.Marketing, false},
		{"newest wins: e-mail grant after a withdrawal everywhere", []store.Consent{
			rec("b", "marketing", "", false, time.Hour), rec("a", "marketing", "email", true, 2*time.Hour)}, "email", consent.Marketing, true},
		{"same time: the higher ID wins", []store.Consent{
			rec("b", "marketing", "email", false, 0), rec("a", "marketing", "email", true, 0)}, "email", consent.Marketing, false},
		{"an erasure tombstone grants nothing", []store.Consent{{ID: "z", Erased: true, Granted: true, RecordedAt: t0}}, "", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := consent.Granted(tt.records, tt.channel, tt.purpose); got != tt.want {
				t.Errorf("Granted = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestCheck(t *testing.T) {
	ctx := context.Background()
	st := storetest.Open(t)
	if _, err := st.AddCustomers(ctx, []store.Customer{{ID: "cus_a", CreatedAt: t0}}); err != nil {
		t.Fatal(err)
	}
	if _, err := st.AddConsent(ctx, store.Consent{CustomerID: "cus_a", Purpose: consent.Service, Channel: "sms", Granted: true, Source: "shop", RecordedAt: t0}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, customer, channel, purpose string
		required                         bool
	}{
		{"consented", "cus_a", "sms", consent.Service, false},
		{"not on that channel", "cus_a", "email", consent.Service, true},
		{"unknown customer", "cus_none", "sms", consent.Service, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := consent.Check(ctx, st, tt.customer, tt.channel, tt.purpose)
			if got := errors.Is(err, consent.ErrRequired); got != tt.required || (!tt.required && err != nil) {
				t.Errorf("Check = %v, want required %v", err, tt.required)
			}
		})
	}
}
