package identity

import (
	"testing"

	"github.com/harmonyhq/harmony/internal/config"
	"github.com/harmonyhq/harmony/internal/store"
)

// fiction is the default policy, except that addresses under the reserved
// example domains join: the tests' made-up people live there.
func fiction() *Policy {
	p := DefaultPolicy()
	p.allowReserved = true
	return p
}

// TestPlaceholdersNeverJoin classifies values read from a system: fillers
// and made-up values are blocked whatever their form, real ones that look
// a little like them are not.
func TestPlaceholdersNeverJoin(t *testing.T) {
	p := DefaultPolicy()
	tests := []struct {
		kind, raw string
		value     string
		status    string
	}{
		// Phone numbers: one digit repeated, counting up or down, two alternating.
		{store.KindPhone, "06 66 66 66 66", "+33666666666", store.StatusBlocked},
		{store.KindPhone, "+33 1 11 11 11 11", "+33111111111", store.StatusBlocked},
		{store.KindPhone, "06 00 00 00 00", "+33600000000", store.StatusBlocked},
		{store.KindPhone, "06 12 34 56 78", "+33612345678", store.StatusBlocked},
		{store.KindPhone, "01 23 45 67 89", "+33123456789", store.StatusBlocked},
		{store.KindPhone, "0987654321", "+33987654321", store.StatusBlocked},
		{store.KindPhone, "06 78 90 12 34", "+33678901234", store.StatusBlocked}, // counting up through 9 to 0
		{store.KindPhone, "06 06 06 06 06", "+33606060606", store.StatusBlocked},
		{store.KindPhone, "01 02 03 04 05", "+33102030405", store.StatusBlocked}, // counting up in pairs
		{store.KindPhone, "06 15 14 13 12", "+33615141312", store.StatusBlocked},
		{store.KindPhone, "06 02 03 04 06", "+33602030406", store.StatusMatch},
		{store.KindPhone, "+1 212 999 9999", "+12129999999", store.StatusBlocked},
		{store.KindWhatsApp, "whatsapp:+33612345678", "+33612345678", store.StatusBlocked},
		{store.KindPhone, "06 12 47 89 31", "+33612478931", store.StatusMatch}, // a real number
		{store.KindPhone, "06 12 34 56 79", "+33612345679", store.StatusMatch},
		{store.KindPhone, "06 11 11 11 12", "+33611111112", store.StatusMatch},
		{store.KindPhone, "+1 212 734 9180", "+12127349180", store.StatusMatch},
		{store.KindPhone, "+1 415 555 0134", "+14155550134", store.StatusBlocked}, // the US fiction range, a blocked pattern

		// E-mail local parts that say "none", trailing digits or not.
		{store.KindEmail, "no@orange.fr", "no@orange.fr", store.StatusBlocked},
		{store.KindEmail, "NONE@gmail.com", "none@gmail.com", store.StatusBlocked},
		{store.KindEmail, "nomail@free.fr", "nomail@free.fr", store.StatusBlocked},
		{store.KindEmail, "noemail@free.fr", "noemail@free.fr", store.StatusBlocked},
		{store.KindEmail, "test1@gmail.com", "test1@gmail.com", store.StatusBlocked},
		{store.KindEmail, "xxx@gmail.com", "xxx@gmail.com", store.StatusBlocked},
		{store.KindEmail, "na@gmail.com", "na@gmail.com", store.StatusBlocked},
		{store.KindEmail, "n/a@gmail.com", "n/a@gmail.com", store.StatusBlocked},
		{store.KindEmail, "unknown@gmail.com", "unknown@gmail.com", store.StatusBlocked},
		{store.KindEmail, "email@gmail.com", "email@gmail.com", store.StatusBlocked},
		{store.KindEmail, "noreply@shop.fr", "noreply@shop.fr", store.StatusBlocked}, // a default blocked pattern
		{store.KindEmail, "Nora <nora@gmail.com>", "nora@gmail.com", store.StatusMatch},
		{store.KindEmail, "noemie@gmail.com", "noemie@gmail.com", store.StatusMatch},
		{store.KindEmail, "anna@gmail.com", "anna@gmail.com", store.StatusMatch},
		{store.KindEmail, "jj@gmail.com", "jj@gmail.com", store.StatusMatch},
		{store.KindEmail, "testard@gmail.com", "testard@gmail.com", store.StatusMatch},

		// E-mail domains: made up, or reserved.
		{store.KindEmail, "marie@example.com", "marie@example.com", store.StatusBlocked},
		{store.KindEmail, "marie@mail.example.org", "marie@mail.example.org", store.StatusBlocked},
		{store.KindEmail, "marie@shop.test", "marie@shop.test", store.StatusBlocked},
		{store.KindEmail, "marie@x.invalid", "marie@x.invalid", store.StatusBlocked},
		{store.KindEmail, "marie@laposte.example", "marie@laposte.example", store.StatusBlocked},
		{store.KindEmail, "marie@nomail.com", "marie@nomail.com", store.StatusBlocked},
		{store.KindEmail, "marie@noemail.fr", "marie@noemail.fr", store.StatusBlocked},
		{store.KindEmail, "marie@none.com", "marie@none.com", store.StatusBlocked},
		{store.KindEmail, "marie@test.com", "marie@test.com", store.StatusBlocked},
		{store.KindEmail, "marie@example.fr", "marie@example.fr", store.StatusBlocked},
		{store.KindEmail, "marie@email.com", "marie@email.com", store.StatusBlocked},
		{store.KindEmail, "marie@xxx.fr", "marie@xxx.fr", store.StatusBlocked},
		{store.KindEmail, "marie@email.shop.fr", "marie@email.shop.fr", store.StatusMatch},
		{store.KindEmail, "marie@mail.com", "marie@mail.com", store.StatusMatch},
		{store.KindEmail, "marie@examples.fr", "marie@examples.fr", store.StatusMatch},
		{store.KindEmail, "marie@contest.fr", "marie@contest.fr", store.StatusMatch},

		// Loyalty cards and social handles.
		{store.KindLoyaltyCard, "0000-0000", "00000000", store.StatusBlocked},
		{store.KindLoyaltyCard, "none", "NONE", store.StatusBlocked},
		{store.KindLoyaltyCard, "N.A.", "NA", store.StatusBlocked},
		{store.KindLoyaltyCard, "123456789", "123456789", store.StatusBlocked},
		{store.KindLoyaltyCard, "LC-1234-5678", "LC12345678", store.StatusMatch},
		{store.KindLoyaltyCard, "40012894", "40012894", store.StatusMatch},
		{store.KindSocial, "instagram:none", "instagram:none", store.StatusBlocked},
		{store.KindSocial, "instagram:@xxx", "instagram:xxx", store.StatusBlocked},
		{store.KindSocial, "instagram:@marie.d", "instagram:marie.d", store.StatusMatch},

		// Values that do not normalise are kept as given.
		{store.KindPhone, " call me ", "call me", store.StatusUnnormalized},
		{store.KindEmail, "n/a", "n/a", store.StatusUnnormalized},
	}
	for _, tt := range tests {
		v, status := p.Classify("crm", tt.kind, tt.raw)
		if v != tt.value || status != tt.status {
			t.Errorf("Classify(%s, %q) = %q, %q; want %q, %q", tt.kind, tt.raw, v, status, tt.value, tt.status)
		}
	}
}

