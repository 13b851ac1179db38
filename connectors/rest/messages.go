package rest

import (
	"context"
	"strings"

	"github.com/harmonyhq/harmony/connectors"
	"github.com/harmonyhq/harmony/connectors/jsonmap"
)

// MessagesEndpoint serves connectors.ThreadMessageSource: the messages of
// conversations, one request for a batch of threads ({{.Keys}}: the
// interactions' native IDs, as the interactions endpoint maps `id`).
//
//	messages:
//	  method: GET
//	  path: /api/v2/conversations/messages.json
//	  query: { conversation_ids: '{{join .Keys ","}}' }
//	  records: $.messages          # the list of messages
//	  thread: $.conversation_id    # the thread a message belongs to (required)
//	  id: $.id                     # required
//	  sent_at: $.created_at        # required
//	  author: $.author.role        # a path or a literal
//	  author_values: { end_user: customer, agent: agent, bot: bot }
//	  channel: $.channel           # a path or a literal; empty: the interaction's
//	  channel_values: { web_chat: chat }
//	  text: $.body
//
// Messages come back grouped by thread and sorted oldest first whatever
// order the system answers in.
type MessagesEndpoint struct {
	Request `yaml:",inline"`
	// Records is the JSONPath of the messages in a response. Required.
	Records string `yaml:"records"`
	// Thread is the JSONPath of a message's thread: the native ID of the
	// interaction it belongs to. Required.
	Thread string `yaml:"thread"`
	// ID is the JSONPath of a message's ID. Required.
	ID string `yaml:"id"`
	// SentAt is the JSONPath of when it was sent. Required.
	SentAt string `yaml:"sent_at"`
	// Author is the JSONPath of who wrote it, or a literal; mapped by
	// AuthorValues, then kept when it is customer, agent or bot.
	Author string `yaml:"author"`
	// AuthorValues maps the system's authors to customer, agent or bot;
	// "*" maps any other value.
	AuthorValues map[string]string `yaml:"author_values"`
	// Channel is the JSONPath of the channel it was written on, or a
	// literal; mapped by ChannelValues. Empty: the interaction's channel.
	Channel string `yaml:"channel"`
	// ChannelValues maps the system's channels to Harmony's.
	ChannelValues map[string]string `yaml:"channel_values"`
	// Text is the JSONPath of what was written.
	Text string `yaml:"text"`
}

type messagesEP struct {
	req                                          *request
	records, thread, id, sentAt, author, channel jsonmap.Value
	text                                         jsonmap.Value
	authorValues, channelValues                  map[string]string
}

var _ connectors.ThreadMessageSource = (*Connector)(nil)

var messageAuthors = []string{connectors.AuthorCustomer, connectors.AuthorAgent, connectors.AuthorBot}

// provisionMessages compiles the messages endpoint.
func (c *Connector) provisionMessages() error {
	e := c.Config.Messages
	if e == nil {
		return nil
	}
	req, err := c.compileRequest("messages", e.Request, false)
	if err != nil {
		return err
	}
	ep := &messagesEP{req: req, authorValues: e.AuthorValues, channelValues: e.ChannelValues}
	for _, f := range []struct {
		key, src string
		path     bool
		dst      *jsonmap.Value
	}{
		{"messages.records", e.Records, true, &ep.records},
		{"messages.thread", e.Thread, true, &ep.thread},
		{"messages.id", e.ID, true, &ep.id},
		{"messages.sent_at", e.SentAt, true, &ep.sentAt},
		{"messages.author", e.Author, false, &ep.author},
		{"messages.channel", e.Channel, false, &ep.channel},
		{"messages.text", e.Text, true, &ep.text},
	} {
		compile := jsonmap.Compile
		if f.path {
			compile = jsonmap.CompilePath
		}
		if *f.dst, err = compile(f.key, f.src); err != nil {
			return err
		}
	}
	for _, f := range []struct {
		key string
		v   jsonmap.Value
	}{{"messages.records", ep.records}, {"messages.thread", ep.thread}, {"messages.id", ep.id}, {"messages.sent_at", ep.sentAt}} {
		if !f.v.IsSet() {
			return connectors.Invalid(f.key, "required")
		}
	}
	for k, v := range e.AuthorValues {
		if !contains(messageAuthors, v) {
			return connectors.Invalid("messages.author_values."+k, "must be customer, agent or bot")
		}
	}
	c.messages = ep
	return nil
}

