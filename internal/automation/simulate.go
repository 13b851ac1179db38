package automation

import (
	"context"
	"errors"
	"time"
)

// ErrUnknownJourney is returned for a journey ID the configuration lacks.
var ErrUnknownJourney = errors.New("no journey has that ID")

// Simulation is what a journey would do for a customer triggered now,
// without doing it.
type Simulation struct {
	// WouldSend is true when it would send; Channel and Connector say
	// where.
	WouldSend bool
	Channel   string
	Connector string
	// Reason is why it would not (a Reason* constant).
	Reason string
	// At is when it would act: after the delay, or at the end of quiet
	// hours.
	At time.Time
	// Steps say what was checked and found, in order.
	Steps []string
}

// Simulate dry-runs journey id for the customer as if triggered now: the
// conditions now, then quiet hours, consent, reach and caps at the end of
// the delay (consent and caps as they stand now). It changes nothing.
func (e *Engine) Simulate(ctx context.Context, id, customerID string) (*Simulation, error) {
	j, ok := e.byID[id]
	if !ok {
		return nil, ErrUnknownJourney
	}
	now := e.now()
	out := &Simulation{At: now.Add(j.Delay)}
	if j.Disabled {
		out.Reason, out.Steps = ReasonDisabled, []string{"journey: disabled"}
		return out, nil
	}
	reason, notes, err := e.conditions(ctx, j, customerID, nil, now)
	if err != nil {
		return nil, err
	}
	out.Steps = notes
	if reason != "" {
		out.Reason = reason
		return out, nil
	}
	if j.Delay > 0 {
		out.Steps = append(out.Steps, "delay: "+j.Delay.String())
	}
	p, err := e.plan(ctx, j, customerID, out.At, true)
	if err != nil {
		return nil, err
	}
	out.Steps = append(out.Steps, p.Notes...)
	if !p.WaitUntil.IsZero() {
		out.At = p.WaitUntil
		q, err := e.plan(ctx, j, customerID, p.WaitUntil, true)
		if err != nil {
			return nil, err
		}
		out.Steps = append(out.Steps, q.Notes...)
		p = q
	}
	if p.Sender == nil {
		out.Reason = p.Reason
		return out, nil
	}
	out.WouldSend, out.Channel, out.Connector = true, p.Channel, p.Sender.Name()
	return out, nil
}

// Counts are a journey's counters.
type Counts struct {
	Triggered, Sent, Converted int64
	// Skipped counts skipped runs by reason.
	Skipped map[string]int64
}

// Counts reads journey id's counters.
func (e *Engine) Counts(ctx context.Context, id string) (Counts, error) {
	raw, err := e.o.Store.JourneyCounts(ctx, id)
	if err != nil {
		return Counts{}, err
	}
	c := Counts{Triggered: raw["triggered"], Sent: raw["sent"], Converted: raw["converted"], Skipped: map[string]int64{}}
	for k, v := range raw {
		if len(k) > len("skipped_") && k[:len("skipped_")] == "skipped_" {
			c.Skipped[k[len("skipped_"):]] = v
		}
	}
	return c, nil
}
