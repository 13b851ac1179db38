package identityeval

import (
	"context"
	_ "embed"
	"fmt"
	"log/slog"
	"strings"

	"github.com/harmonyhq/harmony/internal/app"
	"github.com/harmonyhq/harmony/internal/config"
)

// configYAML wires the gateway to the systems: configuration only.
//
//go:embed harmony.yaml
var configYAML []byte

// startGateway builds a gateway from harmony.yaml with the systems' URLs
// and an embedded store in dir, as `harmony serve` would.
func startGateway(ctx context.Context, systems []*System, dir string, log *slog.Logger) (*app.Gateway, error) {
	env := map[string]string{"EVAL_DATA_DIR": dir}
	for _, s := range systems {
		env["EVAL_"+strings.ToUpper(s.Name)+"_URL"] = s.URL
	}
	cfg, err := config.Parse("harmony.yaml", configYAML, func(name string) (string, bool) {
		v, ok := env[name]
		return v, ok
	})
	if err != nil {
		return nil, fmt.Errorf("harness configuration: %w", err)
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	gw, err := app.Build(ctx, cfg, app.Options{Log: log})
	if err != nil {
		return nil, fmt.Errorf("build the gateway: %w", err)
	}
	return gw, nil
}