func contains(xs []string, s string) bool {
	for _, x := range xs {
		if x == s {
			return true
		}
	}
	return false
}

// Messages implements connectors.ThreadMessageSource: one request for the
// batch; the messages are matched to threads by `thread`, and messages of
// threads not asked are dropped.
func (c *Connector) Messages(ctx context.Context, threads []string) ([][]connectors.Message, error) {
	ep := c.messages
	if ep == nil {
		return nil, unconfigured(connectors.CapMessages)
	}
	out := make([][]connectors.Message, len(threads))
	for i := range out {
		out[i] = []connectors.Message{}
	}
	if len(threads) == 0 {
		return out, nil
	}
	doc, _, err := c.call(ctx, ep.req, TemplateData{Keys: threads}, false)
	if err != nil {
		return nil, err
	}
	at := make(map[string][]int, len(threads))
	for i, t := range threads {
		at[t] = append(at[t], i)
	}
	desc := describe(ep.req.method, ep.req.pathSrc)
	for n, rec := range recordsOf(ep.records, doc) {
		thread, ok, err := ep.thread.Text(rec)
		if err != nil || !ok {
			return nil, connectors.Errorf(connectors.CodeBadResponse, "%s: message %d: messages.thread (%s): missing", desc, n, ep.thread.Source())
		}
		idx, asked := at[thread]
		if !asked {
			continue
		}
		m := connectors.Message{Thread: thread}
		if m.ID, ok, err = ep.id.Text(rec); err != nil || !ok || m.ID == "" {
			return nil, connectors.Errorf(connectors.CodeBadResponse, "%s: message %d: messages.id (%s): missing", desc, n, ep.id.Source())
		}
		if m.SentAt, err = ep.sentAt.Time(rec); err != nil || m.SentAt.IsZero() {
			return nil, connectors.Errorf(connectors.CodeBadResponse, "%s: message %d: messages.sent_at (%s): not a time", desc, n, ep.sentAt.Source())
		}
		m.SentAt = m.SentAt.UTC()
		if ep.author.IsSet() {
			a, _, _ := ep.author.Text(rec)
			m.Author = mapped(ep.authorValues, a)
			if !contains(messageAuthors, m.Author) {
				m.Author = ""
			}
		}
		if ep.channel.IsSet() {
			ch, _, _ := ep.channel.Text(rec)
			m.Channel = mapped(ep.channelValues, ch)
		}
		if ep.text.IsSet() {
			m.Text, _, _ = ep.text.Text(rec)
		}
		for _, i := range idx {
			out[i] = append(out[i], m)
		}
	}
	for _, list := range out {
		sortMessages(list)
	}
	return out, nil
}

// mapped applies a values map: the value's own entry, else "*", else the
// value in lower case.
func mapped(values map[string]string, v string) string {
	if m, ok := values[v]; ok {
		return m
	}
	if m, ok := values["*"]; ok && v != "" {
		return m
	}
	return strings.ToLower(v)
}

// sortMessages orders a thread's messages oldest first, then by ID.
func sortMessages(list []connectors.Message) {
	for i := 1; i < len(list); i++ {
		for j := i; j > 0 && (list[j].SentAt.Before(list[j-1].SentAt) ||
			(list[j].SentAt.Equal(list[j-1].SentAt) && list[j].ID < list[j-1].ID)); j-- {
			list[j], list[j-1] = list[j-1], list[j]
		}
	}
}
