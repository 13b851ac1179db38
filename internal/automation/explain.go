package automation

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/harmonyhq/harmony/internal/config"
	"github.com/harmonyhq/harmony/internal/store"
)

// Explanation is a journey in words, for people reading it in GraphQL or
// the console.
type Explanation struct {
	Trigger    string
	Conditions []string
	Delay      string
	Action     string
	Limits     []string
}

// Explain says in words what journey j does.
func Explain(j config.JourneyRule) Explanation {
	var x Explanation
	switch t := j.Trigger; {
	case t.Schedule != nil:
		x.Trigger = "every " + t.Schedule.Every.String() + ", for each indexed customer meeting the conditions (once per customer and period)"
	case t.Event != nil:
		x.Trigger = explainEvent(*t.Event)
	}
	c := j.Conditions
	if c.Segment != "" {
		x.Conditions = append(x.Conditions, "member of the segment "+c.Segment)
	}
	for _, m := range c.Metrics {
		x.Conditions = append(x.Conditions, fmt.Sprintf("%s %s %g", strings.ReplaceAll(m.Metric, "_", " "), m.Op, m.Value))
	}
	if c.Consent == nil || *c.Consent {
		x.Conditions = append(x.Conditions, "consent for "+purpose(j)+" on one of "+strings.Join(j.Action.Channels, ", "))
	}
	if j.Delay > 0 {
		x.Delay = j.Delay.String() + " after the trigger"
	} else {
		x.Delay = "at once"
	}
	verb := "send the template " + j.Action.Template
	if j.Action.Kind == config.ActionCallback {
		verb = "ask the call center for a callback task (" + j.Action.Template + ")"
	}
	x.Action = verb + " on the first of " + strings.Join(j.Action.Channels, ", then ") +
		" with " + purpose(j) + " consent at send time, a system that reaches the customer and room in the cap"
	if j.Cap != nil {
		x.Limits = append(x.Limits, fmt.Sprintf("at most %d automated sends per customer and channel in %s", j.Cap.Max, j.Cap.Per))
	}
	if q := j.QuietHours; q != nil {
		zones := "default " + q.TimeZone
		if len(q.PhoneTimeZones) > 0 {
			prefixes := slices.Sorted(mapKeys(q.PhoneTimeZones))
			zones = "by phone calling code (" + strings.Join(prefixes, ", ") + "), else " + q.TimeZone
		}
		x.Limits = append(x.Limits, fmt.Sprintf("quiet hours %s to %s in the customer's time zone (%s): a run waits for their end", q.Start, q.End, zones))
	}
	if cv := j.Conversion; cv != nil {
		x.Limits = append(x.Limits, fmt.Sprintf("converted when %s follows a send within %s", strings.Join(cv.Types, " or "), cv.Window))
	}
	return x
}

func explainEvent(t config.EventTrigger) string {
	var parts []string
	switch {
	case t.Connector == "harmony":
		parts = append(parts, "an interaction recorded through recordInteraction")
	case t.Connector != "":
		parts = append(parts, "an event from "+t.Connector)
	default:
		parts = append(parts, "an event from any system")
	}
	if t.Type != "" && t.Connector != "harmony" {
		parts = append(parts, "of type "+t.Type)
	}
	if t.Channel != "" {
		parts = append(parts, "on the "+t.Channel+" channel")
	}
	if t.InteractionType != "" {
		parts = append(parts, "of interaction type "+t.InteractionType)
	}
	for _, k := range slices.Sorted(mapKeys(t.Attributes)) {
		parts = append(parts, "with "+k+" = "+t.Attributes[k])
	}
	if s := t.Score; s != nil {
		switch {
		case s.Min != nil && s.Max != nil:
			parts = append(parts, fmt.Sprintf("with %s between %g and %g", s.Attribute, *s.Min, *s.Max))
		case s.Max != nil:
			parts = append(parts, fmt.Sprintf("with %s at most %g", s.Attribute, *s.Max))
		case s.Min != nil:
			parts = append(parts, fmt.Sprintf("with %s at least %g", s.Attribute, *s.Min))
		}
	}
	return strings.Join(parts, " ")
}

func mapKeys[V any](m map[string]V) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

// Step says in words where a run is.
func Step(r store.JourneyRun) string {
	switch r.State {
	case store.RunSent:
		return "sent on " + r.Channel + " via " + r.Connector
	case store.RunSkipped:
		return "skipped: " + r.Reason
	}
	if len(r.Notes) > 0 && strings.HasPrefix(r.Notes[len(r.Notes)-1], "quiet hours") {
		return "deferred by quiet hours until " + r.DueAt.UTC().Format(time.RFC3339)
	}
	return "waiting until " + r.DueAt.UTC().Format(time.RFC3339)
}

// RunsOf returns each customer's runs (out[i] answers customerIDs[i]),
// newest trigger first, in one batched store read whatever their number.
func (e *Engine) RunsOf(ctx context.Context, customerIDs []string) ([][]store.JourneyRun, error) {
	e.runReads.Add(1)
	return e.o.Store.JourneyRunsOfMany(ctx, customerIDs)
}

// RunReads is how many batched reads of customers' runs RunsOf made since
// the engine started: the figure behind "one read per list of customers".
func (e *Engine) RunReads() int64 { return e.runReads.Load() }
