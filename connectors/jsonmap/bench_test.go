package jsonmap_test

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/harmonyhq/harmony/connectors/jsonmap"
)

// helpdeskBody is a helpdesk-like conversations response of n records.
func helpdeskBody(n int) []byte {
	convs := make([]map[string]any, n)
	for i := range convs {
		convs[i] = map[string]any{
			"id":                fmt.Sprintf("conv-%05d", i),
			"user_id":           fmt.Sprintf("%d", 1000+i%50),
			"created_at":        fmt.Sprintf("2024-05-%02dT10:%02d:00Z", 1+i%28, i%60),
			"channel":           []string{"chat", "whatsapp", "email"}[i%3],
			"direction":         []string{"inbound", "outbound"}[i%2],
			"subject":           fmt.Sprintf("Order #%d has not arrived — où est mon colis ?", 5000+i),
			"status":            []string{"open", "pending", "solved"}[i%3],
			"thread_ref":        fmt.Sprintf("thr-%d", i/3),
			"first_response_at": fmt.Sprintf("2024-05-%02dT10:%02d:30Z", 1+i%28, i%60),
			"solved_at":         nil,
			"messages_count":    3 + i%7,
			"satisfaction":      map[string]any{"score": "good", "rating": 1 + i%5, "comment": nil},
			"tags":              []string{"delivery", "vip"},
			"via":               map[string]any{"source": map[string]any{"from": map[string]any{"address": "a@example.com"}}},
			"priority":          12.5,
		}
	}
	b, err := json.Marshal(map[string]any{"conversations": convs, "next_page": nil, "count": n})
	if err != nil {
		panic(err)
	}
	return b
}

// crmBody is a CRM-like batch read response of n contacts.
func crmBody(n int) []byte {
	results := make([]map[string]any, n)
	for i := range results {
		results[i] = map[string]any{
			"id":        fmt.Sprintf("%d", 1000+i),
			"updatedAt": "2024-04-30T08:15:00.123Z",
			"archived":  false,
			"properties": map[string]any{
				"firstname":     "Zoé",
				"lastname":      fmt.Sprintf("Martin-%d", i),
				"email":         fmt.Sprintf("zoe.martin%d@example.com", i),
				"phone":         "+33 6 12 34 56 78",
				"city":          "Lyon",
				"country":       "FR",
				"date_of_birth": "1988-03-14",
				"hs_language":   "fr",
				"hs_object_id":  1000 + i,
			},
		}
	}
	b, err := json.Marshal(map[string]any{"status": "COMPLETE", "results": results})
	if err != nil {
		panic(err)
	}
	return b
}

// shopBody is a shop-like orders response: n orders spread over keys
// customers, each with three line items and amounts written as decimal
// strings, the way Shopify writes them.
func shopBody(n, keys int) []byte {
	orders := make([]map[string]any, n)
	for i := range orders {
		items := make([]map[string]any, 3)
		for j := range items {
			items[j] = map[string]any{
				"sku":       fmt.Sprintf("SKU-%04d", (i*3+j)%500),
				"title":     fmt.Sprintf("Chemise en lin n°%d", j),
				"quantity":  1 + j,
				"price":     fmt.Sprintf("%d.%02d", 10+j*7, (i+j)%100),
				"tax_lines": []map[string]any{{"rate": 0.2, "title": "TVA"}},
			}
		}
		orders[i] = map[string]any{
			"id":               5000 + i,
			"customer":         map[string]any{"id": fmt.Sprintf("%d", 1000+i%keys), "email": "a@example.com"},
			"created_at":       fmt.Sprintf("2024-05-%02dT10:%02d:00+02:00", 1+i%28, i%60),
			"financial_status": []string{"paid", "refunded", "pending"}[i%3],
			"source_name":      []string{"web", "pos"}[i%2],
			"total_price":      fmt.Sprintf("%d.%02d", 50+i, i%100),
			"currency":         "EUR",
			"line_items":       items,
			"shipping_address": map[string]any{"city": "Lyon", "zip": "69001"},
			"note":             nil,
		}
	}
	b, err := json.Marshal(map[string]any{"orders": orders})
	if err != nil {
		panic(err)
	}
	return b
}

var shopMapping = jsonmap.OrderMapping{
	Records:       "$.orders",
	CustomerKey:   "$.customer.id",
	ID:            "$.id",
	PlacedAt:      "$.created_at",
	Status:        "$.financial_status",
	Channel:       "$.source_name",
	ChannelValues: jsonmap.ValueMap{"web": "online", "pos": "store"},
	Total:         "$.total_price",
	Currency:      "$.currency",
	Items: &jsonmap.ItemMapping{
		Records:   "$.line_items",
		SKU:       "$.sku",
		Name:      "$.title",
		Quantity:  "$.quantity",
		UnitPrice: "$.price",
	},
}

var helpdeskMapping = jsonmap.InteractionMapping{
	Records:         "$.conversations",
	CustomerKey:     "$.user_id",
	ID:              "$.id",
	OccurredAt:      "$.created_at",
	Channel:         "$.channel",
	Type:            "conversation",
	Direction:       "$.direction",
	Summary:         "$.subject",
	Status:          "$.status",
	ThreadRef:       "$.thread_ref",
	FirstResponseAt: "$.first_response_at",
	ResolvedAt:      "$.solved_at",
	Attributes: map[string]string{
		"messages":     "$.messages_count",
		"satisfaction": "$.satisfaction.score",
		"csat":         "$.satisfaction.rating",
	},
}

