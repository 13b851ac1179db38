package config_test

import (
	"strings"
	"testing"

	"github.com/harmonyhq/harmony/internal/config"
)

func TestJourneyErrors(t *testing.T) {
	const conn = "connectors:\n  - name: crm\n    kind: configtest\n    config:\n      url: http://x\n"
	journey := func(body string) string { return conn + "journeys:\n  - id: cart\n" + body }
	const trig = "    trigger: {event: {type: cart}}\n"
	const act = "    action: {kind: message, template: t, channels: [whatsapp, sms]}\n"
	tests := []struct{ name, file, want string }{
		{"valid", journey(trig + act), ""},
		{"unknown key", journey(trig + act + "    dealy: 1h\n"), "journeys[0].dealy: unknown key"},
		{"bad id", conn + "journeys:\n  - id: Cart\n" + trig + act, "cfg.yaml: journeys[0].id: must be lower case"},
		{"no trigger", journey(act), "journeys[0].trigger: give exactly one of event and schedule"},
		{"empty event", journey("    trigger: {event: {}}\n" + act), "journeys[0].trigger.event: name at least one"},
		{"phone for a message", journey(trig + "    action: {kind: message, template: t, channels: [phone]}\n"),
			"journeys[0].action.channels[0]: a message action uses email, whatsapp, sms"},
		{"unknown metric", journey(trig + act + "    conditions: {metrics: [{metric: ltv, op: '>', value: 1}]}\n"),
			"journeys[0].conditions.metrics[0].metric: unknown metric"},
		{"bad quiet hours", journey(trig + act + "    quiet_hours: {start: '25:00', end: '08:00', time_zone: Europe/Paris}\n"),
			"journeys[0].quiet_hours: start and end"},
		{"bad time zone", journey(trig + act + "    quiet_hours: {start: '21:00', end: '08:00', time_zone: Mars/Olympus}\n"),
			"journeys[0].quiet_hours.time_zone: must be an IANA time zone"},
		{"duplicate id", journey(trig+act) + "  - id: cart\n" + trig + act, `journeys[1].id: "cart" is used by another journey`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := config.Parse("cfg.yaml", []byte(tc.file), func(string) (string, bool) { return "", false })
			if tc.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.HasPrefix(err.Error(), "cfg.yaml") {
				t.Fatalf("error %v, want %q", err, tc.want)
			}
		})
	}
}
