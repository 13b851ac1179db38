package identity

import (
	"encoding/json"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/harmonyhq/harmony/connectors"
	"github.com/harmonyhq/harmony/internal/store"
)

// identifierFields maps the profile fields that identify a person to the
// identifier kind they hold. Handles on one network are read from the
// fields connectors.SocialHandleField names, too.
var identifierFields = []struct{ field, kind string }{
	{connectors.FieldEmail, store.KindEmail},
	{connectors.FieldPhone, store.KindPhone},
	{connectors.FieldWhatsApp, store.KindWhatsApp},
	{connectors.FieldLoyaltyCard, store.KindLoyaltyCard},
	{connectors.FieldSocialHandle, store.KindSocial},
}

// unusable counts the identifier values of a profile that cannot link.
type unusable struct {
	// invalid values did not normalise: they are kept as given,
	// unnormalised, and never match.
	invalid int
	// unmapped values are not identifiers at all, whatever their system
	// holds: an object or a list where one value was mapped, a social
	// handle without its network. They are dropped; the mapping needs
	// fixing.
	unmapped int
}

// reduce keeps what linking needs of a profile, and counts the identifier
// values that cannot link (invalid and unmapped alike; see reduceProfile).
func reduce(system string, p connectors.Profile, pol *Policy) (record, int) {
	r, u := reduceProfile(system, p, pol)
	return r, u.invalid + u.unmapped
}

// reduceProfile keeps what linking needs of a profile, and counts the
// identifier values that cannot link.
func reduceProfile(system string, p connectors.Profile, pol *Policy) (record, unusable) {
	r := record{system: system, key: p.Key, given: foldName(p.Get(connectors.FieldGivenName)),
		family: foldName(p.Get(connectors.FieldFamilyName)), birth: birthDate(p.Get(connectors.FieldBirthDate)), updated: p.UpdatedAt}
	var u unusable
	add := func(kind, raw string) {
		v, status := pol.Classify(system, kind, raw)
		if status == store.StatusUnnormalized {
			u.invalid++
		}
		r.refs = append(r.refs, ref{kind: kind, value: v, status: status})
	}
	for _, f := range identifierFields {
		raw := strings.TrimSpace(p.Get(f.field))
		switch {
		case raw == "":
		case structured(raw) || (f.kind == store.KindSocial && !strings.Contains(raw, ":")):
			u.unmapped++
		default:
			add(f.kind, raw)
		}
	}
	prefix := connectors.SocialHandleField("")
	for _, field := range slices.Sorted(maps.Keys(p.Fields)) {
		network, ok := strings.CutPrefix(field, prefix)
		raw := strings.TrimSpace(p.Fields[field])
		switch {
		case !ok || raw == "":
		case network == "" || structured(raw):
			u.unmapped++
		default:
			add(store.KindSocial, network+":"+strings.TrimPrefix(raw, network+":"))
		}
	}
	return r, u
}

// structured reports whether a field's value is a JSON object or list: a
// mapping that selects a node where it means one of its values.
func structured(v string) bool {
	return (v[0] == '{' || v[0] == '[') && json.Valid([]byte(v))
}

// birthDate keeps the date of a birth date written YYYY-MM-DD (with or
// without a time after it), "" for anything else.
func birthDate(v string) string {
	v = strings.TrimSpace(v)
	if len(v) < 10 {
		return ""
	}
	if _, err := time.Parse(time.DateOnly, v[:10]); err != nil {
		return ""
	}
	return v[:10]
}
