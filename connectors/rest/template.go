package rest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"text/template"
	"time"

	"github.com/harmonyhq/harmony/connectors"
)

// TemplateData is what the path, query and body templates of an endpoint
// see. In the path template, Key, Keys and Cursor are path-escaped.
type TemplateData struct {
	Keys   []string  // the batch's keys (batch endpoints)
	Key    string    // the key of a per_key call
	Since  time.Time // window lower bound, zero when unbounded (orders, interactions)
	Until  time.Time // window upper bound, zero when unbounded
	Limit  int       // per key (orders, interactions) or page size (list_profiles)
	Cursor string    // list_profiles: the cursor, "" on the first page
	Page   int       // list_profiles: the page number, from 1
	Offset int       // list_profiles: the offset of the page's first record

	// Lookup: the identifiers searched (of the endpoint's kinds only), and
	// their values by kind.
	Identifiers   []connectors.Identifier
	Emails        []string
	Phones        []string
	WhatsApps     []string
	LoyaltyCards  []string
	SocialHandles []string

	// Send: the batch's messages, or the message of a per_message call
	// (then Key is its customer key, path-escaped in the path).
	Messages []connectors.OutboundMessage
	Message  connectors.OutboundMessage
}

// withIdentifiers returns d with ids and their per-kind value lists.
func withIdentifiers(d TemplateData, ids []connectors.Identifier) TemplateData {
	d.Identifiers = ids
	for _, id := range ids {
		switch id.Kind {
		case connectors.IdentifierEmail:
			d.Emails = append(d.Emails, id.Value)
		case connectors.IdentifierPhone:
			d.Phones = append(d.Phones, id.Value)
		case connectors.IdentifierWhatsApp:
			d.WhatsApps = append(d.WhatsApps, id.Value)
		case connectors.IdentifierLoyaltyCard:
			d.LoyaltyCards = append(d.LoyaltyCards, id.Value)
		case connectors.IdentifierSocialHandle:
			d.SocialHandles = append(d.SocialHandles, id.Value)
		}
	}
	return d
}

// TemplateFuncs returns the template functions the endpoints' templates
// have besides text/template's built-ins: join, json, rfc3339, unix.
func TemplateFuncs() template.FuncMap {
	out := make(template.FuncMap, len(funcs))
	for k, v := range funcs {
		out[k] = v
	}
	return out
}

var funcs = template.FuncMap{
	"join":    strings.Join,
	"json":    jsonFunc,
	"rfc3339": rfc3339Func,
	"unix":    unixFunc,
}

func jsonFunc(v any) (string, error) {
	b, err := json.Marshal(v)
	return string(b), err
}

func rfc3339Func(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339Nano)
}

func unixFunc(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return strconv.FormatInt(t.Unix(), 10)
}

// tmpl is one parsed template of an endpoint.
type tmpl struct {
	key    string // dotted config key, for errors
	t      *template.Template
	fast   fastTemplate // t without text/template, when simple enough
	isFast bool
}

func parseTemplate(key, src string) (*tmpl, error) {
	t, err := template.New(key).Funcs(funcs).Option("missingkey=error").Parse(src)
	if err != nil {
		return nil, connectors.Invalid(key, "bad template: %s", templateReason(err))
	}
	out := &tmpl{key: key, t: t}
	out.fast, out.isFast = compileFast(t)
	return out, nil
}

// templateReason strips the template name and line prefix text/template puts
// in front of its messages ("template: profiles.path:1: ...").
func templateReason(err error) string {
	msg := err.Error()
	msg = strings.TrimPrefix(msg, "template: ")
	if i := strings.Index(msg, ": "); i >= 0 {
		msg = msg[i+2:]
	}
	return msg
}

func (t *tmpl) render(data TemplateData) (string, error) {
	if t == nil {
		return "", nil
	}
	if t.isFast {
		var sb strings.Builder
		if err := t.fast.execute(&sb, &data); err != nil {
			return "", connectors.Errorf(connectors.CodeInternal, "rendering %s failed", t.key)
		}
		return sb.String(), nil
	}
	var b bytes.Buffer
	if err := t.t.Execute(&b, data); err != nil {
		// Never include the error: it may quote data. Name the template.
		return "", connectors.Errorf(connectors.CodeInternal, "rendering %s failed", t.key)
	}
	return b.String(), nil
}

// pathData escapes the values the path template may interpolate.
func pathData(d TemplateData) TemplateData {
	d.Key = url.PathEscape(d.Key)
	if d.Keys != nil {
		keys := make([]string, len(d.Keys))
		for i, k := range d.Keys {
			keys[i] = url.PathEscape(k)
		}
		d.Keys = keys
	}
	d.Cursor = url.PathEscape(d.Cursor)
	if d.Identifiers != nil {
		ids := make([]connectors.Identifier, len(d.Identifiers))
		for i, id := range d.Identifiers {
			ids[i] = connectors.Identifier{Kind: id.Kind, Value: url.PathEscape(id.Value)}
		}
		d.Identifiers = ids
	}
	for _, list := range []*[]string{&d.Emails, &d.Phones, &d.WhatsApps, &d.LoyaltyCards, &d.SocialHandles} {
		if *list != nil {
			esc := make([]string, len(*list))
			for i, v := range *list {
				esc[i] = url.PathEscape(v)
			}
			*list = esc
		}
	}
	return d
}

// request is an endpoint's compiled request side.
type request struct {
	method   string
	pathSrc  string
	path     *tmpl
	query    []queryParam
	body     *tmpl
	jsonBody bool
}

type queryParam struct {
	name string
	t    *tmpl
}

// rendered is one request, ready to send.
type rendered struct {
	path  string
	query url.Values
	body  []byte
}

func (r *request) render(d TemplateData) (rendered, error) {
	var out rendered
	var err error
	if out.path, err = r.path.render(pathData(d)); err != nil {
		return out, err
	}
	out.query = url.Values{}
	for _, q := range r.query {
		v, err := q.t.render(d)
		if err != nil {
			return out, err
		}
		if v != "" {
			out.query.Set(q.name, v)
		}
	}
	if r.body != nil {
		b, err := r.body.render(d)
		if err != nil {
			return out, err
		}
		out.body = []byte(b)
	}
	return out, nil
}

// trial renders the request for sample data at Provision, to surface
// execution errors (unknown fields, wrong argument types) as config errors.
func (r *request) trial(prefix string, d TemplateData) (rendered, error) {
	var out rendered
	check := func(t *tmpl, data TemplateData) (string, error) {
		if t == nil {
			return "", nil
		}
		var b bytes.Buffer
		if err := t.t.Execute(&b, data); err != nil {
			return "", connectors.Invalid(t.key, "template fails: %s", templateReason(err))
		}
		return b.String(), nil
	}
	var err error
	if out.path, err = check(r.path, pathData(d)); err != nil {
		return out, err
	}
	out.query = url.Values{}
	for _, q := range r.query {
		v, err := check(q.t, d)
		if err != nil {
			return out, err
		}
		if v != "" {
			out.query.Set(q.name, v)
		}
	}
	b, err := check(r.body, d)
	if err != nil {
		return out, err
	}
	if r.body != nil && r.jsonBody && !json.Valid([]byte(b)) {
		return out, connectors.Invalid(prefix+".body", "does not render valid JSON (use {{json .Keys}} to write values)")
	}
	out.body = []byte(b)
	return out, nil
}

func (r rendered) same(o rendered) bool {
	return r.path == o.path && r.query.Encode() == o.query.Encode() && bytes.Equal(r.body, o.body)
}

func describe(method, path string) string { return fmt.Sprintf("%s %s", method, path) }
