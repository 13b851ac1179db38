package config

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"
)

// Action kinds of a journey.
const (
	// ActionMessage sends a template on the first channel of the fallback
	// order that is allowed and reachable (e-mail, WhatsApp, SMS).
	ActionMessage = "message"
	// ActionCallback asks the call center for a callback task (the phone
	// channel).
	ActionCallback = "callback"
)

// Journey metrics a condition may compare (see docs/automation.md).
const (
	MetricOrders             = "orders"
	MetricDaysSinceLastOrder = "days_since_last_order"
)

// JourneyRule is one automated journey: a trigger, conditions, a delay and
// an action through a channel system. See docs/automation.md.
type JourneyRule struct {
	// ID names the journey in GraphQL and in the store: lower case letters,
	// digits, '-' or '_'. Changing it starts the journey afresh.
	ID string `yaml:"id"`
	// Description says what the journey is for, in the operator's words.
	Description string `yaml:"description"`
	// Disabled keeps the journey listed but inactive.
	Disabled bool `yaml:"disabled"`
	// Trigger is what starts a run: an event, or a schedule.
	Trigger JourneyTrigger `yaml:"trigger"`
	// Conditions must all hold when the run is triggered; consent is
	// checked again at send time.
	Conditions JourneyConditions `yaml:"conditions"`
	// Delay is how long after the trigger the action runs (0 to 720h).
	Delay time.Duration `yaml:"delay"`
	// Action is what the journey does.
	Action JourneyAction `yaml:"action"`
	// Cap limits the journeys' sends to one customer on one channel.
	Cap *JourneyCap `yaml:"cap"`
	// QuietHours defer an action that falls in them to their end, in the
	// customer's time zone.
	QuietHours *QuietHours `yaml:"quiet_hours"`
	// Conversion counts a sent run as converted when the customer does one
	// of these within the window after the send.
	Conversion *JourneyConversion `yaml:"conversion"`
}

// JourneyTrigger starts runs: exactly one of Event and Schedule.
type JourneyTrigger struct {
	// Event matches a stored event, from a webhook or recorded by
	// recordInteraction.
	Event *EventTrigger `yaml:"event"`
	// Schedule runs over every indexed customer at a fixed period.
	Schedule *ScheduleTrigger `yaml:"schedule"`
}

// EventTrigger matches events; every field set must match.
type EventTrigger struct {
	// Connector is the connector that received the event ("harmony" for
	// recordInteraction).
	Connector string `yaml:"connector"`
	// Type is the system's event type ("interaction.recorded" for
	// recordInteraction).
	Type string `yaml:"type"`
	// Channel is the channel of the event's interaction (email, whatsapp,
	// sms, phone, chat, app, web...).
	Channel string `yaml:"channel"`
	// InteractionType is the type of the event's interaction (message,
	// ticket, call, visit, survey_response...).
	InteractionType string `yaml:"interaction_type"`
	// Attributes must each equal the interaction's attribute of that name.
	Attributes map[string]string `yaml:"attributes"`
	// Score bounds a numeric attribute of the interaction (an NPS answer).
	Score *ScoreMatch `yaml:"score"`
}

// ScoreMatch bounds a numeric attribute, inclusively.
type ScoreMatch struct {
	// Attribute is the attribute's name.
	Attribute string `yaml:"attribute"`
	// Min is the lowest value that matches; none when unset.
	Min *float64 `yaml:"min"`
	// Max is the highest value that matches; none when unset.
	Max *float64 `yaml:"max"`
}

// ScheduleTrigger runs the journey over the indexed customers once per
// period: each customer at most once per period.
type ScheduleTrigger struct {
	// Every is the period (1m to 720h).
	Every time.Duration `yaml:"every"`
}

// JourneyConditions must all hold for a run to act.
type JourneyConditions struct {
	// Segment is the name of a saved segment (saveSegment) the customer
	// must belong to; only its order, spend and systems conditions apply.
	Segment string `yaml:"segment"`
	// Metrics are thresholds on the customer's figures.
	Metrics []MetricCondition `yaml:"metrics"`
	// Consent requires the customer's consent for the action's purpose on
	// at least one of its channels at the trigger; it is checked again for
	// the channel at send time in any case.
	Consent *bool `yaml:"consent"`
}

