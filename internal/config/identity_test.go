package config

import (
	"strings"
	"testing"
	"time"
)

// TestIdentityErrorsNameTheLine checks that every identity setting that
// stops startup names the file, the line and the key.
func TestIdentityErrorsNameTheLine(t *testing.T) {
	const conns = "connectors:\n  - name: crm_us\n    kind: configtest\n    config: {url: http://x}\n  - name: shop\n    kind: configtest\n    config: {url: http://x}\n"
	tests := []struct {
		name, identity, want string
	}{
		{"sync interval under a minute", "  sync_on_start: true\n  sync_interval: 30s\n",
			`cfg.yaml:3: identity.sync_interval: must be 0 (off) or at least 1m`},
		{"negative sync interval", "  sync_interval: -1m\n",
			`cfg.yaml:2: identity.sync_interval: must be 0 (off) or at least 1m`},
		{"default region not a region", "  default_region: XX\n",
			`cfg.yaml:2: identity.default_region: must be an ISO 3166-1 alpha-2 region with a phone numbering plan`},
		{"default region a country name", "  default_region: France\n",
			`cfg.yaml:2: identity.default_region: must be an ISO 3166-1 alpha-2 region`},
		{"region of an unknown connector", "  regions:\n    crm_us: US\n    crm_uk: GB\n",
			`cfg.yaml:4: identity.regions.crm_uk: no connector is named "crm_uk"`},
		{"region not a region", "  regions:\n    shop: USA\n",
			`cfg.yaml:3: identity.regions.shop: must be an ISO 3166-1 alpha-2 region`},
		{"alert threshold", "  alert_customers_per_identifier: 1\n",
			`cfg.yaml:2: identity.alert_customers_per_identifier: must be at least 2`},
		{"rule name", "  rules:\n    - {name: Mail, kinds: [email]}\n",
			`cfg.yaml:3: identity.rules[0].name: must be lower case`},
		{"second blocked pattern, after the defaults", "  blocked:\n    phone: [\"+331*\", \"[\"]\n",
			`cfg.yaml:3: identity.blocked.phone[1]: not a valid glob pattern`},
		{"blocked pattern replacing the defaults", "  replace_blocked: true\n  blocked:\n    email:\n      - \"a@*\"\n      - \"[\"\n",
			`cfg.yaml:6: identity.blocked.email[1]: not a valid glob pattern`},
		{"blocked kind", "  blocked:\n    fax: [\"*\"]\n",
			`cfg.yaml:3: identity.blocked.fax: unknown identifier kind`},
		{"upper-case e-mail domain", "  email:\n    domains:\n      Gmail.com: {ignore_dots: true}\n",
			`cfg.yaml:4: identity.email.domains.Gmail.com: must be a lower-case domain name`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("cfg.yaml", []byte("identity:\n"+tt.identity+conns), env(nil))
			if err == nil || !strings.HasPrefix(err.Error(), tt.want) {
				t.Fatalf("err = %v\nwant prefix %s", err, tt.want)
			}
		})
	}
}

func TestIdentityRegions(t *testing.T) {
	const file = `
identity:
  default_region: fr
  sync_interval: 1m
  regions:
    crm_us: us
connectors:
  - name: crm_us
    kind: configtest
    config: {url: http://x}
`
	c, err := Parse("cfg.yaml", []byte(file), env(nil))
	if err != nil {
		t.Fatal(err)
	}
	id := c.Identity
	if id.Regions["crm_us"] != "us" || id.DefaultRegion != "fr" || id.SyncInterval != time.Minute {
		t.Errorf("identity = %+v", id)
	}
}
