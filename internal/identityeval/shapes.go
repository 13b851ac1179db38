package identityeval

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"time"
)

// Page caps: what each system answers at most, whatever is asked.
const (
	crmMaxPage      = 50  // HubSpot-like: limit above 50 is read as 50
	shopMaxPage     = 50  // Shopify-like: per_page above 50 is read as 50
	posMaxPage      = 200 // honours count up to 200
	helpdeskMaxPage = 100
	// posShortBy is how many records fewer than asked the point of sale
	// answers on every third page (a batch boundary in its database).
	posShortBy = 13
)

// shapeOf returns how a system renders a record, the path of its listing
// and how it serves it.
func shapeOf(name string) (render func(*Record) []byte, path string, list pageWriter) {
	switch name {
	case SystemCRM:
		return renderCRM, "/crm/v3/objects/contacts", listCRM
	case SystemShop:
		return renderShop, "/admin/api/2024-01/customers.json", listShop
	case SystemPOS:
		return renderPOS, "/api/v1/customers", listPOS
	default:
		return renderHelpdesk, "/api/v2/users", listHelpdesk
	}
}

// null writes "" as JSON null.
func null(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// mustJSON encodes one of the shapes' structs: strings, numbers and
// structs of them, which always encode.
func mustJSON(v any) []byte {
	b, _ := json.Marshal(v)
	return b
}

// renderCRM: a HubSpot-like contact, properties nested, string ID.
func renderCRM(r *Record) []byte {
	type props struct {
		First *string `json:"firstname"`
		Last  *string `json:"lastname"`
		Email *string `json:"email"`
		Phone *string `json:"phone"`
		Birth *string `json:"date_of_birth"`
	}
	return mustJSON(struct {
		ID         string `json:"id"`
		Properties props  `json:"properties"`
		UpdatedAt  string `json:"updatedAt"`
		Archived   bool   `json:"archived"`
	}{r.Key, props{null(r.Out.Given), null(r.Out.Family), null(r.Out.Email), null(r.Out.Phone), null(r.Out.Birth)},
		r.UpdatedAt.Format(time.RFC3339), false})
}

// listCRM pages with a cursor in the body: ?limit=&after=, at most 50.
func listCRM(w http.ResponseWriter, r *http.Request, s *System) {
	limit, ok := intParam(r, "limit", 10)
	offset, ok2 := untoken(r.URL.Query().Get("after"))
	if !ok || !ok2 || limit == 0 {
		http.Error(w, `{"status":"error","message":"invalid paging"}`, http.StatusBadRequest)
		return
	}
	bodies, total := s.slice(offset, s.capped(limit, crmMaxPage))
	suffix := "}"
	if next := offset + len(bodies); next < total {
		suffix = `,"paging":{"next":{"after":"` + token(next) + `"}}}`
	}
	writeJSONList(w, `{"results":`, bodies, suffix)
}

// renderShop: a Shopify-like customer, numeric ID, the card in a nested
// object, updated_at with an offset.
func renderShop(r *Record) []byte {
	id, _ := strconv.ParseInt(r.Key, 10, 64)
	type loyalty struct {
		Card string `json:"card_number"`
		Tier string `json:"tier"`
	}
	var l *loyalty
	if r.Out.Card != "" {
		l = &loyalty{Card: r.Out.Card, Tier: "member"}
	}
	return mustJSON(struct {
		ID        int64    `json:"id"`
		First     *string  `json:"first_name"`
		Last      *string  `json:"last_name"`
		Email     *string  `json:"email"`
		Phone     *string  `json:"phone"`
		UpdatedAt string   `json:"updated_at"`
		Loyalty   *loyalty `json:"loyalty"`
		State     string   `json:"state"`
	}{id, null(r.Out.Given), null(r.Out.Family), null(r.Out.Email), null(r.Out.Phone),
		r.UpdatedAt.In(time.FixedZone("", -4*3600)).Format(time.RFC3339), l, "enabled"})
}

// listShop pages by number: ?page=&per_page=, at most 50 a page, pages
// cut by the size the shop actually serves.
func listShop(w http.ResponseWriter, r *http.Request, s *System) {
	page, ok := intParam(r, "page", 1)
	per, ok2 := intParam(r, "per_page", 50)
	if !ok || !ok2 || page < 1 || per == 0 {
		http.Error(w, `{"errors":"invalid paging"}`, http.StatusBadRequest)
		return
	}
	per = s.capped(per, shopMaxPage)
	bodies, _ := s.slice((page-1)*per, per)
	writeJSONList(w, `{"customers":`, bodies, "}")
}

// renderPOS: a point of sale's customer: zero-padded string key, nested
// name, an array of contact points, the card as a JSON number, a local
// time without zone.
func renderPOS(r *Record) []byte {
	type point struct {
		Type  string `json:"type"`
		Value string `json:"value"`
	}
	type name struct {
		Given  *string `json:"given"`
		Family *string `json:"family"`
	}
	points := []point{}
	if r.Out.Email != "" {
		points = append(points, point{"email", r.Out.Email})
	}
	if r.Out.Phone != "" {
		points = append(points, point{"phone", r.Out.Phone})
	}
	var card *json.Number
	if r.Out.Card != "" {
		n := json.Number(r.Out.Card)
		card = &n
	}
	return mustJSON(struct {
		No       string       `json:"customer_no"`
		Name     name         `json:"name"`
		Contacts []point      `json:"contact_points"`
		Card     *json.Number `json:"card"`
		DOB      *string      `json:"dob"`
		Modified string       `json:"modified"`
	}{r.Key, name{null(r.Out.Given), null(r.Out.Family)}, points, card, null(r.Out.Birth), r.UpdatedAt.Format(time.DateTime)})
}

// listPOS pages by offset: ?offset=&count=, honouring count up to 200 but
// answering posShortBy records fewer on every third page.
func listPOS(w http.ResponseWriter, r *http.Request, s *System) {
	offset, ok := intParam(r, "offset", 0)
	count, ok2 := intParam(r, "count", 100)
	if !ok || !ok2 || count == 0 {
		http.Error(w, `{"error":"invalid paging"}`, http.StatusBadRequest)
		return
	}
	count = s.capped(count, posMaxPage)
	if !s.honest && offset > 0 && (offset/count)%3 == 1 && count > posShortBy {
		count -= posShortBy
	}
	bodies, total := s.slice(offset, count)
	writeJSONList(w, `{"data":`, bodies, fmt.Sprintf(`,"offset":%d,"count":%d,"total":%d}`, offset, len(bodies), total))
}

// renderHelpdesk: a helpdesk user: numeric ID, e-mail as a display name,
// WhatsApp ID as Twilio writes it, the handle nested, updated_at in unix
// milliseconds.
func renderHelpdesk(r *Record) []byte {
	id, _ := strconv.Atoi(r.Key)
	type social struct {
		Instagram *string `json:"instagram"`
	}
	return mustJSON(struct {
		ID        int     `json:"user_id"`
		First     *string `json:"first"`
		Last      *string `json:"last"`
		Email     *string `json:"email"`
		Phone     *string `json:"phone"`
		WhatsApp  *string `json:"whatsapp"`
		Social    social  `json:"social"`
		UpdatedAt int64   `json:"updated_at"`
	}{id, null(r.Out.Given), null(r.Out.Family), null(r.Out.Email), null(r.Out.Phone), null(r.Out.WhatsApp),
		social{null(r.Out.Instagram)}, r.UpdatedAt.UnixMilli()})
}

// listHelpdesk answers a bare JSON array and names the next page in an
// RFC 8288 Link header: ?per_page=&page_token=, at most 100.
func listHelpdesk(w http.ResponseWriter, r *http.Request, s *System) {
	per, ok := intParam(r, "per_page", 25)
	offset, ok2 := untoken(r.URL.Query().Get("page_token"))
	if !ok || !ok2 || per == 0 {
		http.Error(w, `{"error":"invalid paging"}`, http.StatusBadRequest)
		return
	}
	per = s.capped(per, helpdeskMaxPage)
	bodies, total := s.slice(offset, per)
	if next := offset + len(bodies); next < total {
		w.Header().Set("Link", fmt.Sprintf(`<%s/api/v2/users?per_page=%d&page_token=%s>; rel="next"`, s.URL, per, token(next)))
	}
	writeJSONList(w, "", bodies, "")
}
