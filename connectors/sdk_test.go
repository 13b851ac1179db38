package connectors_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/harmonyhq/harmony/connectors"
)

func TestMoney(t *testing.T) {
	tests := []struct {
		amount, currency string
		minor            int64
		text             string
		bad              bool
	}{
		{"129.90", "eur", 12990, "129.90", false},
		{"129.9", "EUR", 12990, "129.90", false},
		{"5", "EUR", 500, "5.00", false},
		{"-3.05", "USD", -305, "-3.05", false},
		{".5", "EUR", 50, "0.50", false},
		{"1500", "JPY", 1500, "1500", false},
		{"1.234", "KWD", 1234, "1.234", false},
		{"1.234", "EUR", 0, "", true},
		{"abc", "EUR", 0, "", true},
		{"1", "EURO", 0, "", true},
	}
	for _, tt := range tests {
		t.Run(tt.amount+tt.currency, func(t *testing.T) {
			m, err := connectors.ParseMoney(tt.amount, tt.currency)
			if tt.bad {
				if err == nil {
					t.Fatalf("ParseMoney = %+v, want an error", m)
				}
				return
			}
			if err != nil || m.Minor != tt.minor || m.Decimal() != tt.text {
				t.Fatalf("ParseMoney = %+v (%s), %v; want %d (%s)", m, m.Decimal(), err, tt.minor, tt.text)
			}
		})
	}
}

func TestSecretIsRedactedEverywhere(t *testing.T) {
	type cfg struct {
		Token connectors.Secret `json:"token" yaml:"token"`
	}
	c := cfg{Token: "hunter2"}
	var logged bytes.Buffer
	slog.New(slog.NewJSONHandler(&logged, nil)).Info("x", "token", c.Token, "cfg", c)
	js, _ := json.Marshal(c)
	ym, _ := yaml.Marshal(c)
	for name, out := range map[string]string{
		"%v": fmt.Sprintf("%v", c), "%+v": fmt.Sprintf("%+v", c), "%#v": fmt.Sprintf("%#v", c), "%s": fmt.Sprintf("%s", c.Token), //nolint:staticcheck // S1025: the test is of what fmt's %s prints
		"json": string(js), "yaml": string(ym), "slog": logged.String(),
	} {
		if strings.Contains(out, "hunter2") {
			t.Errorf("%s leaks the secret: %s", name, out)
		}
	}
	if c.Token.Reveal() != "hunter2" {
		t.Fatal("Reveal must return the value")
	}
}

// lifecycle records the order of the calls Build makes.
type lifecycle struct {
	Name   string          `yaml:"name"`
	Nested struct{ A int } `yaml:"nested"`
	Common `yaml:",inline"`
	calls  *[]string
	fail   string
}

type Common struct {
	Timeout string `yaml:"timeout"`
}

func (l *lifecycle) Provision(context.Context, connectors.Env) error {
	*l.calls = append(*l.calls, "provision")
	if l.fail == "provision" {
		return connectors.Invalid("nested.a", "cannot be provisioned")
	}
	return nil
}

func (l *lifecycle) Validate() error {
	*l.calls = append(*l.calls, "validate")
	if l.Name == "" {
		return connectors.Invalid("name", "is required")
	}
	return nil
}

func (l *lifecycle) Close() error { *l.calls = append(*l.calls, "close"); return nil }

func (l *lifecycle) Profiles(context.Context, []string) ([]*connectors.Profile, error) {
	return nil, nil
}

func (l *lifecycle) Capabilities() []connectors.Capability { return nil }

var lifecycleCalls []string
var lifecycleFail string

func init() {
	connectors.MustRegister(connectors.Kind{ID: "sdktest", New: func() connectors.Connector {
		return &lifecycle{calls: &lifecycleCalls, fail: lifecycleFail}
	}})
}

