package resolvers

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/harmonyhq/harmony/graph/model"
	"github.com/harmonyhq/harmony/internal/apperr"
	"github.com/harmonyhq/harmony/internal/identity"
	"github.com/harmonyhq/harmony/internal/sources"
	"github.com/harmonyhq/harmony/internal/store"
)

type searchConn struct{}

func (searchConn) Close() error { return nil }

func searchResolver(t *testing.T) *Resolver {
	t.Helper()
	var list []*sources.Source
	for _, name := range []string{"crm", "shop", "pos"} {
		list = append(list, sources.New(name, "go", searchConn{}, sources.Options{}, nil, nil))
	}
	set, err := sources.NewSet(list...)
	if err != nil {
		t.Fatal(err)
	}
	return &Resolver{Sources: set, Policy: identity.DefaultPolicy()}
}

func TestStoreFilterNormalises(t *testing.T) {
	r := searchResolver(t)
	since := time.Date(2026, 6, 1, 2, 0, 0, 0, time.FixedZone("CEST", 2*3600))
	sinceUTC := since.UTC()
	ptr := func(s string) *string { return &s }
	n := func(i int) *int { return &i }
	tests := []struct {
		name string
		in   model.CustomerFilter
		want store.Filter
	}{
		{"empty", model.CustomerFilter{}, store.Filter{}},
		{"name prefix folded", model.CustomerFilter{NamePrefix: ptr("  MÁR ")}, store.Filter{NamePrefix: "mar"}},
		{"phone in E.164", model.CustomerFilter{Identifier: &model.IdentifierInput{Kind: model.IdentifierKindPhone, Value: "06 12 34 56 78"}},
			store.Filter{Identifier: &store.FilterIdentifier{Kind: store.KindPhone, Value: "+33612345678"}}},
		{"e-mail lower case", model.CustomerFilter{Identifier: &model.IdentifierInput{Kind: model.IdentifierKindEmail, Value: " Ada@Example.COM"}},
			store.Filter{Identifier: &store.FilterIdentifier{Kind: store.KindEmail, Value: "ada@example.com"}}},
		{"system key", model.CustomerFilter{Identifier: &model.IdentifierInput{Kind: model.IdentifierKindExternalID, Value: " 42 ", System: ptr("crm")}},
			store.Filter{Identifier: &store.FilterIdentifier{Kind: store.KindExternalID, System: "crm", Value: "42"}}},
		{"systems sorted, once each", model.CustomerFilter{InSystems: []string{"shop", "crm", "shop"}}, store.Filter{InSystems: []string{"crm", "shop"}}},
		{"time in UTC", model.CustomerFilter{OrderedSince: &since}, store.Filter{OrderedSince: &sinceUTC}},
		{"zero orders", model.CustomerFilter{MinOrders: n(0)}, store.Filter{MinOrders: n(0)}},
		{"money", model.CustomerFilter{MinSpend: &model.MoneyInput{Amount: "99.9", Currency: "eur"}},
			store.Filter{MinSpend: &store.Amount{Currency: "EUR", Value: 99.9}}},
		{"money without decimals", model.CustomerFilter{MinSpend: &model.MoneyInput{Amount: "1500", Currency: "JPY"}},
			store.Filter{MinSpend: &store.Amount{Currency: "JPY", Value: 1500}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := r.storeFilter(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("storeFilter = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestStoreFilterRejects(t *testing.T) {
	r := searchResolver(t)
	ptr := func(s string) *string { return &s }
	n := func(i int) *int { return &i }
	tests := []struct {
		name   string
		in     model.CustomerFilter
		secret string
	}{
		{"one letter", model.CustomerFilter{NamePrefix: ptr("Q")}, ""},
		{"only accents and spaces", model.CustomerFilter{NamePrefix: ptr(" \u0301 ")}, ""},
		{"41 letters", model.CustomerFilter{NamePrefix: ptr(strings.Repeat("x", 41))}, ""},
		{"unknown system", model.CustomerFilter{InSystems: []string{"Hidden"}}, "Hidden"},
		{"no systems", model.CustomerFilter{InSystems: []string{}}, ""},
		{"negative orders", model.CustomerFilter{MinOrders: n(-3)}, ""},
		{"currency with a symbol", model.CustomerFilter{MinSpend: &model.MoneyInput{Amount: "1", Currency: "E$R"}}, "E$R"},
		{"three decimals in EUR", model.CustomerFilter{MinSpend: &model.MoneyInput{Amount: "1.005", Currency: "EUR"}}, "1.005"},
		{"negative money", model.CustomerFilter{MinSpend: &model.MoneyInput{Amount: "-1", Currency: "EUR"}}, ""},
		{"bad phone", model.CustomerFilter{Identifier: &model.IdentifierInput{Kind: model.IdentifierKindPhone, Value: "call me 555"}}, "555"},
		{"system on an e-mail", model.CustomerFilter{Identifier: &model.IdentifierInput{Kind: model.IdentifierKindEmail, Value: "a@b.example", System: ptr("crm")}}, "a@b"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := r.storeFilter(tt.in)
			var ae *apperr.Error
			if !errors.As(err, &ae) || ae.Code != apperr.CodeBadInput {
				t.Fatalf("err = %v, want BAD_USER_INPUT", err)
			}
			if tt.secret != "" && strings.Contains(ae.Public, tt.secret) {
				t.Errorf("message %q repeats the input", ae.Public)
			}
		})
	}
}

func TestSegmentFilterRoundTrip(t *testing.T) {
	since := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	n := 4
	filters := []store.Filter{
		{},
		{NamePrefix: "mar", InSystems: []string{"crm", "pos"}, OrderedSince: &since, MinOrders: &n,
			MinSpend: &store.Amount{Currency: "EUR", Value: 1234.5}},
		{Identifier: &store.FilterIdentifier{Kind: store.KindPhone, Value: "+33612345678"}},
		{Identifier: &store.FilterIdentifier{Kind: store.KindExternalID, System: "shop", Value: "gid://shop/Customer/1"}},
		{Identifier: &store.FilterIdentifier{Kind: store.KindSocial, System: "instagram", Value: "marie.d"}},
		{MinSpend: &store.Amount{Currency: "JPY", Value: 100000}},
		{MinSpend: &store.Amount{Currency: "KWD", Value: 0.125}},
	}
	for _, f := range filters {
		sf := toSegmentFilter(f)
		back, err := fromSegmentFilter(sf)
		if err != nil {
			t.Fatalf("%+v: %v", f, err)
		}
		if !reflect.DeepEqual(back, f) {
			t.Errorf("round trip of %+v gave %+v", f, back)
		}
	}
	if m := toSegmentFilter(filters[1]).MinSpend; m == nil || m.Amount != "1234.50" || m.Currency != "EUR" {
		t.Errorf("minSpend shown as %+v, want 1234.50 EUR", m)
	}
}

func TestSegmentName(t *testing.T) {
	for _, tt := range []struct {
		in, want string
		ok       bool
	}{
		{"VIP", "VIP", true},
		{"  Clients fidèles  ", "Clients fidèles", true},
		{strings.Repeat("é", 80), strings.Repeat("é", 80), true},
		{strings.Repeat("é", 81), "", false},
		{"", "", false},
		{" \t ", "", false},
		{"a\nb", "", false},
	} {
		got, err := segmentName(tt.in)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("segmentName(%q) = %q, %v", tt.in, got, err)
		}
	}
}
