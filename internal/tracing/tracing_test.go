package tracing

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/otel"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/harmonyhq/harmony/internal/config"
	"github.com/harmonyhq/harmony/internal/testlog"
)

func TestValidRequestID(t *testing.T) {
	tests := []struct {
		id string
		ok bool
	}{
		{"req-1", true},
		{"7f3a.b:9_x", true},
		{strings.Repeat("a", 64), true},
		{strings.Repeat("a", 65), false},
		{"", false},
		{"ana@example.test", false},
		{"a b", false},
		{"a\nb", false},
		{"é", false},
	}
	for _, tt := range tests {
		if got := ValidRequestID(tt.id); got != tt.ok {
			t.Errorf("ValidRequestID(%q) = %v, want %v", tt.id, got, tt.ok)
		}
	}
	if id := NewRequestID(); len(id) != 32 || !ValidRequestID(id) || id == NewRequestID() {
		t.Errorf("NewRequestID() = %q", id)
	}
}

func TestRequestIDsReachLogsAndResponse(t *testing.T) {
	var logs bytes.Buffer
	log := slog.New(NewHandler(slog.NewJSONHandler(testlog.Tee(&logs), nil)))
	h := RequestIDs(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		log.InfoContext(r.Context(), "served", "header", r.Header.Get(RequestIDHeader))
	}))
	for _, sent := range []string{"req-42", "", "bad id"} {
		logs.Reset()
		req := httptest.NewRequestWithContext(t.Context(), http.MethodGet, "/", nil)
		if sent != "" {
			req.Header.Set(RequestIDHeader, sent)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		got := rec.Header().Get(RequestIDHeader)
		if (sent == "req-42") != (got == sent) || !ValidRequestID(got) {
			t.Errorf("sent %q, got %q", sent, got)
		}
		var line map[string]any
		if err := json.Unmarshal(logs.Bytes(), &line); err != nil {
			t.Fatal(err)
		}
		if line["request_id"] != got || line["header"] != got {
			t.Errorf("sent %q: log line %v, want request_id %q", sent, line, got)
		}
	}
	// Without a request, nothing is added.
	logs.Reset()
	log.Info("background")
	if strings.Contains(logs.String(), "request_id") {
		t.Errorf("a background line has a request ID: %s", logs.String())
	}
}

func TestRecorderListsCallsByStart(t *testing.T) {
	start := time.Unix(1700000000, 0)
	ctx, rec := WithRecorder(context.Background(), start)
	if RecorderFrom(ctx) != rec || RecorderFrom(context.Background()) != nil {
		t.Fatal("the recorder does not travel in the context")
	}
	rec.Add(Call{Connector: "shop", Capability: "orders", Keys: 3, Attempt: 1, Start: start.Add(5 * time.Millisecond), Duration: 2 * time.Millisecond, Outcome: "ok"})
	rec.Add(Call{Connector: "crm", Capability: "profiles", Keys: 2, Attempt: 1, Start: start.Add(time.Millisecond), Duration: 7 * time.Millisecond, Outcome: "TIMEOUT"})
	var nilRec *Recorder
	nilRec.Add(Call{}) // records nothing, does not panic
	calls := rec.Extension()["calls"].([]map[string]any)
	if len(calls) != 2 || calls[0]["connector"] != "crm" || calls[0]["startOffsetMs"] != 1.0 || calls[0]["durationMs"] != 7.0 ||
		calls[1]["connector"] != "shop" || calls[1]["keys"] != 3 || calls[0]["outcome"] != "TIMEOUT" {
		t.Errorf("calls = %v", calls)
	}
}

func TestSetupStdout(t *testing.T) {
	prev := otel.GetTracerProvider()
	t.Cleanup(func() { otel.SetTracerProvider(prev) })
	stop, err := Setup(t.Context(), config.Tracing{Exporter: config.TracingNone}, nil)
	if err != nil || stop(t.Context()) != nil {
		t.Fatalf("none: %v", err)
	}
	var out bytes.Buffer
	stop, err = Setup(t.Context(), config.Tracing{Exporter: config.TracingStdout, ServiceName: "harmony"}, &out)
	if err != nil {
		t.Fatal(err)
	}
	_, span := Tracer().Start(t.Context(), "graphql query Q")
	span.End()
	if err := stop(t.Context()); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), `"Name":"graphql query Q"`) || !strings.Contains(out.String(), "harmony") {
		t.Errorf("stdout exporter wrote %s", out.String())
	}
	if _, ok := otel.GetTracerProvider().(*sdktrace.TracerProvider); !ok {
		t.Error("Setup did not install an SDK provider")
	}
}
