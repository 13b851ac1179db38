package httpauth_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/harmonyhq/harmony/connectors"
	"github.com/harmonyhq/harmony/connectors/httpauth"
)

// authServer is an OAuth2 token endpoint for the client credentials grant.
type authServer struct {
	*httptest.Server
	fetches   atomic.Int32
	expiresIn atomic.Int32 // seconds; 0 leaves expires_in out
	refuse    atomic.Bool
}

const clientSecret = "s3cr3t-client-value"

func newAuthServer(t *testing.T) *authServer {
	a := &authServer{}
	a.expiresIn.Store(3600)
	a.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := r.ParseForm(); err != nil || r.PostForm.Get("grant_type") != "client_credentials" {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		id, secret, ok := r.BasicAuth()
		if !ok {
			id, secret = r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
		}
		w.Header().Set("Content-Type", "application/json")
		if a.refuse.Load() || id != "harmony" || secret != clientSecret {
			w.WriteHeader(http.StatusUnauthorized)
			// Some servers echo what they were sent: it must not reach an error.
			fmt.Fprintf(w, `{"error": "invalid_client", "error_description": "bad secret %s"}`, secret)
			return
		}
		n := a.fetches.Add(1)
		body := map[string]any{"access_token": fmt.Sprintf("tok-%d-%s", n, r.PostForm.Get("audience")), "token_type": "Bearer"}
		if e := a.expiresIn.Load(); e > 0 {
			body["expires_in"] = e
		}
		_ = json.NewEncoder(w).Encode(body)
	}))
	t.Cleanup(a.Close)
	return a
}

// api accepts only the token the auth server issued last.
func api(t *testing.T, auth *authServer) (*httptest.Server, *atomic.Int32) {
	var refused atomic.Int32
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		want := fmt.Sprintf("Bearer tok-%d-crm", auth.fetches.Load())
		if r.Header.Get("Authorization") != want {
			refused.Add(1)
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		fmt.Fprint(w, `{}`)
	}))
	t.Cleanup(s.Close)
	return s, &refused
}

func call(t *testing.T, cfg *httpauth.Config, client *http.Client, url string) (int, error) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := cfg.Authorize(t.Context(), client, req); err != nil {
		return 0, err
	}
	status, _, err := httpauth.Do(t.Context(), client, req, "test", 0)
	cfg.Observe(status)
	return status, err
}

func oauthConfig(tokenURL string) *httpauth.Config {
	return &httpauth.Config{Type: httpauth.TypeOAuth2, TokenURL: tokenURL, ClientID: "harmony",
		ClientSecret: clientSecret, Scopes: []string{"contacts.read"}, Params: map[string]string{"audience": "crm"}}
}

func TestOAuth2TokenIsCachedAndRenewed(t *testing.T) {
	auth := newAuthServer(t)
	up, refused := api(t, auth)
	cfg := oauthConfig(auth.URL)
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}

	// Many concurrent calls share one token.
	var wg sync.WaitGroup
	for range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := call(t, cfg, up.Client(), up.URL); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if n := auth.fetches.Load(); n != 1 {
		t.Fatalf("%d token fetches for 20 calls, want 1", n)
	}

	// The API stops accepting the token (revoked, rotated): the call that
	// sees the 401 fails, and the next one fetches a new token.
	auth.fetches.Add(1) // the API now expects the next token
	if status, err := call(t, cfg, up.Client(), up.URL); status != http.StatusUnauthorized || err == nil {
		t.Fatalf("status %d err %v, want 401", status, err)
	}
	if _, err := call(t, cfg, up.Client(), up.URL); err != nil {
		t.Fatalf("after a refusal, the next call should renew the token: %v", err)
	}
	if refused.Load() != 1 {
		t.Errorf("the API refused %d calls, want 1", refused.Load())
	}

	// A token that expires within the skew is renewed before it is used.
	auth.expiresIn.Store(10)
	cfg2 := oauthConfig(auth.URL)
	before := auth.fetches.Load()
	for range 3 {
		if _, err := call(t, cfg2, up.Client(), up.URL); err != nil {
			t.Fatal(err)
		}
	}
	if got := auth.fetches.Load() - before; got != 3 {
		t.Errorf("%d fetches of a token about to expire for 3 calls, want 3", got)
	}
}

func TestOAuth2RefusedCredentials(t *testing.T) {
	auth := newAuthServer(t)
	auth.refuse.Store(true)
	up, _ := api(t, auth)
	_, err := call(t, oauthConfig(auth.URL), up.Client(), up.URL)
	var ce *connectors.Error
	if !errors.As(err, &ce) || ce.Code != connectors.CodeUnauthorized {
		t.Fatalf("err = %v, want %s", err, connectors.CodeUnauthorized)
	}
	if strings.Contains(err.Error(), clientSecret) || !strings.Contains(err.Error(), "invalid_client") {
		t.Errorf("error %q: want the OAuth2 error code, never the secret", err)
	}
	if got := fmt.Sprintf("%v %+v %#v", *oauthConfig(auth.URL), *oauthConfig(auth.URL), *oauthConfig(auth.URL)); strings.Contains(got, clientSecret) {
		t.Error("printing the configuration reveals the client secret")
	}
}

func TestOAuth2TokenEndpointDown(t *testing.T) {
	auth := newAuthServer(t)
	url := auth.URL
	auth.Close()
	_, err := call(t, oauthConfig(url), http.DefaultClient, "http://127.0.0.1:1/")
	var ce *connectors.Error
	if !errors.As(err, &ce) || ce.Code != connectors.CodeUnavailable {
		t.Fatalf("err = %v, want %s", err, connectors.CodeUnavailable)
	}
}
