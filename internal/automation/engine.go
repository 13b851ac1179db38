package automation

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/harmonyhq/harmony/connectors"
	"github.com/harmonyhq/harmony/internal/bus"
	"github.com/harmonyhq/harmony/internal/config"
	"github.com/harmonyhq/harmony/internal/consent"
	"github.com/harmonyhq/harmony/internal/store"
)

// Defaults of Options.
const (
	DefaultLease = time.Minute
	DefaultPoll  = 5 * time.Second
	// dueBatch bounds the runs one pass over due runs takes.
	dueBatch = 100
)

// Sender is a connector that sends on some channels: *sources.Source is
// one.
type Sender interface {
	Name() string
	SendChannels() []string
	SendMessages(ctx context.Context, msgs []connectors.OutboundMessage) ([]connectors.SendResult, error)
}

// Options configure an Engine.
type Options struct {
	Store *store.Store
	// Bus is where sends are published (to customerActivity) and where
	// Run hears events; none when nil.
	Bus bus.Bus
	// Senders returns the connectors that send, in profile priority order
	// (called at each send, so a configuration reload is seen).
	Senders func() []Sender
	// Journeys are the configured journeys.
	Journeys []config.JourneyRule
	// Owner names this engine in leases; random when empty.
	Owner string
	// Lease is how long a claimed run is held (DefaultLease when zero): an
	// engine that crashed meanwhile leaves it to another after that.
	Lease time.Duration
	// Poll is how often Run looks for due runs (DefaultPoll when zero).
	Poll time.Duration
	// Now is the clock, time.Now when nil.
	Now func() time.Time
	Log *slog.Logger
}

// Engine runs journeys. Several engines (replicas) may share one store.
type Engine struct {
	o    Options
	byID map[string]config.JourneyRule

	mu       sync.Mutex
	lastTick map[string]int64 // schedule journey -> last period run
	markedAt time.Time        // when keepMark last moved the mark

	runReads atomic.Int64 // RunsOf's batched reads
}

