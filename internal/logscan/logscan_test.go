package logscan

import (
	"strings"
	"testing"

	"github.com/harmonyhq/harmony/internal/simulators/population"
)

func TestScanFindsDemoValuesInAnyFormat(t *testing.T) {
	pop := population.Generate(population.DefaultSeed, 50)
	n := FromPopulation(pop)
	p := pop.People[7]
	e164 := p.Phone
	nsn := e164[len(e164)-9:]
	var spaced strings.Builder
	for i, r := range e164 {
		if i > 3 && i%2 == 0 {
			spaced.WriteByte(' ')
		}
		spaced.WriteRune(r)
	}

	tests := []struct {
		name string
		line string
		want string
	}{
		{"canonical e-mail in JSON", `{"level":"INFO","msg":"x","email":"` + p.Email + `"}`, "email"},
		{"e-mail upper-cased", `lookup ` + strings.ToUpper(p.Email) + ` failed`, "email"},
		{"e-mail with JSON-escaped at", `{"v":"` + strings.Replace(p.Email, "@", `\u0040`, 1) + `"}`, "email"},
		{"E.164 phone", `{"phone":"` + e164 + `"}`, "phone"},
		{"spaced phone", `called ` + spaced.String(), "phone"},
		{"national phone with dots", `tel 0` + nsn[:1] + "." + nsn[1:3] + "." + nsn[3:5] + "." + nsn[5:7] + "." + nsn[7:], "phone"},
		{"WhatsApp ID", `wa ` + strings.TrimPrefix(e164, "+") + `@s.whatsapp.net`, "phone"},
		{"clean line", `{"level":"INFO","msg":"identity sync done","records":4080,"customers":1016,"took":"476ms"}`, ""},
		{"hashed identity", `{"msg":"identifier held by many","identity":"3f9a1c0e77b2d4a5"}`, ""},
		{"decimal number", `{"duration":0.` + nsn + `}`, ""},
		{"other e-mail", `{"email":"someone.else@example.org"}`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := n.Scan("capture.jsonl", strings.NewReader("first line\n"+tt.line+"\n"))
			if err != nil {
				t.Fatal(err)
			}
			switch {
			case tt.want == "" && len(got) > 0:
				t.Fatalf("found %v in a clean line", got)
			case tt.want != "" && len(got) != 1:
				t.Fatalf("found %d findings, want 1 of kind %s", len(got), tt.want)
			case tt.want != "" && (got[0].Kind != tt.want || got[0].Line != 2):
				t.Fatalf("finding %+v, want kind %s on line 2", got[0], tt.want)
			}
			for _, f := range got {
				if strings.Contains(f.String(), p.Email) || strings.Contains(f.String(), nsn) {
					t.Fatalf("a finding repeats the value: %s", f)
				}
			}
		})
	}
}
