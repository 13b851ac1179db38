package server_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/harmonyhq/harmony/internal/config"
)

// TestErrorsNeverEchoValues sends numbers, enum values and strings that
// stand for personal data in every place a literal or a variable can hold
// one, and checks that neither the answers nor the logs repeat them. Before,
// validation quoted numbers and enum values verbatim ("Int cannot represent
// non 32-bit signed integer value: 33612345678") and a DateTime gqlgen could
// not read was logged with its value.
func TestErrorsNeverEchoValues(t *testing.T) {
	var logs lockedBuffer
	ts := newLoggedServer(t, nil, &logs)
	const (
		phone = "33612345678"
		enum  = "VICTIM_SMITH"
		text  = "victim@example.com"
	)
	leaks := func(s string) bool {
		return strings.Contains(s, phone) || strings.Contains(s, enum) || strings.Contains(s, "victim")
	}
	tests := []struct {
		name, query, vars string
		wantCode          string // "" for any answer
	}{
		{"a phone number as an Int", `{ customers(first: ` + phone + `) { edges { cursor } } }`, "", "COMPLEXITY_LIMIT_EXCEEDED"},
		{"a phone number as an Int in an input object", `{ customers(filter: {minOrders: ` + phone + `}) { edges { cursor } } }`, "", ""},
		{"a phone number as a Float in an Int", `{ customers(first: ` + phone + `.5) { edges { cursor } } }`, "", "GRAPHQL_VALIDATION_FAILED"},
		{"a phone number as a String", `{ customerByIdentifier(kind: PHONE, value: ` + phone + `) { id } }`, "", "GRAPHQL_VALIDATION_FAILED"},
		{"a phone number as an ID", `{ node(id: ` + phone + `.0) { id } }`, "", "GRAPHQL_VALIDATION_FAILED"},
		{"a phone number as a Boolean", `{ sources @include(if: ` + phone + `) { name } }`, "", "GRAPHQL_VALIDATION_FAILED"},
		{"a phone number in a list", `{ customers(filter: {inSystems: [` + phone + `]}) { edges { cursor } } }`, "", "GRAPHQL_VALIDATION_FAILED"},
		{"a phone number for an input object", `{ customers(filter: ` + phone + `) { edges { cursor } } }`, "", "GRAPHQL_VALIDATION_FAILED"},
		{"an object for a String", `{ customerByIdentifier(kind: PHONE, value: {n: ` + phone + `}) { id } }`, "", "GRAPHQL_VALIDATION_FAILED"},
		{"a phone number in a default value", `query($n: Int = ` + phone + `) { customers(first: $n) { edges { cursor } } }`, "", "COMPLEXITY_LIMIT_EXCEEDED"},
		{"an unknown enum value", `{ customerByIdentifier(kind: ` + enum + `, value: "x") { id } }`, "", "GRAPHQL_VALIDATION_FAILED"},
		{"a string for an enum", `{ customerByIdentifier(kind: "` + text + `", value: "x") { id } }`, "", "GRAPHQL_VALIDATION_FAILED"},
		{"a number for an enum", `{ customerByIdentifier(kind: ` + phone + `, value: "x") { id } }`, "", "GRAPHQL_VALIDATION_FAILED"},
		{"an unknown enum value in a variable", `query($k: IdentifierKind!) { customerByIdentifier(kind: $k, value: "x") { id } }`, `{"k":"` + enum + `"}`, "GRAPHQL_VALIDATION_FAILED"},
		{"a phone number in an Int variable", `query($n: Int) { customers(first: $n) { edges { cursor } } }`, `{"n":` + phone + `}`, "COMPLEXITY_LIMIT_EXCEEDED"},
		{"a DateTime that is not one", `{ customers(filter: {orderedSince: "` + phone + `"}) { edges { cursor } } }`, "", "BAD_USER_INPUT"},
		{"a number for a DateTime", `{ customers(filter: {orderedSince: ` + phone + `}) { edges { cursor } } }`, "", "BAD_USER_INPUT"},
		{"a DateTime variable that is not one", `query($s: DateTime) { customers(filter: {orderedSince: $s}) { edges { cursor } } }`, `{"s":"` + phone + `"}`, "BAD_USER_INPUT"},
		{"a lexing error after a number", `{ customers(first: ` + phone + `x) { edges { cursor } } }`, "", "GRAPHQL_PARSE_FAILED"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := map[string]any{"query": tt.query}
			if tt.vars != "" {
				body["variables"] = json.RawMessage(tt.vars)
			}
			b, _ := json.Marshal(body)
			got := post(t, ts, string(b))
			if leaks(got.body) {
				t.Errorf("the answer repeats a value of the request: %s", got.body)
			}
			if tt.wantCode != "" && !strings.Contains(got.body, `"`+tt.wantCode+`"`) {
				t.Errorf("answer %d %s, want code %s", got.status, got.body, tt.wantCode)
			}
		})
	}
	if leaks(logs.String()) {
		t.Errorf("the logs repeat a value of the request: %s", logs.String())
	}
}

// TestErrorsAreCapped: an answer carries at most 100 errors, the last
// saying how many were left out. Before, 300 unknown fields got 300 errors.
func TestErrorsAreCapped(t *testing.T) {
	ts := newServer(t, func(c *config.Server) { c.MaxBodyBytes = 1 << 20 })
	var q strings.Builder
	q.WriteString("{")
	for i := range 300 {
		fmt.Fprintf(&q, " unknown%d", i)
	}
	q.WriteString(" }")
	for _, tt := range []struct{ name, body string }{
		{"alone", gqlBody(t, q.String(), nil)},
		{"in a batch", "[" + gqlBody(t, q.String(), nil) + "," + gqlBody(t, "{ __typename }", nil) + "]"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got := post(t, ts, tt.body)
			raw := got.body
			if strings.HasPrefix(raw, "[") {
				var answers []json.RawMessage
				if err := json.Unmarshal([]byte(raw), &answers); err != nil || len(answers) != 2 {
					t.Fatalf("batch answer %.300s: %v", raw, err)
				}
				raw = string(answers[0])
			}
			cs := codes(t, raw)
			if len(cs) != 100 {
				t.Fatalf("%d errors, want 100", len(cs))
			}
			if cs[99] != "ERRORS_TRUNCATED" || !strings.Contains(raw, "201 more errors left out") {
				t.Errorf("last error %q, want ERRORS_TRUNCATED counting 201 left out", cs[99])
			}
		})
	}
}