// TestPlaceholdersSurviveReplacedBlockedList keeps the built-in rules when
// the configured list replaces the default one, and lets reserved domains
// join only when asked.
func TestPlaceholdersSurviveReplacedBlockedList(t *testing.T) {
	p, err := NewPolicy(config.Identity{ReplaceBlocked: true, Blocked: map[string][]string{"email": {"shop@*"}}})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ kind, value string }{
		{store.KindEmail, "noemail@gmail.com"},
		{store.KindEmail, "marie@example.com"},
		{store.KindPhone, "+33666666666"},
	} {
		if !p.Blocked(c.kind, c.value) || !p.Placeholder(c.kind, c.value) {
			t.Errorf("%s %s joins once the blocked list is replaced", c.kind, c.value)
		}
	}
	if p.Placeholder(store.KindEmail, "shop@gmail.com") || !p.Blocked(store.KindEmail, "shop@gmail.com") {
		t.Error("a configured pattern is a placeholder, or not blocked")
	}

	p, err = NewPolicy(config.Identity{AllowReservedDomains: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		value string
		want  bool
	}{
		{"marie@example.com", false},
		{"marie@laposte.example", false},
		{"marie@nomail.example", true}, // a made-up name under a reserved domain
		{"none@example.com", true},
		{"marie@nomail.com", true},
	} {
		if got := p.Blocked(store.KindEmail, c.value); got != c.want {
			t.Errorf("with reserved domains allowed, Blocked(%s) = %v, want %v", c.value, got, c.want)
		}
	}
}
