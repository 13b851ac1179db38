// Package loyalty simulates a loyalty program that keeps its members and
// their point events in its own MongoDB: the seventh channel system, which
// Harmony reaches through the `mongodb` connector kind alone (no code).
//
// Load writes a deterministic program for a population into a database:
// collection `members` (member_id, name, email as the program writes it,
// loyalty card, tier, points, updated) and collection `points` (member_id,
// at, kind earn|redeem, points, store). Two people in three are members.
package loyalty

import (
	"context"
	"fmt"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/harmonyhq/harmony/internal/simulators/population"
)

// Member is one member as the program stores it.
type Member struct {
	MemberID string
	Person   int // index in the population
	Card     string
	Tier     string
	Points   int
	Events   int
}

// Program is what Load wrote.
type Program struct {
	Members []Member
}

// IsMember reports whether person i is a member, and MemberID their key.
func IsMember(i int) bool { return i%3 != 2 }

// MemberID is person i's key in the program.
func MemberID(i int) string { return fmt.Sprintf("LOY-%06d", i) }

var tiers = []string{"bronze", "silver", "gold"}

// Load replaces the program's collections in db with the members of pop.
func Load(ctx context.Context, db *mongo.Database, pop *population.Population) (*Program, error) {
	for _, c := range []string{"members", "points"} {
		if err := db.Collection(c).Drop(ctx); err != nil {
			return nil, fmt.Errorf("loyalty: drop %s: %w", c, err)
		}
	}
	prog := &Program{}
	var members, events []any
	for i := range pop.People {
		if !IsMember(i) {
			continue
		}
		p := &pop.People[i]
		m := Member{MemberID: MemberID(i), Person: i, Card: p.LoyaltyCard, Tier: tiers[i%len(tiers)]}
		// The program's app upper-cases e-mails: normalisation must still match them.
		email := strings.ToUpper(p.Email)
		joined := population.HistoryStart.Add(time.Duration(i%300) * 24 * time.Hour)
		n := 1 + i%4
		for e := range n {
			kind, pts := "earn", 10*(e+1)+i%7
			if e == 3 {
				kind, pts = "redeem", -25
			}
			at := joined.Add(time.Duration(e*17+i%11) * 24 * time.Hour).Add(time.Duration(i%24) * time.Hour)
			if at.After(population.Now) {
				at = population.Now.Add(-time.Duration(e+1) * time.Hour)
			}
			m.Points += pts
			events = append(events, bson.D{
				{Key: "_id", Value: fmt.Sprintf("%s-E%d", m.MemberID, e)},
				{Key: "member_id", Value: m.MemberID},
				{Key: "at", Value: at},
				{Key: "kind", Value: kind},
				{Key: "points", Value: pts},
				{Key: "store", Value: p.City},
			})
		}
		m.Events = n
		members = append(members, bson.D{
			{Key: "member_id", Value: m.MemberID},
			{Key: "name", Value: bson.D{{Key: "first", Value: p.GivenName}, {Key: "last", Value: p.FamilyName}}},
			{Key: "email", Value: email},
			{Key: "card", Value: m.Card},
			{Key: "tier", Value: m.Tier},
			{Key: "points", Value: m.Points},
			{Key: "updated", Value: joined},
		})
		prog.Members = append(prog.Members, m)
	}
	// Batches well under FerretDB's limits.
	for _, part := range []struct {
		coll string
		docs []any
	}{{"members", members}, {"points", events}} {
		for start := 0; start < len(part.docs); start += 500 {
			end := min(start+500, len(part.docs))
			if _, err := db.Collection(part.coll).InsertMany(ctx, part.docs[start:end]); err != nil {
				return nil, fmt.Errorf("loyalty: load %s: %w", part.coll, err)
			}
		}
	}
	return prog, nil
}
