package app

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/harmonyhq/harmony/internal/config"

	"github.com/harmonyhq/harmony/internal/testlog"
)

func TestCheckOpen(t *testing.T) {
	withKey := config.Auth{APIKeys: []config.APIKey{{ID: "app", SHA256: strings.Repeat("a", 64), Role: "app"}}}
	withJWT := config.Auth{JWT: &config.JWT{JWKSURL: "https://idp/jwks", Issuer: "i", Audience: "a"}}
	tests := []struct {
		addr string
		auth config.Auth
		ok   bool
	}{
		{"127.0.0.1:8080", config.Auth{}, true},
		{"[::1]:8080", config.Auth{}, true},
		{"localhost:8080", config.Auth{}, true},
		{"0.0.0.0:8080", config.Auth{}, false},
		{":8080", config.Auth{}, false},
		{"192.168.1.10:8080", config.Auth{}, false},
		{"0.0.0.0:8080", withKey, true},
		{":8080", withJWT, true},
	}
	for _, tt := range tests {
		err := CheckOpen(&config.Config{File: "h.yaml", Auth: tt.auth}, tt.addr)
		var ce *config.Error
		switch {
		case tt.ok && err != nil:
			t.Errorf("%s: %v", tt.addr, err)
		case !tt.ok && (!errors.As(err, &ce) || ce.Key != "auth" || !strings.Contains(ce.Reason, "required when server.addr is not loopback")):
			t.Errorf("%s: err = %v, want a config error on auth", tt.addr, err)
		}
	}
}

// syncBuffer is a log sink safe for the serving goroutine.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestServeWithoutAuth(t *testing.T) {
	var logs syncBuffer
	g := &Gateway{
		Config:  &config.Config{File: "h.yaml", Server: config.Server{ShutdownTimeout: time.Second}},
		Handler: http.NotFoundHandler(),
		log:     slog.New(slog.NewJSONHandler(testlog.Tee(&logs), nil)),
	}

	err := g.Serve(t.Context(), "0.0.0.0:0", func(net.Addr) { t.Error("listened beyond loopback without auth") })
	var ce *config.Error
	if !errors.As(err, &ce) || ce.Key != "auth" {
		t.Fatalf("err = %v, want a config error on auth", err)
	}

	ctx, cancel := context.WithCancel(t.Context())
	bound := make(chan net.Addr, 1)
	done := make(chan error, 1)
	go func() { done <- g.Serve(ctx, "127.0.0.1:0", func(a net.Addr) { bound <- a }) }()
	select {
	case a := <-bound:
		if !config.IsLoopback(a.String()) {
			t.Errorf("bound %s", a)
		}
	case err := <-done:
		t.Fatal(err)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(logs.String(), `"level":"WARN","msg":"auth: none configured; the gateway is OPEN`) {
		t.Errorf("no warning at start: %s", logs.String())
	}
}