func block(t *testing.T, text string) *connectors.Block {
	t.Helper()
	b, err := connectors.ParseBlock([]byte(text))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestBuild(t *testing.T) {
	tests := []struct {
		name, config, fail string
		wantCalls          []string
		wantErr            string
	}{
		{"ok", "name: a\ntimeout: 2s\nnested:\n  a: 1\n", "", []string{"provision", "validate"}, ""},
		{"unknown key with line", "name: a\nnested:\n  b: 1\n", "", nil, "line 3: nested.b: unknown key (known: a)"},
		{"validate points at key", "timeout: 2s\n", "", []string{"provision", "validate", "close"}, "line 1: name: is required"},
		{"provision error points at nested key", "name: a\nnested:\n  a: 1\n", "provision", []string{"provision", "close"}, "line 3: nested.a: cannot be provisioned"},
		{"type error names the key and hides the value", "name: [secretvalue]\n", "", nil, "line 1: name: cannot unmarshal"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lifecycleCalls, lifecycleFail = nil, tt.fail
			c, err := connectors.Build(context.Background(), "sdktest", block(t, tt.config), connectors.Env{})
			if tt.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
				if got := c.(*lifecycle); got.Name != "a" || got.Timeout != "2s" || got.Nested.A != 1 {
					t.Errorf("decoded %+v", got)
				}
			} else {
				var ce *connectors.ConfigError
				if !errors.As(err, &ce) || !strings.HasPrefix(err.Error(), tt.wantErr) || strings.Contains(err.Error(), "secretvalue") {
					t.Fatalf("err = %v, want prefix %q", err, tt.wantErr)
				}
			}
			if !slices.Equal(lifecycleCalls, tt.wantCalls) {
				t.Errorf("calls = %v, want %v", lifecycleCalls, tt.wantCalls)
			}
		})
	}
	if _, err := connectors.Build(context.Background(), "nope", nil, connectors.Env{}); err == nil || !strings.Contains(err.Error(), `unknown connector kind "nope"`) {
		t.Fatalf("unknown kind: %v", err)
	}
}

func TestRegister(t *testing.T) {
	newFn := func() connectors.Connector { return &lifecycle{} }
	for _, k := range []connectors.Kind{{ID: "Bad ID", New: newFn}, {ID: "nonew"}, {ID: "sdktest", New: newFn}} {
		if err := connectors.Register(k); err == nil {
			t.Errorf("Register(%q) succeeded, want an error", k.ID)
		}
	}
	if _, ok := connectors.Lookup("sdktest"); !ok {
		t.Fatal("sdktest not found")
	}
}

func TestCapabilitiesHonourTheReport(t *testing.T) {
	c := &lifecycle{}
	// It implements ProfileSource but reports nothing configured.
	if got := connectors.Capabilities(c); len(got) != 0 {
		t.Fatalf("Capabilities = %v, want none", got)
	}
}

func TestClassify(t *testing.T) {
	if got := connectors.Classify(context.DeadlineExceeded).Code; got != connectors.CodeTimeout {
		t.Errorf("deadline = %s", got)
	}
	if got := connectors.Classify(errors.New("refused")).Code; got != connectors.CodeUnavailable {
		t.Errorf("plain = %s", got)
	}
	e := &connectors.Error{Code: connectors.CodeUnauthorized, Connector: "crm", Err: errors.New("token abc")}
	if strings.Contains(e.Public(), "abc") || !strings.Contains(e.Public(), "crm") {
		t.Errorf("Public = %q", e.Public())
	}
}

func TestSendableOnly(t *testing.T) {
	msgs := []connectors.OutboundMessage{
		{CustomerKey: "a", Channel: connectors.ChannelEmail},
		{CustomerKey: "b", Channel: connectors.ChannelSMS},
		{CustomerKey: "c", Channel: connectors.ChannelWhatsApp},
	}
	tests := []struct {
		name     string
		channels []string
		want     []int
	}{
		{"all reachable", []string{connectors.ChannelEmail, connectors.ChannelSMS, connectors.ChannelWhatsApp}, []int{0, 1, 2}},
		{"some refused", []string{connectors.ChannelWhatsApp, connectors.ChannelEmail}, []int{0, 2}},
		{"none configured", nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := make([]connectors.SendResult, len(msgs))
			got := connectors.SendableOnly(msgs, tt.channels, out)
			if !slices.Equal(got, tt.want) {
				t.Fatalf("indexes = %v, want %v", got, tt.want)
			}
			for i := range msgs {
				refused := !slices.Contains(got, i)
				if refused != (out[i].Err != nil) || (refused && out[i].Err.Code != connectors.CodeRejected) {
					t.Errorf("message %d: refused %v, err %v", i, refused, out[i].Err)
				}
			}
		})
	}
}
