package identity

import (
	"errors"
	"testing"

	"github.com/harmonyhq/harmony/internal/store"
)

func TestNormalize(t *testing.T) {
	n := Normalizer{DefaultRegion: "FR"}
	tests := []struct {
		kind, in, want string
		invalid        bool
	}{
		{store.KindEmail, " Marie.Dupont@Example.COM ", "marie.dupont@example.com", false},
		{store.KindEmail, "marie+news@example.com", "marie+news@example.com", false},
		{store.KindEmail, "Marie <marie@example.com>", "", true},
		{store.KindEmail, "not-an-email", "", true},
		{store.KindEmail, "", "", true},
		{store.KindPhone, "06 12 34 56 78", "+33612345678", false},
		{store.KindPhone, "+33 6 12 34 56 78", "+33612345678", false},
		{store.KindPhone, "0612345678", "+33612345678", false},
		{store.KindPhone, "+49 151 23456789", "+4915123456789", false},
		{store.KindPhone, "12", "", true},
		{store.KindWhatsApp, "33612345678", "+33612345678", false},
		{store.KindWhatsApp, "33612345678@s.whatsapp.net", "+33612345678", false},
		{store.KindLoyaltyCard, "lc-1234 5678", "LC12345678", false},
		{store.KindLoyaltyCard, "LC<1>", "", true},
		{store.KindExternalID, " gid://shop/Customer/7001 ", "gid://shop/Customer/7001", false},
	}
	for _, tt := range tests {
		t.Run(tt.kind+"/"+tt.in, func(t *testing.T) {
			got, err := n.Normalize(tt.kind, tt.in)
			if tt.invalid {
				if !errors.Is(err, ErrInvalid) {
					t.Fatalf("Normalize = %q, %v; want ErrInvalid", got, err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("Normalize = %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}