var crmMapping = jsonmap.ProfileMapping{
	Records:   "$.results",
	Key:       "$.id",
	UpdatedAt: "$.updatedAt",
	Fields: map[string]string{
		"given_name":  "$.properties.firstname",
		"family_name": "$.properties.lastname",
		"email":       "$.properties.email",
		"phone":       "$.properties.phone",
		"city":        "$.properties.city",
		"country":     "$.properties.country",
		"birth_date":  "$.properties.date_of_birth",
		"language":    "$.properties.hs_language",
	},
}

func BenchmarkInteractionsMap200(b *testing.B) {
	m, err := helpdeskMapping.Compile("interactions")
	if err != nil {
		b.Fatal(err)
	}
	doc, err := jsonmap.DecodeBytes(helpdeskBody(200))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		list, err := m.Map(doc)
		if err != nil || len(list) != 200 {
			b.Fatalf("map: %d, %v", len(list), err)
		}
	}
}

func BenchmarkProfilesMap50(b *testing.B) {
	m, err := crmMapping.Compile("profiles")
	if err != nil {
		b.Fatal(err)
	}
	doc, err := jsonmap.DecodeBytes(crmBody(50))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		list, err := m.Map(doc)
		if err != nil || len(list) != 50 {
			b.Fatalf("map: %d, %v", len(list), err)
		}
	}
}

func BenchmarkDecode(b *testing.B) {
	for _, tc := range []struct {
		name string
		body []byte
	}{
		{"interactions200", helpdeskBody(200)},
		{"profiles50", crmBody(50)},
	} {
		b.Run(tc.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(tc.body)))
			for b.Loop() {
				if _, err := jsonmap.DecodeBytes(tc.body); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkDecodeAndMap is one response's whole mapping cost: decode, then
// map every record.
func BenchmarkDecodeAndMap(b *testing.B) {
	im, err := helpdeskMapping.Compile("interactions")
	if err != nil {
		b.Fatal(err)
	}
	pm, err := crmMapping.Compile("profiles")
	if err != nil {
		b.Fatal(err)
	}
	b.Run("interactions200", func(b *testing.B) {
		body := helpdeskBody(200)
		b.ReportAllocs()
		for b.Loop() {
			doc, err := jsonmap.DecodeBytes(body)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := im.Map(doc); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("profiles50", func(b *testing.B) {
		body := crmBody(50)
		b.ReportAllocs()
		for b.Loop() {
			doc, err := jsonmap.DecodeBytes(body)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := pm.Map(doc); err != nil {
				b.Fatal(err)
			}
		}
	})
	om, err := shopMapping.Compile("orders")
	if err != nil {
		b.Fatal(err)
	}
	b.Run("orders100_items3", func(b *testing.B) {
		body := shopBody(100, 50)
		b.ReportAllocs()
		for b.Loop() {
			doc, err := jsonmap.DecodeBytes(body)
			if err != nil {
				b.Fatal(err)
			}
			if list, err := om.Map(doc); err != nil || len(list) != 100 {
				b.Fatalf("map: %d, %v", len(list), err)
			}
		}
	})
}

func BenchmarkValueGet(b *testing.B) {
	doc, err := jsonmap.DecodeBytes([]byte(`{"a": {"b": [{"c": "x"}, {"c": "y"}]}, "items": [{"qty": 1}, {"qty": 3}]}`))
	if err != nil {
		b.Fatal(err)
	}
	for _, src := range []string{"$.a.b[1].c", "$['a']['b'][0]['c']", "$.missing.key", "$.items[?(@.qty > 1)].qty", "$..c"} {
		v := jsonmap.MustCompile(src)
		b.Run(src, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, ok := v.Get(doc); !ok && src != "$.missing.key" {
					b.Fatal("no match")
				}
			}
		})
	}
}

// BenchmarkRead is BenchmarkDecodeAndMap's responses read by the one-pass
// reader, as the connectors read them.
func BenchmarkRead(b *testing.B) {
	im, err := helpdeskMapping.Compile("interactions")
	if err != nil {
		b.Fatal(err)
	}
	pm, err := crmMapping.Compile("profiles")
	if err != nil {
		b.Fatal(err)
	}
	om, err := shopMapping.Compile("orders")
	if err != nil {
		b.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		body []byte
		n    int
		read func([]byte) (int, error)
	}{
		{"interactions200", helpdeskBody(200), 200, readCount(im.Reader())},
		{"profiles50", crmBody(50), 50, readCount(pm.Reader())},
		{"orders100_items3", shopBody(100, 50), 100, readCount(om.Reader())},
	} {
		b.Run(tc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if n, err := tc.read(tc.body); err != nil || n != tc.n {
					b.Fatalf("read: %d, %v", n, err)
				}
			}
		})
	}
}

func readCount[T any](r *jsonmap.Reader[T]) func([]byte) (int, error) {
	return func(b []byte) (int, error) {
		_, list, err := r.Read(b)
		return len(list), err
	}
}
