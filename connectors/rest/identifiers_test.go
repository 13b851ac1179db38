package rest_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/harmonyhq/harmony/connectors"
	"github.com/harmonyhq/harmony/connectors/connectortest"
	"github.com/harmonyhq/harmony/connectors/rest"
)

// TestSocialHandleMapping maps a system's handle on one network to
// social_handle.<network>, and a "network:handle" value to social_handle,
// so that the gateway reads them as identifiers.
func TestSocialHandleMapping(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		fmt.Fprint(w, `{"results": [{"id": "1", "instagram": "@Marie.D", "social": "tiktok:marie_d"}, {"id": "2", "instagram": null}], "next": null}`)
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
  fields:
    social_handle.instagram: $.instagram
    social_handle: $.social
`, connectors.Env{HTTPClient: srv.Client()}).(*rest.Connector)
	page, err := c.ListProfiles(context.Background(), "", 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Profiles) != 2 {
		t.Fatalf("profiles = %+v", page.Profiles)
	}
	p := page.Profiles[0]
	if got := p.Get(connectors.SocialHandleField("instagram")); got != "@Marie.D" {
		t.Errorf("social_handle.instagram = %q, want the handle as the system writes it", got)
	}
	if got := p.Get(connectors.FieldSocialHandle); got != "tiktok:marie_d" {
		t.Errorf("social_handle = %q", got)
	}
	if len(page.Profiles[1].Fields) != 0 {
		t.Errorf("a null handle is a value: %+v", page.Profiles[1].Fields)
	}
}

// TestIdentifierLookalikesRefused refuses, at load, a profile field named
// like an identifier that is not one: it would be kept as an extra field
// and link nobody.
func TestIdentifierLookalikesRefused(t *testing.T) {
	for _, tc := range []struct{ field, use string }{
		{"phone_number", "map it as phone"},
		{"mobile", "map it as phone"},
		{"Phone", "map it as phone"},
		{"e-mail", "map it as email"},
		{"email_address", "map it as email"},
		{"whatsapp_id", "map it as whatsapp"},
		{"loyalty_card_number", "map it as loyalty_card"},
		{"instagram", "map it as social_handle.instagram"},
		{"tiktok_handle", "map it as social_handle.tiktok"},
		{"social_handle.Instagram", "lower-case letters"},
		{"social_handle.", "lower-case letters"},
	} {
		t.Run(tc.field, func(t *testing.T) {
			cfg := "base_url: http://x\nlist_profiles:\n  path: /p\n  query: {after: \"{{.Cursor}}\"}\n  pagination: {style: cursor, next: $.next}\n  key: $.id\n  fields:\n    given_name: $.name\n    " + tc.field + ": $.value\n"
			c, err := connectortest.TryBuild("rest", cfg, connectors.Env{})
			if err == nil {
				_ = c.Close()
				t.Fatal("built")
			}
			var ce *connectors.ConfigError
			if !errors.As(err, &ce) {
				t.Fatalf("%v is not a *ConfigError", err)
			}
			if ce.Key != "list_profiles.fields."+tc.field || ce.Line == 0 || !strings.Contains(ce.Reason, tc.use) {
				t.Errorf("got key %q line %d reason %q; want the field's key, a line, and %q", ce.Key, ce.Line, ce.Reason, tc.use)
			}
		})
	}
	// Other names are extra fields, as before.
	for _, field := range []string{"tier", "phone_verified", "email_opt_in", "instagram_followers", "social_handle.x"} {
		cfg := "base_url: http://x\nlist_profiles:\n  path: /p\n  query: {after: \"{{.Cursor}}\"}\n  pagination: {style: cursor, next: $.next}\n  key: $.id\n  fields:\n    " + field + ": $.value\n"
		c, err := connectortest.TryBuild("rest", cfg, connectors.Env{})
		if err != nil {
			t.Errorf("%s refused: %v", field, err)
			continue
		}
		_ = c.Close()
	}
}
