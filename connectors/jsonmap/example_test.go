package jsonmap_test

import (
	"fmt"

	"github.com/harmonyhq/harmony/connectors/jsonmap"
)

// Go connectors can map vendor JSON with the same mappings as the rest kind.
func ExampleOrderMapping() {
	m, err := jsonmap.OrderMapping{
		Records:     "$.data.orders",
		CustomerKey: "$.buyer.id",
		ID:          "$.id",
		PlacedAt:    "$.created_at", // unix milliseconds here
		Channel:     "online",       // a literal
		Total:       "$.total_cents",
		TotalUnit:   jsonmap.UnitMinor,
		Currency:    "$.currency",
	}.Compile("orders")
	if err != nil {
		fmt.Println(err)
		return
	}
	doc, _ := jsonmap.DecodeBytes([]byte(`{"data": {"orders": [
		{"id": 5001, "buyer": {"id": "c-1"}, "created_at": 1714557600000, "total_cents": 12990, "currency": "eur"}]}}`))
	orders, err := m.Map(doc)
	fmt.Println(err)
	for _, o := range orders {
		fmt.Println(o.ID, o.CustomerKey, o.PlacedAt, o.Channel, o.Total.Decimal(), o.Total.Currency)
	}
	// Output:
	// <nil>
	// 5001 c-1 2024-05-01 10:00:00 +0000 UTC online 129.90 EUR
}
