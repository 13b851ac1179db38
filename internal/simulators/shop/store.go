package shop

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/harmonyhq/harmony/internal/simulators/population"
	"github.com/harmonyhq/harmony/internal/simulators/simhttp"
)

// store holds the shop's customers and orders, built once from the
// population.
type store struct {
	customers []*customer // ascending numeric id
	byID      map[string]*customer
	// erased are the customers a person deleted in the shop's admin (its
	// API has no erasure).
	erased simhttp.Erased
}

// get returns the customer with id, false when there is none (or it was
// erased).
func (st *store) get(id string) (*customer, bool) {
	c, ok := st.byID[id]
	if !ok || st.erased.Has(id) {
		return nil, false
	}
	return c, true
}

func newStore(pop *population.Population) *store {
	st := &store{byID: map[string]*customer{}}
	for _, p := range pop.Members(population.Shop) {
		rec := p.Records[population.Shop]
		c := &customer{
			id:        rec.Key,
			num:       gidNumber(rec.Key),
			email:     rec.Email,
			phone:     rec.Phone,
			firstName: rec.GivenName,
			lastName:  rec.FamilyName,
			createdAt: simhttp.RFC3339(rec.CreatedAt),
			updatedAt: simhttp.RFC3339(rec.UpdatedAt),
			orders:    p.Orders,
		}
		// The address is captured at checkout: only buyers have one.
		if len(p.Orders) > 0 {
			c.address = &address{city: p.City, countryCode: p.Country}
		}
		st.customers = append(st.customers, c)
		st.byID[c.id] = c
	}
	sort.SliceStable(st.customers, func(i, j int) bool { return st.customers[i].num < st.customers[j].num })
	return st
}

// gidNumber returns the number at the end of "gid://shop/Customer/7001".
func gidNumber(gid string) int64 {
	n, _ := strconv.ParseInt(gid[strings.LastIndexByte(gid, '/')+1:], 10, 64)
	return n
}

// decimal writes cents as "129.90".
func decimal(cents int64) string {
	sign := ""
	if cents < 0 {
		sign, cents = "-", -cents
	}
	return fmt.Sprintf("%s%d.%02d", sign, cents/100, cents%100)
}

// page returns up to first customers after the cursor's customer.
func (st *store) page(first int, after int64) ([]*customer, bool) {
	all := st.customers
	if st.erased.Len() > 0 {
		all = make([]*customer, 0, len(st.customers))
		for _, c := range st.customers {
			if !st.erased.Has(c.id) {
				all = append(all, c)
			}
		}
	}
	start := sort.Search(len(all), func(i int) bool { return all[i].num > after })
	end := min(start+first, len(all))
	return all[start:end], end < len(all)
}

// ordersOf returns a customer's orders in the window, newest first, at most
// limit.
func (c *customer) ordersIn(w simhttp.Window, limit int) []population.Order {
	return simhttp.Newest(c.orders, func(o population.Order) time.Time { return o.CreatedAt }, w, limit)
}
