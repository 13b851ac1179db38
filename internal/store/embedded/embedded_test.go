package embedded

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"
)

func TestQuietHandlerKeepsCustomerDataOut(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(quietHandler{next: slog.NewJSONHandler(&buf, nil)})
	log.Info("Connection started", "conn", "127.0.0.1:1")
	log.Warn("Response message:\n{\"email\": \"ada@example.com\"}")
	log.Warn("Request message:\n{\"find\": \"customers\"}")
	log.Error("something failed\n{\"phone\": \"+33612345678\"}", "document", "ada@example.com")
	out := buf.String()
	for _, leak := range []string{"ada@example.com", "+33612345678", "Connection started", "customers"} {
		if strings.Contains(out, leak) {
			t.Errorf("logged %q: %s", leak, out)
		}
	}
	if !strings.Contains(out, "something failed") {
		t.Errorf("the first line of an error is lost: %s", out)
	}
}

func TestStartAndClose(t *testing.T) {
	srv, err := Start(context.Background(), t.TempDir(), slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(srv.URI(), "mongodb://127.0.0.1:") {
		t.Fatalf("URI = %q", srv.URI())
	}
	done := make(chan struct{})
	go func() { srv.Close(); srv.Close(); close(done) }()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("Close does not return")
	}
}
