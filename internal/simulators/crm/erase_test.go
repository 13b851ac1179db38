package crm_test

import (
	"net/http"
	"testing"

	"github.com/harmonyhq/harmony/internal/simulators/population"
	"github.com/harmonyhq/harmony/internal/simulators/simhttp/simtest"
)

func TestGDPRDeleteRemovesTheContactFromEveryRead(t *testing.T) {
	s, pop := start(t, 20)
	key := pop.Members(population.CRM)[0].Key(population.CRM)
	del := func() int {
		req := simtest.NewRequest(t, http.MethodPost, s.URL()+"/crm/v3/objects/contacts/gdpr-delete", map[string]string{"objectId": key})
		req.Header.Set("Authorization", "Bearer "+token)
		code, _ := simtest.Do(t, req)
		return code
	}
	get := func() int {
		req := simtest.NewRequest(t, http.MethodGet, s.URL()+"/crm/v3/objects/contacts/"+key, nil)
		req.Header.Set("Authorization", "Bearer "+token)
		code, _ := simtest.Do(t, req)
		return code
	}
	steps := []struct {
		name      string
		do        func() int
		want      int
		wantBatch int // contacts the batch read answers for the key
	}{
		{"read before", get, http.StatusOK, 1},
		{"delete", del, http.StatusNoContent, 0},
		{"read after", get, http.StatusNotFound, 0},
		{"delete again", del, http.StatusNotFound, 0},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			if got := st.do(); got != st.want {
				t.Fatalf("status %d, want %d", got, st.want)
			}
			var out batchResponse
			simtest.DoJSON(t, batchReq(t, s, inputs(key)), http.StatusOK, &out)
			if len(out.Results) != st.wantBatch {
				t.Errorf("batch read answers %d contacts, want %d", len(out.Results), st.wantBatch)
			}
		})
	}
	var page struct{ Results []struct{ ID string } }
	simtest.DoJSON(t, listReq(t, s, "limit=100"), http.StatusOK, &page)
	for _, c := range page.Results {
		if c.ID == key {
			t.Errorf("the list still shows the deleted contact")
		}
	}
	if !s.Erased(key) {
		t.Errorf("Erased(%s) = false", key)
	}
}
