package server

import (
	"context"
	"errors"
	"testing"

	"github.com/99designs/gqlgen/graphql"

	"github.com/harmonyhq/harmony/graph/model"
	"github.com/harmonyhq/harmony/internal/caller"
)

func TestPIIDirective(t *testing.T) {
	readOnly := caller.With(context.Background(), caller.Caller{Name: "t", Scopes: []string{caller.ScopeRead}})
	str := func(s string) *string { return &s }
	boom := errors.New("boom")
	tests := []struct {
		name    string
		obj     any
		kind    model.PiiKind
		value   any
		err     error
		want    any
		wantErr error
	}{
		{"string masked", nil, model.PiiKindEmail, "jane@example.com", nil, "j***@example.com", nil},
		{"pointer masked", nil, model.PiiKindText, str("call me back"), nil, str("***"), nil},
		{"null stays null", nil, model.PiiKindText, (*string)(nil), nil, (*string)(nil), nil},
		{"non-string unchanged", nil, model.PiiKindText, 42, nil, 42, nil},
		{"error passes", nil, model.PiiKindText, "", boom, "", boom},
		{"identity phone by its kind", &model.Identity{Kind: model.IdentifierKindPhone}, model.PiiKindID, "+33754415897", nil, "+33*******97", nil},
		{"whatsapp ref by its kind", &model.IdentityRef{Kind: model.IdentifierKindWhatsapp}, model.PiiKindID, "33754415897", nil, "*********97", nil},
		{"evidence e-mail by its kind", &model.MatchEvidence{Kind: model.IdentifierKindEmail}, model.PiiKindID, "ada@example.com", nil, "a***@example.com", nil},
		{"system key as ID", &model.Identity{Kind: model.IdentifierKindExternalID}, model.PiiKindID, "crm-1001", nil, "cr***", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := pii(readOnly, tt.obj, func(context.Context) (any, error) { return tt.value, tt.err }, tt.kind)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
			switch w := tt.want.(type) {
			case *string:
				g, ok := got.(*string)
				if !ok || (g == nil) != (w == nil) || (g != nil && *g != *w) {
					t.Errorf("got %#v, want %#v", got, tt.want)
				}
			default:
				if got != tt.want {
					t.Errorf("got %#v, want %#v", got, tt.want)
				}
			}
		})
	}
}

var clear any = "jane@example.com"

// A caller allowed through costs no allocation.
func TestDirectivesAllocateNothingWhenAllowed(t *testing.T) {
	ctx := caller.With(context.Background(), caller.Caller{Name: "t", Scopes: []string{caller.ScopeRead, caller.ScopePIIRead}})
	next := graphql.Resolver(func(context.Context) (any, error) { return clear, nil })
	if n := testing.AllocsPerRun(100, func() { _, _ = pii(ctx, nil, next, model.PiiKindEmail) }); n != 0 {
		t.Errorf("pii allocates %v times", n)
	}
	if n := testing.AllocsPerRun(100, func() { _, _ = requiresScope(ctx, nil, next, caller.ScopeRead) }); n != 0 {
		t.Errorf("requiresScope allocates %v times", n)
	}
}
