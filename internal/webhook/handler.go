package webhook

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/harmonyhq/harmony/connectors"
	"github.com/harmonyhq/harmony/internal/bus"
	"github.com/harmonyhq/harmony/internal/config"
	"github.com/harmonyhq/harmony/internal/identity"
	"github.com/harmonyhq/harmony/internal/store"
)

// Limits of a delivery.
const (
	DefaultMaxBodyBytes = 1 << 20
	DefaultMaxEvents    = 500
	// maxIDBytes bounds an event ID.
	maxIDBytes = 512
	// storeTimeout bounds the resolution and the write of one delivery.
	// They run to completion even when the system hangs up, so a stored
	// event is also published.
	storeTimeout = 15 * time.Second
)

// Answer codes, in the "code" of error answers and in metrics.
const (
	CodeOK               = "OK"
	CodeNotFound         = "NOT_FOUND"
	CodeMissingSignature = "SIGNATURE_MISSING"
	CodeBadSignature     = "SIGNATURE_INVALID"
	CodeStaleSignature   = "SIGNATURE_EXPIRED"
	CodeTooLarge         = "PAYLOAD_TOO_LARGE"
	CodeMalformed        = "MALFORMED"
	CodeStoreUnavailable = "STORE_UNAVAILABLE"
)

// Endpoint is one connector's webhook: how its deliveries are signed and
// who parses them.
type Endpoint struct {
	// Connector is the instance name, the {connector} of the path.
	Connector string
	Verifier  *Verifier
	Parser    connectors.EventParser
	// MaxBodyBytes and MaxEvents bound a delivery (defaults when zero).
	MaxBodyBytes int64
	MaxEvents    int
}

// NewEndpoint builds the endpoint of the connector named name from its
// webhook configuration. conn must parse events. Errors are
// *connectors.ConfigError relative to the webhook block.
func NewEndpoint(name string, w config.Webhook, conn connectors.Connector) (Endpoint, error) {
	v, err := NewVerifier(w)
	if err != nil {
		return Endpoint{}, err
	}
	p, ok := conn.(connectors.EventParser)
	hasCap := false
	for _, c := range connectors.Capabilities(conn) {
		hasCap = hasCap || c == connectors.CapEvents
	}
	if !ok || !hasCap {
		return Endpoint{}, connectors.Invalid("", "the connector does not parse events: configure its events mapping (rest kind: config.events)")
	}
	if w.MaxBodyBytes < 0 || w.MaxBodyBytes > 64<<20 {
		return Endpoint{}, connectors.Invalid("max_body_bytes", "must be between 1 and 67108864")
	}
	if w.MaxEvents < 0 || w.MaxEvents > 10_000 {
		return Endpoint{}, connectors.Invalid("max_events", "must be between 1 and 10000")
	}
	return Endpoint{Connector: name, Verifier: v, Parser: p, MaxBodyBytes: w.MaxBodyBytes, MaxEvents: w.MaxEvents}, nil
}

// Store is where events go; *store.Store is one.
type Store interface {
	AddActivities(ctx context.Context, as []store.Activity) (stored []bool, err error)
}

// Resolver finds the customers events name; *identity.Linker is one.
type Resolver interface {
	Owners(ctx context.Context, refs []identity.Ref) ([]identity.Resolved, error)
}

// Options configure a Handler.
type Options struct {
	Endpoints []Endpoint
	Store     Store
	// Resolver resolves customers; events stay unresolved when nil.
	Resolver Resolver
	// Bus receives stored events; none when nil.
	Bus bus.Bus
	Log *slog.Logger
	// Registerer receives the handler's metrics; none when nil.
	Registerer prometheus.Registerer
	// Now is the clock, time.Now when nil.
	Now func() time.Time
	// Invalidate, when set, is told the customers of each stored delivery
	// (the connector's native keys and the resolved customer IDs) before
	// the answer, so that their cached reads are dropped. Its failure is
	// the callee's to log: the delivery is stored.
	Invalidate func(ctx context.Context, connector string, keys, customerIDs []string) error
	// Suppressed, when set, reports whether an event names an erased
	// person (the suppression list): such an event is acknowledged, so
	// that the system does not send it again, but neither stored nor
	// published, and counted with outcome "suppressed".
	Suppressed func(connector string, e connectors.Event) bool
}

