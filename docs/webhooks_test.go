package docs_test

import (
	"os"
	"regexp"
	"testing"

	"github.com/harmonyhq/harmony/internal/demo"
	"github.com/harmonyhq/harmony/internal/simulators/population"
)

// The webhook example of webhooks.md names a customer the demo's helpdesk
// has, so that trying it shows the event on a real customer.
func TestWebhookExampleIsADemoCustomer(t *testing.T) {
	md, err := os.ReadFile("webhooks.md")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`"user_id": (\d+)`).FindSubmatch(md)
	if m == nil {
		t.Fatal("webhooks.md has no user_id in its demo example")
	}
	pop := population.Generate(demo.DefaultSeed, demo.DefaultPeople)
	for _, p := range pop.People {
		if p.Key(population.Helpdesk) == string(m[1]) {
			return
		}
	}
	t.Fatalf("user_id %s in webhooks.md is no helpdesk customer of the demo", m[1])
}
