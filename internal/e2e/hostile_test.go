package e2e

import (
	"testing"
	"time"
)

// TestAHangingSystemCostsOneTimeoutPerOperation hangs the helpdesk (every
// request accepted, none answered) and asks for customer 360s until its
// breaker opens. Each read of the helpdesk ends after one connector timeout
// with no time left for a retry, so an operation sends the hanging system
// no more requests than a healthy one (before, issue 15: each read waited a
// timeout per attempt and sent one request per attempt); the timeouts open
// the breaker within faultFailures operations, and then operations no
// longer reach the helpdesk. Requests are counted at the simulator, so the
// test does not depend on the machine's speed (healthy operations took 2
// to 9 s under -race on a busy 2-core machine); the times are only logged.
func TestAHangingSystemCostsOneTimeoutPerOperation(t *testing.T) {
	f := bootFaults(t)
	helpdesk := f.demo.Simulators.Helpdesk.Server
	people := activePeople(t, f.demo.Simulators.Population(), 0, faultFailures+4)

	// What one operation asks of the helpdesk, and costs, when it is up.
	var healthy time.Duration
	var perOp int64
	for _, p := range people[:2] {
		before, start := helpdesk.Total(), time.Now()
		f.customer360(t, p)
		healthy = max(healthy, time.Since(start))
		perOp = max(perOp, helpdesk.Total()-before)
	}
	people = people[2:]
	if perOp == 0 {
		t.Fatal("a customer 360 does not read the helpdesk")
	}
	t.Logf("healthy operations: %d helpdesk requests, at most %s", perOp, healthy.Round(time.Millisecond))

	helpdesk.SetHang(true)
	defer func() { _ = helpdesk.Heal() }()
	opened := false
	for i, p := range people {
		before, start := helpdesk.Total(), time.Now()
		f.customer360(t, p) // fails the test when the customer is missing
		took, sent := time.Since(start), helpdesk.Total()-before
		state := f.readyz(t)["connector:helpdesk"]
		t.Logf("operation %d: %s, %d helpdesk requests, helpdesk %s", i, took.Round(time.Millisecond), sent, state)
		if sent > perOp {
			t.Errorf("operation %d sent the hanging helpdesk %d requests, more than a healthy operation's %d: reads retried past their deadline", i, sent, perOp)
		}
		if state == "degraded" {
			opened = true
			break
		}
	}
	if !opened {
		t.Fatalf("the helpdesk's breaker did not open after %d operations that timed out", len(people))
	}
	before, start := helpdesk.Total(), time.Now()
	_, r := f.customer360(t, people[len(people)-1])
	t.Logf("with the breaker open: %s", time.Since(start).Round(time.Millisecond))
	if sent := helpdesk.Total() - before; sent != 0 {
		t.Errorf("with the breaker open, an operation sent the helpdesk %d requests", sent)
	}
	open := false
	for _, e := range r.Errors {
		if e.Extensions["code"] == "CIRCUIT_OPEN" && e.Extensions["connector"] == "helpdesk" {
			open = true
		}
	}
	if !open {
		t.Errorf("errors %+v, want CIRCUIT_OPEN for the helpdesk", r.Errors)
	}
}
