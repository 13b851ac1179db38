package server_test

import (
	"testing"
)

func TestPrivacyScopesAndConsent(t *testing.T) {
	const (
		engagement = `{ customer(id: "cus_1") { id emailEngagement { type } } }`
		record     = `mutation { recordConsent(input: {customerId: "cus_1", purpose: MARKETING, channel: EMAIL, status: GRANTED, source: "test"}) { status } }`
		erase      = `mutation { requestErasure(customerId: "cus_1") { status } }`
		audit      = `{ auditLog { edges { node { id } } } }`
	)
	code := func(r gqlReply) string {
		if len(r.Errors) == 0 {
			return ""
		}
		c, _ := r.Errors[0].Extensions["code"].(string)
		return c
	}
	tests := []struct {
		name   string
		scopes []string
		steps  []struct{ q, code string }
	}{
		{"reader: consent guards the field, writes are forbidden", []string{"customers:read"}, []struct{ q, code string }{
			{engagement, "CONSENT_REQUIRED"},
			{record, "FORBIDDEN"},
			{erase, "FORBIDDEN"},
			{audit, "FORBIDDEN"},
		}},
		{"agent records consent, then the field answers", []string{"customers:read", "consent:write"}, []struct{ q, code string }{
			{engagement, "CONSENT_REQUIRED"},
			{record, ""},
			{engagement, ""},
			{erase, "FORBIDDEN"},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts := newScopedServer(t, tt.scopes...)
			for i, st := range tt.steps {
				r := query(t, ts, st.q)
				if got := code(r); got != st.code {
					t.Errorf("step %d: code %q, want %q (%+v)", i, got, st.code, r.Errors)
				}
			}
		})
	}
}
