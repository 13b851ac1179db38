package rest

import (
	"bytes"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/harmonyhq/harmony/connectors"
)

// fastSources take the fast path; slowSources are left to text/template.
var (
	fastSources = []string{
		``,
		`/plain/path`,
		`/contacts/{{.Key}}`,
		`{{ .Key }}/{{.Cursor}}?{{.Limit}}&{{.Page}}&{{.Offset}}`,
		`{{join .Keys ","}}`,
		`{{join .Emails ", "}}|{{join .Phones ""}}|{{join .WhatsApps "\n"}}|{{join .LoyaltyCards "é"}}|{{join .SocialHandles ","}}`,
		`{"ids": {{json .Keys}}, "key": {{json .Key}}, "n": {{json .Limit}}, "since": {{json .Since}}, "c": {{json .Cursor}}}`,
		`{{rfc3339 .Since}}..{{rfc3339 .Until}} {{unix .Since}}..{{unix .Until}}`,
		`{{- .Key -}} x {{- .Limit}}`,
		`{{json .Emails}} {{json .Page}} {{json .Until}}`,
		`{"inputs": [{{range $i, $k := .Keys}}{{if $i}},{{end}}{"id": {{json $k}}}{{end}}], "n": {{.Limit}}}`,
		`{{range .Keys}}<{{.}}|{{json .}}>{{end}}`,
		`{{range $k := .Emails}}{{$k}};{{end}}`,
		`{{range $i, $e := .Phones}}{{if $i}} - {{end}}{{$e}}{{end}}`,
		`[{{- range $i, $k := .Keys -}} {{- if $i}}, {{end -}} {{json $k}} {{- end -}}]`,
	}
	slowSources = []string{
		`{{.Keys}}`, `{{.Since}}`, `{{.}}`, `{{.Key | printf "%q"}}`, `{{$k := .Key}}{{$k}}`, `{{printf "%d" .Limit}}`,
		`{{json .Identifiers}}`, `{{join .Keys .Key}}`, `{{"lit"}}`, `{{(.Key)}}`, `{{.Message.Key}}`, `{{len .Keys}}`,
		`{{range .Keys}}{{.}}{{else}}none{{end}}`, `{{range $i, $k := .Keys}}{{if $k}}x{{end}}{{end}}`,
		`{{range $i, $k := .Keys}}{{if $i}}{{$k}}{{end}}{{end}}`, `{{range .Keys}}{{$.Key}}{{end}}`,
		`{{range .Keys}}{{range $.Keys}}{{.}}{{end}}{{end}}`, `{{range $i, $k := .Keys}}{{$i}}{{end}}`,
		`{{range .Identifiers}}{{.Value}}{{end}}`, `{{range .Keys}}{{break}}{{end}}`, `{{if .Key}}x{{end}}`,
		`{{range .Keys}}{{.Len}}{{end}}`, `{{range .Keys}}{{json $}}{{end}}`,
	}
)

func templateData() []TemplateData {
	at := time.Date(2024, 5, 1, 12, 30, 15, 123456789, time.FixedZone("CEST", 2*3600))
	return []TemplateData{
		{},
		{Key: "a/b c?d", Cursor: "c&x=1", Limit: 10, Page: 2, Offset: -5, Keys: []string{"1", "2", `"3"`}, Since: at, Until: at.Add(time.Hour)},
		{Keys: []string{}, Emails: []string{"a@example.com", "b@example.com"}, Phones: []string{"+33600000001"},
			WhatsApps: []string{"x"}, LoyaltyCards: []string{"LC1"}, SocialHandles: []string{"instagram:é"},
			Identifiers: []connectors.Identifier{{Kind: "email", Value: "a@example.com"}}},
		{Key: "<&>\u2028", Keys: []string{"\xff", "日本"}, Since: time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC), Limit: -1},
		{Since: time.Unix(-1, 0), Until: time.Unix(1<<40, 5)},
	}
}

// checkFastTemplate compares the fast template of src, when it has one,
// with text/template for d.
func checkFastTemplate(t *testing.T, src string, d TemplateData) (fast bool) {
	t.Helper()
	tm, err := parseTemplate("test", src)
	if err != nil || !tm.isFast {
		return false
	}
	var want bytes.Buffer
	werr := tm.t.Execute(&want, d)
	var got strings.Builder
	gerr := tm.fast.execute(&got, &d)
	if (werr == nil) != (gerr == nil) {
		t.Fatalf("%q: fast error %v, text/template error %v", src, gerr, werr)
	}
	if werr == nil && got.String() != want.String() {
		t.Fatalf("%q: fast = %q, text/template = %q", src, got.String(), want.String())
	}
	return true
}

func TestFastTemplateMatchesTextTemplate(t *testing.T) {
	for _, src := range fastSources {
		for _, d := range templateData() {
			if !checkFastTemplate(t, src, d) {
				t.Fatalf("%q does not take the fast path", src)
			}
		}
	}
	for _, src := range slowSources {
		if checkFastTemplate(t, src, TemplateData{}) {
			t.Errorf("%q takes the fast path", src)
		}
	}
}

// TestRenderedRequestSame checks a whole request rendered with fast
// templates against one rendered with text/template alone.
func TestRenderedRequestSame(t *testing.T) {
	base, err := url.Parse("https://desk.example.com/api/")
	if err != nil {
		t.Fatal(err)
	}
	c := &Connector{base: base}
	req, err := c.compileRequest("interactions", Request{
		Path:  "/v2/{{.Key}}/conversations",
		Query: map[string]string{"ids": `{{join .Keys ","}}`, "since": "{{rfc3339 .Since}}", "n": "{{.Limit}}", "empty": "{{.Cursor}}"},
		Body:  `{"ids": {{json .Keys}}, "key": {{json .Key}}, "in": [{{range $i, $k := .Keys}}{{if $i}},{{end}}{"id": {{json $k}}}{{end}}]}`,
	}, false)
	if err != nil {
		t.Fatal(err)
	}
	slow := *req
	slow.path, slow.body = slowCopy(req.path), slowCopy(req.body)
	slow.query = nil
	for _, q := range req.query {
		slow.query = append(slow.query, queryParam{name: q.name, t: slowCopy(q.t)})
	}
	for _, d := range templateData() {
		a, errA := req.render(d)
		b, errB := slow.render(d)
		if (errA == nil) != (errB == nil) || (errA == nil && !a.same(b)) {
			t.Fatalf("fast %+v (%v), text/template %+v (%v)", a, errA, b, errB)
		}
	}
}

func slowCopy(t *tmpl) *tmpl {
	if t == nil {
		return nil
	}
	cp := *t
	cp.fast, cp.isFast = nil, false
	return &cp
}

func FuzzTemplateFastPath(f *testing.F) {
	for _, src := range append(fastSources, slowSources...) {
		f.Add(src, "a/b", "x,y", 3)
	}
	f.Fuzz(func(t *testing.T, src, key, keys string, limit int) {
		d := TemplateData{Key: key, Cursor: keys, Keys: []string{key, keys}, Emails: []string{keys}, Limit: limit,
			Since: time.Unix(int64(limit), 0)}
		checkFastTemplate(t, src, d)
	})
}
