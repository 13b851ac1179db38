package connectortest_test

import (
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/harmonyhq/harmony/connectors"
	"github.com/harmonyhq/harmony/connectors/connectortest"
	"github.com/harmonyhq/harmony/connectors/connectortest/internal/fake"
)

func harness(bug string) func(t *testing.T) *connectortest.Harness {
	return func(t *testing.T) *connectortest.Harness {
		up := &fake.Upstream{}
		patience := time.Duration(0) // the default
		if bug != "" {
			patience = 300 * time.Millisecond // the bugs need not be waited for long
		}
		return &connectortest.Harness{
			Connector: &fake.Conn{Bug: bug, Token: fake.Secret, Up: up},
			Known:     []string{"k1", "k2", "k3"},
			Missing:   "k404",
			Break:     up.Break,
			Heal:      up.Heal,
			Block:     up.Block,
			Secrets:   []string{fake.Secret},
			Patience:  patience,
			Identifiers: map[string]connectors.Identifier{
				"k1": {Kind: connectors.IdentifierEmail, Value: "ana@example.com"},
				"k3": {Kind: connectors.IdentifierEmail, Value: "cid@example.com"},
			},
			SentTo: up.SentTo,
		}
	}
}

// TestFakeConforms: the fake without bugs passes the kit.
func TestFakeConforms(t *testing.T) {
	connectortest.Run(t, harness(""))
}

// TestBuggyConnector runs the kit against the bug named by
// CONNECTORTEST_BUG; TestKitCatchesBugs runs it in a child process and
// expects it to fail.
func TestBuggyConnector(t *testing.T) {
	bug := os.Getenv("CONNECTORTEST_BUG")
	if bug == "" {
		t.Skip("run by TestKitCatchesBugs")
	}
	connectortest.Run(t, harness(bug))
}

func TestKitCatchesBugs(t *testing.T) {
	if testing.Short() {
		t.Skip("runs child processes")
	}
	for bug, want := range map[string]string{
		"positional":     "answers key",
		"fills_missing":  "answers the missing key with data",
		"plain_error":    "is not a *connectors.Error",
		"leaks_secret":   "reveals a secret",
		"ignores_ctx":    "cancelled call did not return",
		"keeps_ctx":      "the context was used after the call returned",
		"ignores_window": "items",
		"oldest_first":   "are not newest first",
		// lookup, erase, export, send
		"lookup_duplicates": "a record is listed twice",
		"erases_all":        "a key not asked was erased too",
		"export_positional": "answers the missing key with data",
		"send_misaligned":   "names a message the upstream sent to another recipient",
		"sends_anywhere":    "the connector does not send on",
	} {
		t.Run(bug, func(t *testing.T) {
			t.Parallel()
			cmd := exec.CommandContext(t.Context(), os.Args[0], "-test.run=^TestBuggyConnector$", "-test.v")
			cmd.Env = append(os.Environ(), "CONNECTORTEST_BUG="+bug)
			out, err := cmd.CombinedOutput()
			if err == nil {
				t.Fatalf("the kit passed a connector with bug %s", bug)
			}
			if !strings.Contains(string(out), want) {
				t.Errorf("the kit's report does not mention %q:\n%s", want, out)
			}
		})
	}
}
