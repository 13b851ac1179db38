package identity

import (
	"fmt"
	"testing"

	"github.com/harmonyhq/harmony/internal/store"
)

// These benchmarks cover the CPU side of an identity lookup: normalising
// what a client or a system wrote and deriving the identity document IDs
// the profile store is asked for in one $in query. The store query itself
// is left out: the embedded FerretDB scans whole collections, so a figure
// with it would measure FerretDB (see `make bench` for the store at a fixed
// MongoDB-like latency).

// BenchmarkNormalize normalises one identifier of each kind.
func BenchmarkNormalize(b *testing.B) {
	n := DefaultPolicy().Normalizer
	n.DefaultRegion = "FR"
	for _, tc := range []struct{ name, kind, value string }{
		{"email", store.KindEmail, "  Marie.Dupont@Example.COM "},
		{"phone-national", store.KindPhone, "06 12 34 56 78"},
		{"phone-international", store.KindPhone, "+44 20 7946 0958"},
		{"whatsapp", store.KindWhatsApp, "33612345678@s.whatsapp.net"},
		{"loyalty-card", store.KindLoyaltyCard, "lc-0012-3456"},
	} {
		b.Run(tc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := n.Normalize(tc.kind, tc.value); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkLookupIDs normalises a batch of 50 e-mail addresses and 50
// phone numbers and derives their identity IDs, checking each against the
// blocked values: what a batch of lookups costs before its one store query.
func BenchmarkLookupIDs(b *testing.B) {
	p := DefaultPolicy()
	p.Normalizer.DefaultRegion = "FR"
	type raw struct{ kind, value string }
	var batch []raw
	for i := range 50 {
		batch = append(batch, raw{store.KindEmail, fmt.Sprintf("Person.%d@Orange.fr", i)},
			raw{store.KindPhone, fmt.Sprintf("06 58 %02d %02d 91", 20+i/10, 30+i%10)})
	}
	ids := make([]string, 0, len(batch))
	b.ReportAllocs()
	for b.Loop() {
		ids = ids[:0]
		for _, r := range batch {
			v, err := p.Normalizer.Normalize(r.kind, r.value)
			if err != nil {
				b.Fatal(err)
			}
			if p.Blocked(r.kind, v) {
				continue
			}
			ids = append(ids, store.IdentityID(r.kind, "", v))
		}
		if len(ids) != len(batch) {
			b.Fatalf("%d ids, want %d", len(ids), len(batch))
		}
	}
}
