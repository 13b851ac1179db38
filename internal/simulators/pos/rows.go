package pos

import (
	"encoding/json"
	"time"

	"github.com/harmonyhq/harmony/internal/simulators/population"
)

// schema statements; {T} is the time column type, {S} the table prefix.
var schemaSQL = []string{
	`CREATE TABLE {S}customers (
		id TEXT PRIMARY KEY,
		loyalty_card TEXT,
		first_name TEXT,
		last_name TEXT,
		phone TEXT,
		email TEXT,
		home_store TEXT,
		updated_at {T} NOT NULL
	)`,
	`CREATE TABLE {S}sales (
		id TEXT PRIMARY KEY,
		customer_id TEXT NOT NULL REFERENCES {S}customers (id),
		store TEXT,
		sold_at {T} NOT NULL,
		total_cents BIGINT NOT NULL,
		currency TEXT NOT NULL,
		status TEXT NOT NULL,
		items TEXT NOT NULL
	)`,
}

// indexSQL runs after the data is loaded;  is the index-name prefix.
var indexSQL = []string{
	`CREATE INDEX sales_customer_sold_at ON {S}sales (customer_id, sold_at DESC)`,
	`CREATE INDEX customers_loyalty_card ON {S}customers (loyalty_card)`,
	`CREATE INDEX customers_email ON {S}customers (email)`,
	`CREATE INDEX customers_phone ON {S}customers (phone)`,
}

var customerColumns = []string{"id", "loyalty_card", "first_name", "last_name", "phone", "email", "home_store", "updated_at"}

var saleColumns = []string{"id", "customer_id", "store", "sold_at", "total_cents", "currency", "status", "items"}

type customerRow struct {
	id, loyaltyCard, firstName, lastName string
	phone, email                         *string
	homeStore                            string
	updatedAt                            time.Time
}

type saleRow struct {
	id, customerID, store string
	soldAt                time.Time
	totalCents            int64
	currency, status      string
	items                 string
}

type item struct {
	SKU       string `json:"sku"`
	Name      string `json:"name"`
	Quantity  int    `json:"quantity"`
	UnitCents int64  `json:"unit_cents"`
}

func nullable(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// rows returns the POS's customers and sales for pop, in key order.
func rows(pop *population.Population) ([]customerRow, []saleRow, error) {
	var cs []customerRow
	var ss []saleRow
	for _, p := range pop.Members(population.POS) {
		rec := p.Records[population.POS]
		cs = append(cs, customerRow{
			id:          rec.Key,
			loyaltyCard: p.LoyaltyCard,
			firstName:   rec.GivenName,
			lastName:    rec.FamilyName,
			phone:       nullable(rec.Phone),
			email:       nullable(rec.Email),
			homeStore:   rec.HomeStore,
			updatedAt:   rec.UpdatedAt,
		})
		for _, s := range p.Sales {
			items := make([]item, len(s.Lines))
			for i, l := range s.Lines {
				items[i] = item{SKU: l.SKU, Name: l.Title, Quantity: l.Quantity, UnitCents: l.UnitCents}
			}
			b, err := json.Marshal(items)
			if err != nil {
				return nil, nil, err
			}
			ss = append(ss, saleRow{
				id:         s.ID,
				customerID: rec.Key,
				store:      s.Store,
				soldAt:     s.SoldAt,
				totalCents: s.TotalCents,
				currency:   population.Currency,
				status:     s.Status,
				items:      string(b),
			})
		}
	}
	return cs, ss, nil
}

// sqlTime is the SQLite text form of a time.
func sqlTime(t time.Time) string { return t.UTC().Format(time.RFC3339) }