// Handler serves POST /webhooks/{connector}.
type Handler struct {
	endpoints atomic.Pointer[map[string]*Endpoint] // swapped by SetEndpoints
	o         Options
	requests  *prometheus.CounterVec
	events    *prometheus.CounterVec
	published *prometheus.CounterVec
}

// New builds the handler.
func New(o Options) *Handler {
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	h := &Handler{o: o,
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "harmony_webhook_requests_total",
			Help: "Webhook deliveries by connector and answer code."}, []string{"connector", "code"}),
		events: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "harmony_webhook_events_total",
			Help: "Webhook events by connector and outcome (stored, duplicate, suppressed)."}, []string{"connector", "outcome"}),
		published: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "harmony_webhook_publish_total",
			Help: "Stored webhook events handed to the bus, by connector and result (ok, error)."}, []string{"connector", "result"}),
	}
	if o.Registerer != nil {
		o.Registerer.MustRegister(h.requests, h.events, h.published)
	}
	h.SetEndpoints(o.Endpoints)
	return h
}

// SetEndpoints replaces the endpoints, for a configuration reload: a
// delivery already being served finishes with the endpoint it started with.
func (h *Handler) SetEndpoints(list []Endpoint) {
	m := make(map[string]*Endpoint, len(list))
	for i := range list {
		ep := list[i]
		if ep.MaxBodyBytes <= 0 {
			ep.MaxBodyBytes = DefaultMaxBodyBytes
		}
		if ep.MaxEvents <= 0 {
			ep.MaxEvents = DefaultMaxEvents
		}
		m[ep.Connector] = &ep
	}
	h.endpoints.Store(&m)
}

// Result is the body of a 200 answer. It holds counts only.
type Result struct {
	// Received is the number of events in the delivery.
	Received int `json:"received"`
	// Suppressed is how many named an erased person: acknowledged, dropped.
	Suppressed int `json:"suppressed,omitempty"`
	// Stored is how many were new and are now stored.
	Stored int `json:"stored"`
	// Duplicates is how many were stored before (or twice in the delivery).
	Duplicates int `json:"duplicates"`
	// Duplicate is true when every event of a non-empty delivery was.
	Duplicate bool `json:"duplicate"`
}

// failure is an answer other than 200.
type failure struct {
	status  int
	code    string
	message string
}

func (f *failure) Error() string { return f.message }

func fail(status int, code, message string) *failure {
	return &failure{status: status, code: code, message: message}
}

// ServeHTTP implements http.Handler.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("connector")
	ep := (*h.endpoints.Load())[name]
	label := name
	if ep == nil {
		label = "unknown"
	}
	res, f := h.serve(r, ep)
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	if f != nil {
		h.requests.WithLabelValues(label, f.code).Inc()
		w.WriteHeader(f.status)
		body, _ := json.Marshal(map[string]any{"error": map[string]string{"code": f.code, "message": f.message}})
		_, _ = w.Write(body)
		return
	}
	h.requests.WithLabelValues(label, CodeOK).Inc()
	body, _ := json.Marshal(res)
	_, _ = w.Write(body)
}

func (h *Handler) serve(r *http.Request, ep *Endpoint) (Result, *failure) {
	if ep == nil {
		return Result{}, fail(http.StatusNotFound, CodeNotFound, "no webhook is configured for this connector")
	}
	if r.ContentLength > ep.MaxBodyBytes {
		return Result{}, fail(http.StatusRequestEntityTooLarge, CodeTooLarge, "the body is too large")
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, ep.MaxBodyBytes+1))
	if err != nil {
		return Result{}, fail(http.StatusBadRequest, CodeMalformed, "the body could not be read")
	}
	if int64(len(body)) > ep.MaxBodyBytes {
		return Result{}, fail(http.StatusRequestEntityTooLarge, CodeTooLarge, "the body is too large")
	}
	if err := ep.Verifier.Verify(r.Header, body, h.o.Now()); err != nil {
		switch {
		case errors.Is(err, ErrMissingSignature):
			return Result{}, fail(http.StatusUnauthorized, CodeMissingSignature, ErrMissingSignature.Error())
		case errors.Is(err, ErrStaleSignature):
			return Result{}, fail(http.StatusUnauthorized, CodeStaleSignature, ErrStaleSignature.Error())
		default:
			return Result{}, fail(http.StatusUnauthorized, CodeBadSignature, ErrBadSignature.Error())
		}
	}
	events, f := h.parse(r.Context(), ep, r.Header, body)
	if f != nil {
		return Result{}, f
	}
	if len(events) > ep.MaxEvents {
		return Result{}, fail(http.StatusRequestEntityTooLarge, CodeTooLarge, fmt.Sprintf("a delivery carries at most %d events", ep.MaxEvents))
	}
	if len(events) == 0 {
		return Result{}, nil
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), storeTimeout)
	defer cancel()
	return h.store(ctx, ep, events)
}

