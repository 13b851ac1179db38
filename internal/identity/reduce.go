package identity

import (
	"strings"

	"github.com/harmonyhq/harmony/connectors"
	"github.com/harmonyhq/harmony/internal/store"
)

// identifierFields maps the profile fields that identify a person to the
// identifier kind they hold.
var identifierFields = []struct{ field, kind string }{
	{connectors.FieldEmail, store.KindEmail},
	{connectors.FieldPhone, store.KindPhone},
	{connectors.FieldWhatsApp, store.KindWhatsApp},
	{connectors.FieldLoyaltyCard, store.KindLoyaltyCard},
}

// reduce keeps what linking needs of a profile, and counts the identifier
// values that did not normalise: they are kept as given, unnormalised.
func reduce(system string, p connectors.Profile, pol *Policy) (record, int) {
	r := record{system: system, key: p.Key, given: foldName(p.Get(connectors.FieldGivenName))}
	invalid := 0
	for _, f := range identifierFields {
		raw := strings.TrimSpace(p.Get(f.field))
		if raw == "" {
			continue
		}
		v, status := pol.Classify(system, f.kind, raw)
		if status == store.StatusUnnormalized {
			invalid++
		}
		r.refs = append(r.refs, ref{kind: f.kind, value: v, status: status})
	}
	return r, invalid
}
