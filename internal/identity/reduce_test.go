package identity

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/harmonyhq/harmony/connectors"
	"github.com/harmonyhq/harmony/connectors/connectortest"
	_ "github.com/harmonyhq/harmony/connectors/rest" // the rest kind
	"github.com/harmonyhq/harmony/internal/store"
)

// TestReduceSocialHandles reads social handles as identifiers: written
// "network:handle" in social_handle, or without the network in
// social_handle.<network>.
func TestReduceSocialHandles(t *testing.T) {
	r, u := reduceProfile("crm", prof("1", "social_handle", "Instagram:@Marie.D",
		"social_handle.tiktok", "@marie_d", "social_handle.x", "x:Marie_D", "social_handle.mastodon", "marie d"), DefaultPolicy())
	want := []ref{
		{kind: store.KindSocial, value: "instagram:marie.d", status: store.StatusMatch},
		{kind: store.KindSocial, value: "mastodon:marie d", status: store.StatusUnnormalized},
		{kind: store.KindSocial, value: "tiktok:marie_d", status: store.StatusMatch},
		{kind: store.KindSocial, value: "x:marie_d", status: store.StatusMatch},
	}
	if u != (unusable{invalid: 1}) || fmt.Sprint(r.refs) != fmt.Sprint(want) {
		t.Errorf("refs = %+v, %+v; want %+v and one invalid", r.refs, u, want)
	}
	if _, ok := DefaultPolicy().RuleFor(store.KindSocial); ok {
		t.Error("social handles match by default; they must only link")
	}
}

// TestReduceCountsUnmappedValues counts, and drops, identifier values that
// are no identifier at all: a mapping that selects an object or a list, a
// social handle without its network.
func TestReduceCountsUnmappedValues(t *testing.T) {
	r, u := reduceProfile("crm", prof("1",
		"email", `{"primary": "marie@shop.fr"}`,
		"phone", `["+33612478931", "+33687651329"]`,
		"social_handle", "marie.d",
		"social_handle.", "marie.d",
		"whatsapp", "not a number",
		"loyalty_card", "[LC-1]", // not JSON: a card written oddly, left to normalisation
	), DefaultPolicy())
	if u != (unusable{invalid: 2, unmapped: 4}) {
		t.Errorf("counts = %+v, want 2 invalid and 4 unmapped", u)
	}
	if len(r.refs) != 2 || r.refs[0].kind != store.KindWhatsApp || r.refs[1].kind != store.KindLoyaltyCard {
		t.Errorf("refs = %+v, want the unnormalised WhatsApp ID and card only", r.refs)
	}
	if _, n := reduce("crm", prof("1", "email", `{"a": 1}`, "phone", "call me"), DefaultPolicy()); n != 2 {
		t.Errorf("reduce counts %d unusable values, want 2", n)
	}
}

// TestRestSocialHandleLinks is the case the labelled test found: a REST
// mapping of a system's Instagram handle produced no identity.
func TestRestSocialHandleLinks(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		fmt.Fprint(w, `{"results": [{"id": "1", "first": "Marie", "instagram": "@Marie.D"}], "next": null}`)
	}))
	t.Cleanup(srv.Close)
	c := connectortest.Build(t, "rest", `
base_url: `+srv.URL+`
list_profiles:
  path: /contacts
  query: {after: "{{.Cursor}}"}
  pagination: {style: cursor, next: $.next}
  records: $.results
  key: $.id
  fields: {given_name: $.first, social_handle.instagram: $.instagram}
`, connectors.Env{HTTPClient: srv.Client()})
	page, err := c.(connectors.ProfileLister).ListProfiles(context.Background(), "", 10)
	if err != nil || len(page.Profiles) != 1 {
		t.Fatalf("page = %+v, %v", page, err)
	}
	r, invalid := reduce("crm", page.Profiles[0], DefaultPolicy())
	if invalid != 0 || len(r.refs) != 1 || r.refs[0] != (ref{kind: store.KindSocial, value: "instagram:marie.d", status: store.StatusMatch}) {
		t.Fatalf("refs = %+v, %d invalid; want instagram:marie.d", r.refs, invalid)
	}
	if system, v := r.refs[0].stored(); system != "instagram" || v != "marie.d" {
		t.Errorf("stored as %q %q, want the network as the system", system, v)
	}
}
