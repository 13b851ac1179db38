package fanout

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/harmonyhq/harmony/bench/internal/gateway"
)

func TestDoReplaysEveryCallAndFailsOnABadStatus(t *testing.T) {
	var mu sync.Mutex
	var got []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		got = append(got, r.Method+" "+r.URL.Path+" "+r.Header.Get("Authorization")+" "+string(b))
		mu.Unlock()
		if r.URL.Path == "/down" {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
	}))
	defer srv.Close()
	h := http.Header{"Authorization": []string{"Bearer t"}}
	f := &Fanout{Client: srv.Client(), Calls: []gateway.Call{
		{Method: http.MethodGet, URL: srv.URL + "/a", Header: h},
		{Method: http.MethodPost, URL: srv.URL + "/b", Header: h, Body: []byte(`{"ids":[1]}`)},
	}}
	if err := f.Do(context.Background()); err != nil {
		t.Fatalf("Do: %v", err)
	}
	if len(got) != 2 {
		t.Fatalf("upstream saw %v, want both calls", got)
	}
	for _, want := range []string{"GET /a Bearer t ", `POST /b Bearer t {"ids":[1]}`} {
		found := false
		for _, g := range got {
			found = found || g == want
		}
		if !found {
			t.Errorf("upstream saw %q, missing %q", got, want)
		}
	}
	f.Calls = append(f.Calls, gateway.Call{Method: http.MethodGet, URL: srv.URL + "/down"})
	if err := f.Do(context.Background()); err == nil {
		t.Error("Do with a 503 succeeded")
	}
}