// MetricCondition compares one figure of the customer with a value.
type MetricCondition struct {
	// Metric is orders or days_since_last_order (from the search index), or
	// spend:<ISO 4217 code>.
	Metric string `yaml:"metric"`
	// Op is one of <, <=, >, >=, ==.
	Op string `yaml:"op"`
	// Value is the threshold.
	Value float64 `yaml:"value"`
}

// JourneyAction is what a run does.
type JourneyAction struct {
	// Kind is message or callback.
	Kind string `yaml:"kind"`
	// Template is the template the channel system renders.
	Template string `yaml:"template"`
	// Params are the template's parameters (no personal data).
	Params map[string]string `yaml:"params"`
	// Channels is the fallback order: the first allowed and reachable
	// channel is used (email, whatsapp, sms; phone for a callback).
	Channels []string `yaml:"channels"`
	// Purpose is the consent purpose: marketing or service (default
	// marketing).
	Purpose string `yaml:"purpose"`
}

// JourneyCap limits automated sends per customer and channel, across
// journeys: a run does not use a channel that already carried Max
// automated sends to the customer within Per.
type JourneyCap struct {
	// Max is the most sends within Per (at least 1).
	Max int `yaml:"max"`
	// Per is the window (1m to 720h).
	Per time.Duration `yaml:"per"`
}

// QuietHours is a daily window, in the customer's time zone, in which no
// action runs: an action due then waits for its end.
type QuietHours struct {
	// Start is the local time it begins, "HH:MM".
	Start string `yaml:"start"`
	// End is the local time it ends, "HH:MM"; before Start for a window
	// across midnight.
	End string `yaml:"end"`
	// TimeZone is the IANA time zone of customers whose own is unknown.
	TimeZone string `yaml:"time_zone"`
	// PhoneTimeZones maps calling-code prefixes of the customer's phone
	// number ("+44") to IANA time zones; the longest prefix wins.
	PhoneTimeZones map[string]string `yaml:"phone_time_zones"`
}

// JourneyConversion is what counts as a conversion after a send.
type JourneyConversion struct {
	// Types are event types (order.created...) that convert.
	Types []string `yaml:"types"`
	// Window is how long after the send they count (1m to 2160h).
	Window time.Duration `yaml:"window"`
}

var (
	journeyIDRE = regexp.MustCompile(`^[a-z][a-z0-9_-]{0,39}$`)
	clockRE     = regexp.MustCompile(`^([01][0-9]|2[0-3]):[0-5][0-9]$`)
	currencyRE  = regexp.MustCompile(`^spend:[A-Z]{3}$`)
)

// journeyChannels are the channels an action may use, by kind.
var journeyChannels = map[string][]string{
	ActionMessage:  {"email", "whatsapp", "sms"},
	ActionCallback: {"phone"},
}

func (c *Config) validateJourneys(bad func(int, string, string, ...any) error) error {
	seen := map[string]bool{}
	for i, j := range c.Journeys {
		key := fmt.Sprintf("journeys[%d]", i)
		if !journeyIDRE.MatchString(j.ID) {
			return bad(0, key+".id", "must be lower case letters, digits, '-' or '_', starting with a letter (at most 40)")
		}
		if seen[j.ID] {
			return bad(0, key+".id", "%q is used by another journey", j.ID)
		}
		seen[j.ID] = true
		if err := j.validate(key, bad); err != nil {
			return err
		}
	}
	return nil
}

