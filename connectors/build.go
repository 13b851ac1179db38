package connectors

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
)

// ConfigError points at one key of a connector's configuration.
type ConfigError struct {
	// Line is the 1-based line in the configuration file, 0 if unknown.
	Line int
	// Key is the dotted path of the key inside the instance's config block
	// ("endpoints.profiles.path"); "" for the block itself.
	Key    string
	Reason string
}

func (e *ConfigError) Error() string {
	var b strings.Builder
	if e.Line > 0 {
		fmt.Fprintf(&b, "line %d: ", e.Line)
	}
	if e.Key != "" {
		b.WriteString(e.Key + ": ")
	}
	b.WriteString(e.Reason)
	return b.String()
}

// Invalid reports a bad value at key, for Validate and Provision. Build
// finds the key's line.
func Invalid(key, format string, args ...any) *ConfigError {
	return &ConfigError{Key: key, Reason: fmt.Sprintf(format, args...)}
}

// Build makes a ready instance of kind from its configuration block, in the
// fixed lifecycle order: New, strict decode, Provision, Validate. A nil dec
// decodes as an empty block. On error nothing stays acquired. Errors about
// the configuration are *ConfigError; when dec is a *Block they carry the
// line of their key.
func Build(ctx context.Context, kind string, dec Decoder, env Env) (Connector, error) {
	k, ok := Lookup(kind)
	if !ok {
		return nil, &ConfigError{Reason: fmt.Sprintf("unknown connector kind %q (known: %s)", kind, strings.Join(KindIDs(), ", "))}
	}
	c := k.New()
	if dec != nil {
		// A kind whose instance is not a pointer has no configuration:
		// any key in its block is unknown.
		var target any = c
		if reflect.ValueOf(c).Kind() != reflect.Pointer {
			target = &struct{}{}
		}
		if err := dec.Decode(target); err != nil {
			return nil, err
		}
	}
	if p, ok := c.(Provisioner); ok {
		if err := p.Provision(ctx, env); err != nil {
			_ = c.Close()
			return nil, locate(dec, err)
		}
	}
	if v, ok := c.(Validator); ok {
		if err := v.Validate(); err != nil {
			_ = c.Close()
			return nil, locate(dec, err)
		}
	}
	return c, nil
}

// locate fills in the line of a *ConfigError from the block it is about.
func locate(dec Decoder, err error) error {
	var ce *ConfigError
	b, ok := dec.(*Block)
	if !ok || !errors.As(err, &ce) || ce.Line != 0 {
		return err
	}
	ce.Line = b.Line(ce.Key)
	return err
}
