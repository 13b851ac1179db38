package resolvers

import (
	"context"
	"encoding/base64"
	"slices"
	"strings"

	"github.com/99designs/gqlgen/graphql"

	"github.com/harmonyhq/harmony/graph/model"
	"github.com/harmonyhq/harmony/internal/apperr"
	"github.com/harmonyhq/harmony/internal/automation"
	"github.com/harmonyhq/harmony/internal/config"
	"github.com/harmonyhq/harmony/internal/level"
	"github.com/harmonyhq/harmony/internal/loaders"
	"github.com/harmonyhq/harmony/internal/store"
)

// toJourney maps a configured journey to its GraphQL model (counts are
// their own resolver: a store read only when asked).
func toJourney(j config.JourneyRule) *model.Journey {
	x := automation.Explain(j)
	out := &model.Journey{ID: j.ID, Description: j.Description, Enabled: !j.Disabled,
		Trigger:    model.JourneyTrigger{Kind: model.JourneyTriggerKindEvent, Description: x.Trigger},
		Conditions: nonNil(x.Conditions), DelaySeconds: int(j.Delay.Seconds()), Delay: x.Delay, Limits: nonNil(x.Limits),
		Action: model.JourneyAction{Kind: model.JourneyActionKindMessage, Template: j.Action.Template,
			Channels: make([]model.Channel, len(j.Action.Channels)), Purpose: model.PurposeMarketing, Description: x.Action}}
	if s := j.Trigger.Schedule; s != nil {
		every := int(s.Every.Seconds())
		out.Trigger.Kind, out.Trigger.EverySeconds = model.JourneyTriggerKindSchedule, &every
	}
	if j.Action.Kind == config.ActionCallback {
		out.Action.Kind = model.JourneyActionKindCallback
	}
	if j.Action.Purpose == "service" {
		out.Action.Purpose = model.PurposeService
	}
	for i, c := range j.Action.Channels {
		out.Action.Channels[i] = toChannel(c)
	}
	return out
}

// toJourneyCounts maps a journey's counters.
func toJourneyCounts(j config.JourneyRule, c automation.Counts) *model.JourneyCounts {
	out := &model.JourneyCounts{Triggered: int(c.Triggered), Sent: int(c.Sent), Converted: int(c.Converted),
		Skipped: []model.JourneySkipCount{}, ConversionTypes: []string{}}
	for reason, n := range c.Skipped {
		out.Skipped = append(out.Skipped, model.JourneySkipCount{Reason: reason, Count: int(n)})
	}
	slices.SortFunc(out.Skipped, func(a, b model.JourneySkipCount) int {
		if a.Count != b.Count {
			return b.Count - a.Count
		}
		return strings.Compare(a.Reason, b.Reason)
	})
	if cv := j.Conversion; cv != nil {
		w := int(cv.Window.Seconds())
		out.ConversionWindowSeconds, out.ConversionTypes = &w, slices.Clone(cv.Types)
	}
	return out
}

var runStatuses = map[string]model.JourneyRunStatus{
	store.RunPending: model.JourneyRunStatusPending,
	store.RunSent:    model.JourneyRunStatusSent,
	store.RunSkipped: model.JourneyRunStatusSkipped,
}

// toJourneyRun maps a stored run.
func toJourneyRun(r store.JourneyRun) model.JourneyRun {
	out := model.JourneyRun{ID: r.ID, JourneyID: r.Journey, Status: runStatuses[r.State], Step: automation.Step(r),
		Notes: nonNil(slices.Clone(r.Notes)), Trigger: r.Trigger, TriggeredAt: r.TriggeredAt, DueAt: r.DueAt,
		DoneAt: r.DoneAt, ConvertedAt: r.ConvertedAt}
	if r.State == store.RunSent {
		ch := toChannel(r.Channel)
		out.Channel = &ch
		out.Source = optional(r.Connector)
		out.MessageID = optional(r.MessageID)
	}
	if r.State == store.RunSkipped {
		out.Reason = optional(r.Reason)
	}
	return out
}

func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// Journey run cursors: the encoded ID of the last run of a page.
const runCursorPrefix = "jrun:"

func encodeRunCursor(id string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(runCursorPrefix + id))
}

func decodeRunCursor(s string) (string, error) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || !strings.HasPrefix(string(b), runCursorPrefix) {
		return "", apperr.Input("after is not a cursor of this list")
	}
	return strings.TrimPrefix(string(b), runCursorPrefix), nil
}

// runsResult is one customer's share of a level's batched read of runs.
type runsResult struct {
	runs []store.JourneyRun
	err  error
}

// journeyRuns reads the runs of obj: for every customer of its level in
// one batched read (the first member to get here reads all; the others
// find theirs), alone for a customer without a level. The field reads no
// loader, so it arrives at the level at once and never holds back the
// level's batches.
func (r *Resolver) journeyRuns(ctx context.Context, obj *model.Customer) ([]store.JourneyRun, error) {
	if r.Automation == nil {
		return []store.JourneyRun{}, nil
	}
	loaders.FieldEnded(ctx)
	lv := obj.Level
	if lv == nil {
		all, err := r.Automation.RunsOf(ctx, []string{obj.ID})
		if err != nil {
			return nil, apperr.Store(err)
		}
		return all[0], nil
	}
	all := level.Do(lv, graphql.GetFieldContext(ctx).Field.Field, func() []runsResult {
		ids := make([]string, lv.Len())
		for i := range ids {
			ids[i] = lv.ID(i)
		}
		out := make([]runsResult, len(ids))
		runs, err := r.Automation.RunsOf(ctx, ids)
		for i := range out {
			if err != nil {
				out[i].err = err
			} else {
				out[i].runs = runs[i]
			}
		}
		return out
	})
	i, _ := lv.Index(obj.ID)
	if all[i].err != nil {
		return nil, apperr.Store(all[i].err)
	}
	return all[i].runs, nil
}

// pageRuns cuts a page of first runs after the run named by the cursor.
func pageRuns(runs []store.JourneyRun, first int, after *string) (*model.JourneyRunConnection, error) {
	start := 0
	if after != nil {
		id, err := decodeRunCursor(*after)
		if err != nil {
			return nil, err
		}
		i := slices.IndexFunc(runs, func(r store.JourneyRun) bool { return r.ID == id })
		if i < 0 {
			return nil, apperr.Input("after is not a cursor of this list")
		}
		start = i + 1
	}
	conn := &model.JourneyRunConnection{Edges: []model.JourneyRunEdge{}}
	end := min(len(runs), start+first)
	for _, run := range runs[start:end] {
		conn.Edges = append(conn.Edges, model.JourneyRunEdge{Cursor: encodeRunCursor(run.ID), Node: toJourneyRun(run)})
	}
	conn.PageInfo.HasNextPage = end < len(runs)
	if len(conn.Edges) > 0 {
		conn.PageInfo.StartCursor = &conn.Edges[0].Cursor
		conn.PageInfo.EndCursor = &conn.Edges[len(conn.Edges)-1].Cursor
	}
	return conn, nil
}

// sendRecord reports whether a stored activity is Harmony's record of a
// message sent (sendMessage, a journey's message) naming the message ID
// its system gave: that system's own report of the message is the
// timeline's entry for it (timeline.Item.Origin). A callback task is not
// one: a call center lists the calls made, not the tasks scheduled, so
// Harmony's record is the task's only entry.
func sendRecord(a store.Activity) bool {
	switch a.Type {
	case sentEventType, automation.EventSent:
		return a.Interaction != nil && a.Interaction.ID != ""
	}
	return false
}