// parse runs the connector's parser, which must not take the gateway down
// nor echo the body, and checks its events.
func (h *Handler) parse(ctx context.Context, ep *Endpoint, header http.Header, body []byte) (events []connectors.Event, f *failure) {
	malformed := fail(http.StatusBadRequest, CodeMalformed, "the body is not a delivery this connector understands")
	defer func() {
		if p := recover(); p != nil {
			h.o.Log.Error("webhook parser panicked", "connector", ep.Connector, "panic_type", fmt.Sprintf("%T", p))
			events, f = nil, malformed
		}
	}()
	events, err := ep.Parser.ParseEvents(ctx, header.Clone(), body)
	if err != nil {
		h.o.Log.Info("webhook delivery refused", "connector", ep.Connector, "code", CodeMalformed)
		return nil, malformed
	}
	for i := range events {
		if !validID(events[i].ID) {
			return nil, fail(http.StatusBadRequest, CodeMalformed, "an event has no valid id")
		}
		if !sanitize(&events[i]) {
			return nil, fail(http.StatusBadRequest, CodeMalformed, "an event has a time out of range")
		}
	}
	return events, nil
}

// validID accepts IDs the store can hold as they are: bounded, valid
// UTF-8, no NUL.
func validID(id string) bool {
	return id != "" && len(id) <= maxIDBytes && utf8.ValidString(id) && !strings.ContainsRune(id, 0)
}

// sanitize makes an event's text storable (valid UTF-8, no NUL) and reports
// whether its times are.
func sanitize(e *connectors.Event) bool {
	clean := func(s *string) {
		if !utf8.ValidString(*s) || strings.ContainsRune(*s, 0) {
			*s = strings.ReplaceAll(strings.ToValidUTF8(*s, "\uFFFD"), "\x00", "\uFFFD")
		}
	}
	clean(&e.Type)
	clean(&e.CustomerKey)
	clean(&e.Identifier.Kind)
	clean(&e.Identifier.Value)
	in := e.Interaction
	if in == nil {
		return true
	}
	for _, s := range []*string{&in.ID, &in.CustomerKey, &in.Channel, &in.Type, &in.Direction, &in.Summary, &in.Status, &in.ThreadRef} {
		clean(s)
	}
	attrs := make(map[string]string, len(in.Attributes))
	for k, v := range in.Attributes {
		clean(&k)
		clean(&v)
		attrs[k] = v
	}
	if in.Attributes != nil {
		in.Attributes = attrs
	}
	for _, t := range []time.Time{in.OccurredAt, in.FirstResponseAt, in.ResolvedAt} {
		if !t.IsZero() && (t.Year() < 1 || t.Year() > 9999) {
			return false
		}
	}
	return true
}