func (j JourneyRule) validate(key string, bad func(int, string, string, ...any) error) error {
	t := j.Trigger
	switch {
	case (t.Event == nil) == (t.Schedule == nil):
		return bad(0, key+".trigger", "give exactly one of event and schedule")
	case t.Schedule != nil && (t.Schedule.Every < time.Minute || t.Schedule.Every > 720*time.Hour):
		return bad(0, key+".trigger.schedule.every", "must be between 1m and 720h")
	case t.Event != nil && t.Event.Connector == "" && t.Event.Type == "" && t.Event.Channel == "" && t.Event.InteractionType == "":
		return bad(0, key+".trigger.event", "name at least one of connector, type, channel and interaction_type")
	case t.Event != nil && t.Event.Score != nil && t.Event.Score.Attribute == "":
		return bad(0, key+".trigger.event.score.attribute", "is required")
	case t.Event != nil && t.Event.Score != nil && t.Event.Score.Min == nil && t.Event.Score.Max == nil:
		return bad(0, key+".trigger.event.score", "give min, max or both")
	case j.Delay < 0 || j.Delay > 720*time.Hour:
		return bad(0, key+".delay", "must be between 0 and 720h")
	}
	for i, m := range j.Conditions.Metrics {
		mk := fmt.Sprintf("%s.conditions.metrics[%d]", key, i)
		if m.Metric != MetricOrders && m.Metric != MetricDaysSinceLastOrder && !currencyRE.MatchString(m.Metric) {
			return bad(0, mk+".metric", "unknown metric %q (known: %s, %s, spend:<currency>)", m.Metric, MetricOrders, MetricDaysSinceLastOrder)
		}
		if !slices.Contains([]string{"<", "<=", ">", ">=", "=="}, m.Op) {
			return bad(0, mk+".op", "must be one of <, <=, >, >=, ==")
		}
	}
	a := j.Action
	allowed, ok := journeyChannels[a.Kind]
	if !ok {
		return bad(0, key+".action.kind", "must be %s or %s", ActionMessage, ActionCallback)
	}
	if a.Template == "" || len(a.Template) > 100 {
		return bad(0, key+".action.template", "is required (at most 100 characters)")
	}
	if len(a.Channels) == 0 {
		return bad(0, key+".action.channels", "required: the fallback order (%s)", strings.Join(allowed, ", "))
	}
	for i, ch := range a.Channels {
		if !slices.Contains(allowed, ch) {
			return bad(0, fmt.Sprintf("%s.action.channels[%d]", key, i), "a %s action uses %s, not %q", a.Kind, strings.Join(allowed, ", "), ch)
		}
		if slices.Index(a.Channels, ch) != i {
			return bad(0, fmt.Sprintf("%s.action.channels[%d]", key, i), "repeats %s", ch)
		}
	}
	if a.Purpose != "" && a.Purpose != "marketing" && a.Purpose != "service" {
		return bad(0, key+".action.purpose", "must be marketing or service")
	}
	if c := j.Cap; c != nil && (c.Max < 1 || c.Per < time.Minute || c.Per > 720*time.Hour) {
		return bad(0, key+".cap", "max must be at least 1 and per between 1m and 720h")
	}
	if q := j.QuietHours; q != nil {
		if !clockRE.MatchString(q.Start) || !clockRE.MatchString(q.End) || q.Start == q.End {
			return bad(0, key+".quiet_hours", "start and end must be different HH:MM times")
		}
		if _, err := time.LoadLocation(q.TimeZone); err != nil || q.TimeZone == "" {
			return bad(0, key+".quiet_hours.time_zone", "must be an IANA time zone such as Europe/Paris")
		}
		for prefix, tz := range q.PhoneTimeZones {
			if !strings.HasPrefix(prefix, "+") || len(prefix) < 2 {
				return bad(0, key+".quiet_hours.phone_time_zones", "keys are calling-code prefixes such as +44")
			}
			if _, err := time.LoadLocation(tz); err != nil || tz == "" {
				return bad(0, key+".quiet_hours.phone_time_zones."+prefix, "must be an IANA time zone")
			}
		}
	}
	if cv := j.Conversion; cv != nil && (len(cv.Types) == 0 || cv.Window < time.Minute || cv.Window > 2160*time.Hour) {
		return bad(0, key+".conversion", "types are required and window must be between 1m and 2160h")
	}
	return nil
}
