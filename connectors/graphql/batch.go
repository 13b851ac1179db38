package graphql

import (
	"context"

	"github.com/vektah/gqlparser/v2/ast"

	"github.com/harmonyhq/harmony/connectors"
	"github.com/harmonyhq/harmony/connectors/jsonmap"
)

// parseKeyed parses a keyed capability's document (at prefix.field) in its
// batch style: list declares $keys, aliases declares $key; extra are the
// other variables it may declare.
func parseKeyed(prefix, field, src, batch string, opType ast.Operation, extra []string) (*operation, *aliased, error) {
	key := prefix + "." + field
	switch batch {
	case "", BatchList:
		op, _, err := parseOp(key, src, opType, append([]string{VarKeys}, extra...), []string{VarKeys})
		return op, nil, err
	case BatchAliases:
		a, err := parseAliased(key, src, opType, "k", append([]string{VarKey}, extra...), []string{VarKey}, []string{VarKey})
		return nil, a, err
	}
	return nil, nil, connectors.Invalid(prefix+".batch", "must be %s or %s", BatchList, BatchAliases)
}

// distinct returns keys without repeats, in first-seen order.
func distinct(keys []string) []string {
	seen := make(map[string]bool, len(keys))
	out := make([]string, 0, len(keys))
	for _, k := range keys {
		if !seen[k] {
			seen[k] = true
			out = append(out, k)
		}
	}
	return out
}

// aliasedKeys runs an aliases-style operation once for the distinct keys
// and returns each key's own response ({"data": {<field>: ...}}), by key.
// With strict, any GraphQL error fails the call.
func (c *Connector) aliasedKeys(ctx context.Context, a *aliased, keys []string, v variables, strict bool) (map[string]map[string]any, error) {
	units := distinct(keys)
	src, err := a.document(len(units))
	if err != nil {
		return nil, connectors.Errorf(connectors.CodeInternal, "%s (%s): cannot build the batch document", c.desc, a.label)
	}
	vars := a.variables(v)
	for i, k := range units {
		vars[a.unitVar(VarKey, i)] = k
	}
	resp, errs, err := c.request(ctx, a.operation, src, vars)
	if err != nil {
		return nil, err
	}
	if _, err := c.judge(a.operation, resp, errs, strict); err != nil {
		return nil, err
	}
	data, ok := resp["data"].(map[string]any)
	if !ok {
		return nil, connectors.Errorf(connectors.CodeBadResponse, "%s (%s): data is not an object", c.desc, a.label)
	}
	out := make(map[string]map[string]any, len(units))
	for i, k := range units {
		if _, ok := data[a.alias(i)]; !ok && len(errs) == 0 {
			// Every alias is answered, if only by null: a missing one means
			// the answer does not line up with the request.
			return nil, connectors.Errorf(connectors.CodeBadResponse, "%s (%s): no answer for alias %s", c.desc, a.label, a.alias(i))
		}
		out[k] = a.unit(resp, i)
	}
	return out, nil
}

// profilesAliased serves Profiles with batch aliases.
func (c *Connector) profilesAliased(ctx context.Context, keys []string) ([]*connectors.Profile, error) {
	per, err := c.aliasedKeys(ctx, c.profilesA, keys, variables{}, false)
	if err != nil {
		return nil, err
	}
	out := make([]*connectors.Profile, len(keys))
	for i, k := range keys {
		list, err := c.pm.Map(per[k])
		if err != nil {
			return nil, mapped(c, c.profilesA.operation, err)
		}
		if c.pm.HasKey() {
			out[i] = jsonmap.AlignProfiles([]string{k}, list)[0]
		} else if len(list) > 0 {
			p := list[0]
			p.Key = k
			out[i] = &p
		}
	}
	return out, nil
}

// windowedAliased serves Orders or Interactions with batch aliases:
// records without a customer key belong to the alias's key.
func windowedAliased[T any](ctx context.Context, c *Connector, a *aliased, keys []string, w connectors.Window,
	mapDoc func(doc any) ([]T, error), hasKey bool, align func([]string, []T, connectors.Window) [][]T, setKey func(*T, string),
) ([][]T, error) {
	per, err := c.aliasedKeys(ctx, a, keys, variables{since: w.Since, until: w.Until, limit: w.Limit}, false)
	if err != nil {
		return nil, err
	}
	out := make([][]T, len(keys))
	for i, k := range keys {
		list, err := mapDoc(per[k])
		if err != nil {
			return nil, mapped(c, a.operation, err)
		}
		if !hasKey {
			for j := range list {
				setKey(&list[j], k)
			}
		}
		out[i] = align([]string{k}, list, w)[0]
	}
	return out, nil
}