// store resolves the events' customers, stores them and publishes the new
// ones.
func (h *Handler) store(ctx context.Context, ep *Endpoint, events []connectors.Event) (Result, *failure) {
	unavailable := fail(http.StatusServiceUnavailable, CodeStoreUnavailable, "the events could not be stored; send them again")
	received := len(events)
	if h.o.Suppressed != nil {
		kept := events[:0:0]
		for _, e := range events {
			if !h.o.Suppressed(ep.Connector, e) {
				kept = append(kept, e)
			}
		}
		if dropped := received - len(kept); dropped > 0 {
			h.events.WithLabelValues(ep.Connector, "suppressed").Add(float64(dropped))
			h.o.Log.Info("webhook events of an erased person dropped", "connector", ep.Connector, "events", dropped)
		}
		events = kept
		if len(events) == 0 {
			return Result{Received: received, Suppressed: received}, nil
		}
	}
	resolved := make([]identity.Resolved, len(events))
	if h.o.Resolver != nil {
		refs := make([]identity.Ref, len(events))
		for i, e := range events {
			refs[i] = identity.Ref{System: ep.Connector, Key: e.CustomerKey, Identifier: e.Identifier}
		}
		var err error
		if resolved, err = h.o.Resolver.Owners(ctx, refs); err != nil || len(resolved) != len(events) {
			h.o.Log.Warn("webhook events could not be resolved", "connector", ep.Connector, "events", len(events), "error", errText(err))
			return Result{}, unavailable
		}
	}
	now := h.o.Now().UTC()
	docs := make([]store.Activity, len(events))
	for i, e := range events {
		docs[i] = activity(ep.Connector, e, resolved[i], now)
	}
	stored, err := h.o.Store.AddActivities(ctx, docs)
	if err != nil || len(stored) != len(docs) {
		h.o.Log.Warn("webhook events could not be stored", "connector", ep.Connector, "events", len(events), "error", errText(err))
		return Result{}, unavailable
	}
	if h.o.Invalidate != nil {
		keys, ids := make([]string, 0, len(events)), make([]string, 0, len(events))
		for i, e := range events {
			keys = append(keys, e.CustomerKey)
			if resolved[i].CustomerID != "" {
				ids = append(ids, resolved[i].CustomerID)
			}
		}
		_ = h.o.Invalidate(ctx, ep.Connector, keys, ids)
	}
	res := Result{Received: received, Suppressed: received - len(events)}
	for i, ok := range stored {
		if !ok {
			res.Duplicates++
			continue
		}
		res.Stored++
		if h.o.Bus != nil {
			result := "ok"
			if err := h.o.Bus.Publish(ctx, busEvent(docs[i], events[i])); err != nil {
				result = "error"
				h.o.Log.Warn("webhook event stored but not published", "connector", ep.Connector, "error", err.Error())
			}
			h.published.WithLabelValues(ep.Connector, result).Inc()
		}
	}
	h.events.WithLabelValues(ep.Connector, "stored").Add(float64(res.Stored))
	h.events.WithLabelValues(ep.Connector, "duplicate").Add(float64(res.Duplicates))
	res.Duplicate = res.Duplicates > 0 && res.Duplicates == len(events) && res.Suppressed == 0
	return res, nil
}

func errText(err error) string {
	if err == nil {
		return "misaligned answer"
	}
	return err.Error()
}

// activity is the stored form of an event.
func activity(connector string, e connectors.Event, r identity.Resolved, now time.Time) store.Activity {
	a := store.Activity{
		ID: store.ActivityID(connector, e.ID), Connector: connector, EventID: e.ID, Type: e.Type,
		CustomerID: r.CustomerID, CustomerKey: e.CustomerKey,
		IdentifierKind: r.IdentifierKind, Identifier: r.Identifier,
		ReceivedAt: now, OccurredAt: now,
	}
	if in := e.Interaction; in != nil {
		si := &store.Interaction{ID: in.ID, Channel: in.Channel, Type: in.Type, Direction: in.Direction,
			OccurredAt: in.OccurredAt.UTC(), Summary: in.Summary, Status: in.Status, ThreadRef: in.ThreadRef,
			Duration: in.Duration, FirstResponseAt: in.FirstResponseAt.UTC(), ResolvedAt: in.ResolvedAt.UTC()}
		for k, v := range in.Attributes {
			si.Attributes = append(si.Attributes, store.Attribute{Name: k, Value: v})
		}
		sortAttributes(si.Attributes)
		a.Interaction = si
		if !in.OccurredAt.IsZero() {
			a.OccurredAt = in.OccurredAt.UTC()
		}
	}
	return a
}

// busEvent is what subscribers receive of a stored event.
func busEvent(a store.Activity, e connectors.Event) bus.Event {
	out := bus.Event{ID: a.ID, Connector: a.Connector, EventID: a.EventID, Type: a.Type,
		CustomerID: a.CustomerID, ReceivedAt: a.ReceivedAt}
	if e.Interaction != nil {
		in := *e.Interaction
		out.Interaction = &in
	}
	return out
}

func sortAttributes(as []store.Attribute) {
	slices.SortFunc(as, func(a, b store.Attribute) int { return strings.Compare(a.Name, b.Name) })
}
