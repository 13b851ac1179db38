package cli

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/harmonyhq/harmony/connectors"
	"github.com/harmonyhq/harmony/internal/config"
)

// probeKey is a native key no system has: a check asks for it and expects
// an answer, found or not.
const probeKey = "harmony-connectors-check-probe"

// checkTimeout bounds each probe of a connector without its own timeout.
const checkTimeout = 10 * time.Second

// probe is what one connector's check found.
type probe struct {
	name, kind string
	caps       []connectors.Capability
	reachable  bool
	authOK     bool
	latency    time.Duration // of the slowest call
	err        error
}

func (p probe) failed() bool { return p.err != nil }

// runCheck builds each configured connector and calls each of its
// capabilities once, then prints a table. It fails when any call fails.
func runCheck(ctx context.Context, file string, stdout io.Writer) error {
	cfg, err := config.Load(file, os.LookupEnv)
	if err != nil {
		return err
	}
	var results []probe
	for i, cn := range cfg.Connectors {
		c, err := connectors.Build(ctx, cn.Kind, &cn.Config, connectors.Env{Name: cn.Name, Logger: slog.New(slog.DiscardHandler), BaseDir: cfg.Dir()})
		if err != nil {
			return cfg.ConnectorError(i, err)
		}
		timeout := cn.Timeout
		if timeout <= 0 {
			timeout = checkTimeout
		}
		results = append(results, checkOne(ctx, cn.Name, cn.Kind, c, timeout))
		_ = c.Close()
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	_, _ = fmt.Fprintln(tw, "CONNECTOR\tKIND\tREACHABLE\tAUTH\tLATENCY\tCAPABILITIES\tRESULT")
	failed := 0
	for _, r := range results {
		result := "ok"
		if r.failed() {
			failed++
			result = r.err.Error()
		}
		_, _ = fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", r.name, r.kind, yesNo(r.reachable), authWord(r),
			r.latency.Round(time.Millisecond), joinCaps(r.caps), result)
	}
	if err := tw.Flush(); err != nil {
		return fmt.Errorf("print the table: %w", err)
	}
	if failed > 0 {
		return fmt.Errorf("%d of %d connectors failed their check", failed, len(results))
	}
	return nil
}

// checkOne calls every capability of c once, with harmless arguments.
func checkOne(ctx context.Context, name, kind string, c connectors.Connector, timeout time.Duration) probe {
	p := probe{name: name, kind: kind, caps: connectors.Capabilities(c), reachable: true, authOK: true}
	for _, cp := range p.caps {
		callCtx, cancel := context.WithTimeout(ctx, timeout)
		start := time.Now()
		err := call(callCtx, c, cp)
		cancel()
		p.latency = max(p.latency, time.Since(start))
		if err == nil {
			continue
		}
		ce := connectors.Classify(err)
		switch ce.Code {
		case connectors.CodeUnavailable, connectors.CodeTimeout:
			p.reachable, p.authOK = false, false
		case connectors.CodeUnauthorized:
			p.authOK = false
		}
		if p.err == nil {
			p.err = fmt.Errorf("%s: %w", cp, err)
		}
	}
	return p
}

// call makes one call of capability cp. Reads ask for a key or an
// identifier no system has; capabilities that change data are not called.
func call(ctx context.Context, c connectors.Connector, cp connectors.Capability) error {
	window := connectors.Window{Since: time.Now().AddDate(0, 0, -1), Until: time.Now(), Limit: 1}
	switch cp {
	case connectors.CapProfiles:
		_, err := c.(connectors.ProfileSource).Profiles(ctx, []string{probeKey})
		return err
	case connectors.CapListProfiles:
		_, err := c.(connectors.ProfileLister).ListProfiles(ctx, "", 1)
		return err
	case connectors.CapOrders:
		_, err := c.(connectors.OrderSource).Orders(ctx, []string{probeKey}, window)
		return err
	case connectors.CapInteractions:
		_, err := c.(connectors.InteractionSource).Interactions(ctx, []string{probeKey}, window)
		return err
	case connectors.CapLookup:
		_, err := c.(connectors.ProfileFinder).FindProfiles(ctx, []connectors.Identifier{{Kind: connectors.IdentifierEmail, Value: probeKey + "@harmony.invalid"}})
		return err
	}
	return nil
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

func authWord(p probe) string {
	switch {
	case !p.reachable:
		return "-"
	case p.authOK:
		return "accepted"
	}
	return "refused"
}

func joinCaps(caps []connectors.Capability) string {
	s := make([]string, len(caps))
	for i, c := range caps {
		s[i] = string(c)
	}
	return strings.Join(s, ",")
}
