package store

import (
	"context"
	"fmt"

	"go.mongodb.org/mongo-driver/v2/mongo"
)

// A mark says that a customer may hold records of a kind: consents, or
// stored activity. It is inserted before the customer's first record of
// that kind, and deleted only after the records (by an erasure), so a
// customer without a mark holds none and its reads ask nothing of those
// collections, which FerretDB would read whole. Marks are only ever
// inserted, with an _id derived from the kind and the customer, which
// FerretDB does atomically (it does not apply updates atomically).
const marksCollection = "customer_marks"

// Mark kinds.
const (
	markConsents = "consents"
	markActivity = "activity"
)

type markDoc struct {
	ID string `bson:"_id"`
}

func markID(kind, customerID string) string { return kind + ":" + customerID }

func (s *Store) marks() *mongo.Collection {
	return s.customers.Database().Collection(marksCollection)
}

// mark inserts the marks of kind of customerIDs that are not there yet.
func (s *Store) mark(ctx context.Context, kind string, customerIDs []string) error {
	docs := make([]any, 0, len(customerIDs))
	for _, id := range sortedUnique(customerIDs) {
		docs = append(docs, markDoc{ID: markID(kind, id)})
	}
	if len(docs) == 0 {
		return nil
	}
	if _, err := insertNew(ctx, s.marks(), docs); err != nil {
		return fmt.Errorf("mark customers: %w", err)
	}
	return nil
}

// marked returns, for each of customerIDs, which kinds of marks it has.
func (s *Store) marked(ctx context.Context, customerIDs []string) (consents, activity map[string]bool, err error) {
	ids := make([]string, 0, 2*len(customerIDs))
	for _, id := range customerIDs {
		ids = append(ids, markID(markConsents, id), markID(markActivity, id))
	}
	found, err := findByIDs(ctx, s, s.marks(), ids, nil, func(m *markDoc) string { return m.ID })
	if err != nil {
		return nil, nil, fmt.Errorf("find customer marks: %w", err)
	}
	consents, activity = map[string]bool{}, map[string]bool{}
	for _, id := range customerIDs {
		consents[id] = found[markID(markConsents, id)] != nil
		activity[id] = found[markID(markActivity, id)] != nil
	}
	return consents, activity, nil
}

// unmark deletes the marks of customerIDs, after their records are gone.
func (s *Store) unmark(ctx context.Context, kind string, customerIDs []string) error {
	models := make([]mongo.WriteModel, 0, len(customerIDs))
	for _, id := range sortedUnique(customerIDs) {
		models = append(models, mongo.NewDeleteOneModel().SetFilter(idFilter(markID(kind, id))))
	}
	if err := bulkByID(ctx, s.marks(), models); err != nil {
		return fmt.Errorf("unmark customers: %w", err)
	}
	return nil
}