// New returns an engine over o.
func New(o Options) *Engine {
	if o.Owner == "" {
		o.Owner = "eng_" + rand.Text()[:12]
	}
	if o.Lease <= 0 {
		o.Lease = DefaultLease
	}
	if o.Poll <= 0 {
		o.Poll = DefaultPoll
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	if o.Senders == nil {
		o.Senders = func() []Sender { return nil }
	}
	e := &Engine{o: o, byID: map[string]config.JourneyRule{}, lastTick: map[string]int64{}}
	for _, j := range o.Journeys {
		e.byID[j.ID] = j
	}
	return e
}

func (e *Engine) now() time.Time {
	if e.o.Now != nil {
		return e.o.Now().UTC()
	}
	return time.Now().UTC()
}

// Journeys returns the configured journeys, in configuration order.
func (e *Engine) Journeys() []config.JourneyRule { return slices.Clone(e.o.Journeys) }

// Journey returns the journey with that ID.
func (e *Engine) Journey(id string) (config.JourneyRule, bool) {
	j, ok := e.byID[id]
	return j, ok
}

// Run hears events on the bus and acts on due runs and schedules until ctx
// ends. ready, if not nil, is called once it listens.
func (e *Engine) Run(ctx context.Context, ready func()) {
	var events <-chan bus.Event
	if e.o.Bus != nil {
		var cancel func()
		events, cancel = e.o.Bus.Subscribe(ctx, bus.Filter{})
		defer cancel()
	}
	if ready != nil {
		ready()
	}
	// Heard after subscribing: an event stored meanwhile is heard twice,
	// which makes one run.
	if n, err := e.CatchUp(ctx); err != nil && ctx.Err() == nil {
		e.o.Log.Warn("automation: catch-up", "error", err.Error())
	} else if n > 0 {
		e.o.Log.Info("automation: caught up on stored events", "events", n)
	}
	tick := time.NewTicker(e.o.Poll)
	defer tick.Stop()
	e.pass(ctx)
	for {
		select {
		case <-ctx.Done():
			return
		case ev, open := <-events:
			if !open {
				events = nil
				continue
			}
			if err := e.HandleEvent(ctx, ev); err != nil {
				e.o.Log.Warn("automation: event not handled", "error", err.Error())
			}
		case <-tick.C:
			e.pass(ctx)
		}
	}
}

// pass runs schedules and due runs once, logging failures.
func (e *Engine) pass(ctx context.Context) {
	if err := e.RunSchedules(ctx); err != nil && ctx.Err() == nil {
		e.o.Log.Warn("automation: schedules", "error", err.Error())
	}
	if _, err := e.RunDue(ctx); err != nil && ctx.Err() == nil {
		e.o.Log.Warn("automation: due runs", "error", err.Error())
	}
	if err := e.keepMark(ctx); err != nil && ctx.Err() == nil {
		e.o.Log.Warn("automation: catch-up mark", "error", err.Error())
	}
}

// HandleEvent starts the runs a stored event triggers (once per journey,
// customer and event, whoever hears it) and counts the conversions it
// makes.
func (e *Engine) HandleEvent(ctx context.Context, ev bus.Event) error {
	if ev.CustomerID == "" {
		return nil
	}
	var errs []error
	for _, j := range e.o.Journeys {
		if matchEvent(j, ev) {
			errs = append(errs, e.trigger(ctx, j, ev.CustomerID, ev.ID, &ev, nil))
		}
	}
	errs = append(errs, e.convert(ctx, ev))
	return errors.Join(errs...)
}

// RunSchedules starts, for each scheduled journey whose period began since
// this engine last looked, a run for each indexed customer meeting its
// conditions: one per customer and period, whoever runs it.
func (e *Engine) RunSchedules(ctx context.Context) error {
	now := e.now()
	var due []config.JourneyRule
	e.mu.Lock()
	for _, j := range e.o.Journeys {
		if s := j.Trigger.Schedule; s != nil && !j.Disabled {
			period := now.UnixNano() / int64(s.Every)
			if e.lastTick[j.ID] != period {
				e.lastTick[j.ID] = period
				due = append(due, j)
			}
		}
	}
	e.mu.Unlock()
	if len(due) == 0 {
		return nil
	}
	type cand struct {
		id string
		p  store.SearchProjection
	}
	var all []cand
	err := e.o.Store.SearchScan(ctx, func(id string, p *store.SearchProjection) error {
		all = append(all, cand{id, *p})
		return nil
	})
	if err != nil {
		return err
	}
	var errs []error
	for _, j := range due {
		trig := fmt.Sprintf("schedule:%d", now.UnixNano()/int64(j.Trigger.Schedule.Every))
		for _, c := range all {
			if reason, _, err := e.conditions(ctx, j, c.id, &c.p, now); err != nil || reason != "" {
				errs = append(errs, err)
				continue // a schedule records only the customers it acts for
			}
			errs = append(errs, e.trigger(ctx, j, c.id, trig, nil, &c.p))
		}
	}
	return errors.Join(errs...)
}

// trigger inserts the run of (j, customer, trig) once: pending until its
// delay is over, or skipped at once with the condition that failed.
func (e *Engine) trigger(ctx context.Context, j config.JourneyRule, customerID, trig string, _ *bus.Event, p *store.SearchProjection) error {
	now := e.now()
	r := store.JourneyRun{ID: store.JourneyRunID(j.ID, customerID, trig), Journey: j.ID, CustomerID: customerID,
		Trigger: trig, State: store.RunPending, TriggeredAt: now, DueAt: now.Add(j.Delay)}
	// A run seen before is not evaluated again.
	if prev, err := e.o.Store.JourneyRun(ctx, r.ID); err != nil || prev != nil {
		return err
	}
	reason, notes, err := e.conditions(ctx, j, customerID, p, now)
	if err != nil {
		return err
	}
	r.Notes = notes
	if reason != "" {
		r.State, r.Reason, r.DoneAt = store.RunSkipped, reason, &now
	}
	inserted, err := e.o.Store.AddJourneyRun(ctx, r)
	if err != nil || !inserted {
		return err
	}
	counts := map[string]int64{"triggered": 1}
	if reason != "" {
		counts["skipped_"+reason] = 1
	}
	return e.o.Store.AddJourneyCounts(ctx, j.ID, counts)
}

// conditions checks j's conditions for the customer at trigger time: the
// reason of the first that fails ("" when all hold) and what was checked.
func (e *Engine) conditions(ctx context.Context, j config.JourneyRule, customerID string, p *store.SearchProjection, now time.Time) (string, []string, error) {
	var notes []string
	c := j.Conditions
	if c.Segment != "" || len(c.Metrics) > 0 {
		if p == nil {
			ps, err := e.o.Store.SearchProjections(ctx, []string{customerID})
			if err != nil {
				return "", nil, err
			}
			p = ps[0]
		}
	}
	if c.Segment != "" {
		seg, err := e.o.Store.Segment(ctx, store.SegmentID(c.Segment))
		if err != nil {
			return "", nil, err
		}
		if seg == nil || !inSegment(seg.Filter, p) {
			return ReasonSegment, append(notes, "segment: not a member"), nil
		}
		notes = append(notes, "segment: member")
	}
	for _, m := range c.Metrics {
		v, ok := metricValue(m.Metric, p, now)
		if !ok || !compare(v, m.Op, m.Value) {
			return ReasonMetric, append(notes, fmt.Sprintf("metric %s %s %g: not met", m.Metric, m.Op, m.Value)), nil
		}
		notes = append(notes, fmt.Sprintf("metric %s %s %g: met", m.Metric, m.Op, m.Value))
	}
	if c.Consent == nil || *c.Consent {
		records, err := e.o.Store.ConsentsFor(ctx, []string{customerID})
		if err != nil {
			return "", nil, err
		}
		any := false
		for _, ch := range j.Action.Channels {
			any = any || consent.Granted(records[0], ch, purpose(j))
		}
		if !any {
			return ReasonConsent, append(notes, "consent: none of "+fmt.Sprint(j.Action.Channels)+" for "+purpose(j)), nil
		}
		notes = append(notes, "consent: given on a channel")
	}
	return "", notes, nil
}

// RunDue acts on the runs that are due and whose lease is free, and
// reports how many it finished.
func (e *Engine) RunDue(ctx context.Context) (int, error) {
	ids, err := e.o.Store.DueJourneyRuns(ctx, e.now(), dueBatch)
	if err != nil {
		return 0, err
	}
	done := 0
	var errs []error
	for _, id := range ids {
		ok, err := e.act(ctx, id)
		if ok {
			done++
		}
		errs = append(errs, err)
	}
	return done, errors.Join(errs...)
}

// act claims the run and acts on it: it reports whether it finished it.
func (e *Engine) act(ctx context.Context, id string) (bool, error) {
	now := e.now()
	r, err := e.o.Store.ClaimJourneyRun(ctx, id, e.o.Owner, now, e.o.Lease)
	if err != nil || r == nil {
		return false, err
	}
	j, known := e.byID[r.Journey]
	if !known || j.Disabled {
		r.State, r.Reason = store.RunSkipped, ReasonDisabled
		return e.finish(ctx, *r, now)
	}
	// The work must end within the lease, after which another may claim.
	ctx, cancel := context.WithTimeout(ctx, e.o.Lease*3/4)
	defer cancel()
	plan, err := e.plan(ctx, j, r.CustomerID, now, false)
	if err != nil {
		return false, err
	}
	r.Notes = append(r.Notes, plan.Notes...)
	if !plan.WaitUntil.IsZero() {
		_, err := e.o.Store.DeferJourneyRun(ctx, r.ID, e.o.Owner, plan.WaitUntil, r.Notes)
		return false, err
	}
	if plan.Sender == nil {
		r.State, r.Reason = store.RunSkipped, plan.Reason
		return e.finish(ctx, *r, now)
	}
	sent, note, err := e.send(ctx, j, r, plan, now)
	if err != nil {
		return false, err
	}
	r.Notes = append(r.Notes, note)
	if !sent {
		r.State, r.Reason = store.RunSkipped, ReasonFailed
		return e.finish(ctx, *r, now)
	}
	r.State, r.Channel = store.RunSent, plan.Channel
	return e.finish(ctx, *r, now)
}

// finish ends the run and counts it.
func (e *Engine) finish(ctx context.Context, r store.JourneyRun, now time.Time) (bool, error) {
	ok, err := e.o.Store.FinishJourneyRun(ctx, r, e.o.Owner, now)
	if err != nil || !ok {
		return false, err
	}
	name := "sent"
	if r.State == store.RunSkipped {
		name = "skipped_" + r.Reason
	}
	return true, e.o.Store.AddJourneyCounts(ctx, r.Journey, map[string]int64{name: 1})
}

// Plan is what a run would do now: where it would send, or why not.
type Plan struct {
	// Channel and Sender are where it would send; nil Sender when it
	// would not.
	Channel string
	Sender  Sender
	Key     string
	// Reason is why it would not send (a Reason* constant).
	Reason string
	// WaitUntil is set when quiet hours defer it.
	WaitUntil time.Time
	// Notes say what was checked, in order.
	Notes []string
}

// plan decides the channel of a due run: quiet hours, then each channel
// of the fallback order in turn (consent now, a system that reaches the
// customer on it, the cap). dry does not reserve the cap.
func (e *Engine) plan(ctx context.Context, j config.JourneyRule, customerID string, now time.Time, dry bool) (Plan, error) {
	var p Plan
	found, err := e.o.Store.Resolve(ctx, []string{customerID})
	if err != nil {
		return p, err
	}
	if found[0] == nil || found[0].ErasedAt != nil {
		p.Reason, p.Notes = ReasonCustomer, []string{"customer: unknown or erased"}
		return p, nil
	}
	id := found[0].ID
	idents, err := e.o.Store.IdentitiesOf(ctx, []string{id})
	if err != nil {
		return p, err
	}
	keys := map[string][]string{}
	var phones []string
	for _, in := range idents[0] {
		switch in.Kind {
		case store.KindExternalID:
			keys[in.System] = append(keys[in.System], in.Value)
		case store.KindPhone, store.KindWhatsApp:
			phones = append(phones, in.Value)
		}
	}
	if q := j.QuietHours; q != nil {
		loc := timeZone(*q, phones)
		if until, in := quietUntil(*q, loc, now); in {
			p.WaitUntil = until.UTC()
			// The zone is not named: it comes from the customer's phone
			// number, and notes hold no personal data.
			p.Notes = append(p.Notes, fmt.Sprintf("quiet hours %s-%s in the customer's time zone: wait until %s", q.Start, q.End, p.WaitUntil.Format(time.RFC3339)))
			return p, nil
		}
		p.Notes = append(p.Notes, fmt.Sprintf("quiet hours %s-%s in the customer's time zone: outside", q.Start, q.End))
	}
	records, err := e.o.Store.ConsentsFor(ctx, []string{id})
	if err != nil {
		return p, err
	}
	for _, ch := range j.Action.Channels {
		reason := ""
		var sender Sender
		var key string
		switch {
		case !consent.Granted(records[0], ch, purpose(j)):
			reason = ReasonConsent
		default:
			sender, key = e.sender(keys, ch)
			if sender == nil {
				reason = ReasonUnreachable
			}
		}
		if reason == "" && j.Cap != nil {
			var ok bool
			if dry {
				n, err := e.o.Store.JourneySendsSince(ctx, id, ch, now.Add(-j.Cap.Per))
				if err != nil {
					return p, err
				}
				ok = n < j.Cap.Max
			} else if ok, err = e.o.Store.ReserveJourneySend(ctx, id, ch, now, j.Cap.Max, j.Cap.Per); err != nil {
				return p, err
			}
			if !ok {
				reason = ReasonCap
			}
		}
		if reason != "" {
			p.Notes = append(p.Notes, ch+": "+reason)
			if p.Reason == "" {
				p.Reason = reason
			}
			continue
		}
		p.Channel, p.Sender, p.Key, p.Reason = ch, sender, key, ""
		p.Notes = append(p.Notes, ch+": via "+sender.Name())
		return p, nil
	}
	return p, nil
}

// sender is the first sender, in priority order, that sends on channel
// and holds a key of the customer.
func (e *Engine) sender(keys map[string][]string, channel string) (Sender, string) {
	for _, s := range e.o.Senders() {
		if ks := keys[s.Name()]; len(ks) > 0 && slices.Contains(s.SendChannels(), channel) {
			return s, ks[0]
		}
	}
	return nil, ""
}

// Event types of what journeys do, as stored and published.
const (
	EventSent     = "journey.sent"
	EventCallback = "journey.callback"
)

// send sends the run's message once: a send found stored (by an engine
// that crashed before finishing the run) is not sent again, and the
// system gets an idempotency key derived from the run. It stores the
// send on the customer's timeline, publishes it, and audits it.
func (e *Engine) send(ctx context.Context, j config.JourneyRule, r *store.JourneyRun, p Plan, now time.Time) (bool, string, error) {
	eventID := "journey:" + r.ID + ":" + p.Channel
	actID := store.ActivityID(p.Sender.Name(), eventID)
	prev, err := e.o.Store.ActivityByID(ctx, actID)
	if err != nil {
		return false, "", err
	}
	if prev != nil && prev.Interaction != nil {
		r.Connector, r.MessageID = prev.Connector, prev.Interaction.ID
		return true, p.Channel + ": sent before (" + prev.Connector + ")", nil
	}
	sum := sha256.Sum256([]byte("journey\x00" + r.ID + "\x00" + p.Channel))
	msg := connectors.OutboundMessage{CustomerKey: p.Key, Channel: p.Channel, Template: j.Action.Template,
		Params: j.Action.Params, IdempotencyKey: "hm_" + hex.EncodeToString(sum[:16])}
	res, err := p.Sender.SendMessages(ctx, []connectors.OutboundMessage{msg})
	if err != nil || len(res) != 1 || res[0].Err != nil {
		// Not retried by the engine: a failed send is a skipped run.
		code := "error"
		if err == nil && len(res) == 1 && res[0].Err != nil {
			code = string(res[0].Err.Code)
		}
		return false, p.Channel + ": send failed (" + code + ")", nil
	}
	typ, itype := EventSent, connectors.TypeMessage
	if p.Channel == connectors.ChannelPhone {
		typ, itype = EventCallback, "task"
	}
	in := &store.Interaction{ID: res[0].MessageID, Channel: p.Channel, Type: itype, Direction: connectors.DirectionOutbound,
		OccurredAt: now, Summary: "Journey " + j.ID + ": " + j.Action.Template, Status: res[0].Status,
		Attributes: []store.Attribute{{Name: "journey", Value: j.ID}, {Name: "purpose", Value: purpose(j)}, {Name: "run", Value: r.ID}}}
	act := store.Activity{ID: actID, Connector: p.Sender.Name(), EventID: eventID, Type: typ, CustomerID: r.CustomerID,
		CustomerKey: p.Key, ReceivedAt: now, OccurredAt: now, Interaction: in}
	r.Connector, r.MessageID = p.Sender.Name(), res[0].MessageID
	if _, err := e.o.Store.AddActivities(ctx, []store.Activity{act}); err != nil {
		e.o.Log.Warn("automation: a send is not on the timeline", "journey", j.ID, "error", err.Error())
	}
	if e.o.Bus != nil {
		if err := e.o.Bus.Publish(ctx, PublishedEvent(act)); err != nil {
			e.o.Log.Warn("automation: a send was not published", "journey", j.ID, "error", err.Error())
		}
	}
	if err := e.o.Store.AddAudit(ctx, []store.AuditEntry{{ID: store.NewAuditID(now), At: now, Actor: "automation:" + j.ID,
		OperationType: "automation", Mutations: []string{typ}, CustomerIDs: []string{r.CustomerID}}}); err != nil {
		e.o.Log.Warn("automation: a send is not audited", "journey", j.ID, "error", err.Error())
	}
	return true, p.Channel + ": sent via " + p.Sender.Name(), nil
}

// PublishedEvent is the bus event of a stored activity (a send, a recorded
// interaction), as customerActivity subscribers receive it.
func PublishedEvent(a store.Activity) bus.Event {
	out := bus.Event{ID: a.ID, Connector: a.Connector, EventID: a.EventID, Type: a.Type, CustomerID: a.CustomerID, ReceivedAt: a.ReceivedAt}
	if in := a.Interaction; in != nil {
		ci := &connectors.Interaction{ID: in.ID, Channel: in.Channel, Type: in.Type, Direction: in.Direction,
			OccurredAt: in.OccurredAt, Summary: in.Summary, Status: in.Status, ThreadRef: in.ThreadRef}
		if len(in.Attributes) > 0 {
			ci.Attributes = map[string]string{}
			for _, at := range in.Attributes {
				ci.Attributes[at.Name] = at.Value
			}
		}
		out.Interaction = ci
	}
	return out
}

// convert counts a conversion for each of the customer's runs sent within
// its journey's window before the event, once per run.
func (e *Engine) convert(ctx context.Context, ev bus.Event) error {
	var js []config.JourneyRule
	for _, j := range e.o.Journeys {
		if j.Conversion != nil && slices.Contains(j.Conversion.Types, ev.Type) {
			js = append(js, j)
		}
	}
	if len(js) == 0 {
		return nil
	}
	runs, err := e.o.Store.JourneyRunsOf(ctx, ev.CustomerID, 0)
	if err != nil {
		return err
	}
	at := ev.ReceivedAt
	if at.IsZero() {
		at = e.now()
	}
	for _, j := range js {
		for _, r := range runs {
			if r.Journey != j.ID || r.State != store.RunSent || r.DoneAt == nil || r.ConvertedAt != nil ||
				at.Before(*r.DoneAt) || at.Sub(*r.DoneAt) > j.Conversion.Window {
				continue
			}
			ok, err := e.o.Store.ConvertJourneyRun(ctx, r.ID, at)
			if err != nil {
				return err
			}
			if ok {
				if err := e.o.Store.AddJourneyCounts(ctx, j.ID, map[string]int64{"converted": 1}); err != nil {
					return err
				}
			}
		}
	}
	return nil
}
