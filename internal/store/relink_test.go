package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/harmonyhq/harmony/internal/store"
	"github.com/harmonyhq/harmony/internal/store/storetest"
)

func TestRelinkMovesIdentitiesWithHistory(t *testing.T) {
	ctx := context.Background()
	s := storetest.Open(t)
	at := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	ext := store.IdentityID(store.KindExternalID, "shop", "s1")
	mail := store.IdentityID(store.KindEmail, "", "ada@x.io")
	phone := store.IdentityID(store.KindPhone, "", "+33612345678")
	_, _, err := s.AddLinked(ctx, []store.Customer{{ID: "cus_a"}, {ID: "cus_b"}}, []store.Identity{
		{ID: ext, CustomerID: "cus_a", Kind: store.KindExternalID, System: "shop", Value: "s1", Rule: "email"},
		{ID: mail, CustomerID: "cus_a", Kind: store.KindEmail, Value: "ada@x.io", Rule: "record"},
		{ID: phone, CustomerID: "cus_a", Kind: store.KindPhone, Value: "+33612345678", Rule: "record"},
	})
	if err != nil {
		t.Fatal(err)
	}
	// Read the keys once, so that a stale keys document would show.
	if _, err := s.IdentitiesOf(ctx, []string{"cus_a", "cus_b"}); err != nil {
		t.Fatal(err)
	}
	n, err := s.Relink(ctx, []store.Move{
		{ID: ext, From: "cus_a", To: "cus_b", Rule: "phone", Confidence: 1},
		{ID: phone, From: "cus_a", To: "", Status: store.StatusShared, Reason: "emails_differ"},
		{ID: mail, From: "cus_z", To: "cus_b"}, // moved meanwhile: left alone
	}, "identity-sync", "test", at)
	if err != nil {
		t.Fatal(err)
	}
	if n != 2 {
		t.Fatalf("moved %d identities, want 2", n)
	}
	owners, err := s.Owners(ctx, []string{ext, mail, phone})
	if err != nil {
		t.Fatal(err)
	}
	if owners[0].CustomerID != "cus_b" || owners[0].Rule != "phone" || owners[1].CustomerID != "cus_a" ||
		owners[2].CustomerID != "" || owners[2].Status != store.StatusShared || owners[2].Reason != "emails_differ" {
		t.Fatalf("owners = %+v, %+v, %+v", owners[0], owners[1], owners[2])
	}
	ids, err := s.IdentitiesOf(ctx, []string{"cus_a", "cus_b"})
	if err != nil {
		t.Fatal(err)
	}
	if len(ids[0]) != 1 || ids[0][0].ID != mail || len(ids[1]) != 1 || ids[1][0].ID != ext {
		t.Fatalf("identities of a, b = %+v, %+v", ids[0], ids[1])
	}
	events, err := s.EventsBetween(ctx, "cus_a", "cus_b")
	if err != nil {
		t.Fatal(err)
	}
	if len(events) != 1 || events[0].Action != store.ActionMove || events[0].CustomerIDs[0] != "cus_b" ||
		events[0].Actor != "identity-sync" || events[0].State != store.StateDone {
		t.Fatalf("events between a and b = %+v", events)
	}
	hist, err := s.History(ctx, "cus_a", nil, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(hist) != 2 {
		t.Fatalf("history of a = %+v, want two moves (to b, to nobody)", hist)
	}
}
