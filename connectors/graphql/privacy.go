package graphql

import (
	"context"
	"encoding/json"
	"slices"

	"github.com/vektah/gqlparser/v2/ast"

	"github.com/harmonyhq/harmony/connectors"
	"github.com/harmonyhq/harmony/connectors/jsonmap"
)

// Variables of a lookup query: the batch's identifiers of one kind, as a
// list of strings. The query declares those of the kinds it searches.
const (
	VarEmails        = "emails"
	VarPhones        = "phones"
	VarWhatsApps     = "whatsapps"
	VarLoyaltyCards  = "loyaltyCards"
	VarSocialHandles = "socialHandles"
)

// lookupVars maps identifier kinds to their variable.
var lookupVars = map[string]string{
	connectors.IdentifierEmail:        VarEmails,
	connectors.IdentifierPhone:        VarPhones,
	connectors.IdentifierWhatsApp:     VarWhatsApps,
	connectors.IdentifierLoyaltyCard:  VarLoyaltyCards,
	connectors.IdentifierSocialHandle: VarSocialHandles,
}

var lookupVarNames = []string{VarEmails, VarPhones, VarWhatsApps, VarLoyaltyCards, VarSocialHandles}

// LookupQuery serves connectors.ProfileFinder: a search by identifier. The
// query declares the variable of each identifier kind it searches ($emails,
// $phones, $whatsapps, $loyaltyCards, $socialHandles: lists of strings,
// empty when the batch has none of that kind). Identifiers of kinds it does
// not declare are not asked; a call with none of them sends nothing.
type LookupQuery struct {
	// Query is the GraphQL document.
	Query                  string `yaml:"query"`
	jsonmap.ProfileMapping `yaml:",inline"`
}

// EraseMutation serves connectors.Eraser with a mutation. Any GraphQL error
// in the answer fails the batch (a privacy request asks again later).
type EraseMutation struct {
	// Mutation is the GraphQL mutation document; it declares $keys (batch
	// list) or $key (batch aliases: deleteCustomer(id: $key) repeated per
	// key).
	Mutation string `yaml:"mutation"`
	// Batch is list (default) or aliases.
	Batch string `yaml:"batch" jsonschema:"enum=list,enum=aliases"`
	// ErasedKeys (batch list) is the JSONPath of the keys the system
	// erased ($.data.eraseCustomers.erasedIds); the others are reported not
	// found. Unset, every key is reported found.
	ErasedKeys string `yaml:"erased_keys"`
	// Found (batch aliases) is the JSONPath of a boolean in a key's answer
	// ($.data.deleteCustomer.deleted). Unset, a key is found when its
	// field's answer is not null.
	Found string `yaml:"found"`
}

// ExportQuery serves connectors.Exporter. Any GraphQL error in the answer
// fails the batch (an export must not leave data out silently).
type ExportQuery struct {
	// Query is the GraphQL document; it declares $keys (batch list) or $key
	// (batch aliases).
	Query string `yaml:"query"`
	// Batch is list (default) or aliases.
	Batch string `yaml:"batch" jsonschema:"enum=list,enum=aliases"`
	// Records is the JSONPath of the records: required with batch list
	// ($.data.customers); with batch aliases, optional, selecting the
	// document inside a key's answer (default: the field's whole answer).
	Records string `yaml:"records"`
	// Key (batch list, required) is the JSONPath of a record's native key,
	// inside the record.
	Key string `yaml:"key"`
}

type lookupOp struct {
	op    *operation
	kinds []string
	m     *jsonmap.Profiles
	rd    *jsonmap.Reader[connectors.Profile]
}

type eraseOp struct {
	list    *operation
	aliases *aliased
	erased  jsonmap.Value
	found   jsonmap.Value
}

type exportOp struct {
	list    *operation
	aliases *aliased
	records jsonmap.Value
	key     jsonmap.Value
}

// provisionMore compiles lookup, erase, export and send.
func (c *Connector) provisionMore() error {
	if q := c.Config.Lookup; q != nil {
		op, _, err := parseOp("lookup.query", q.Query, ast.Query, lookupVarNames, nil)
		if err != nil {
			return err
		}
		l := &lookupOp{op: op}
		for _, kind := range []string{connectors.IdentifierEmail, connectors.IdentifierPhone, connectors.IdentifierWhatsApp,
			connectors.IdentifierLoyaltyCard, connectors.IdentifierSocialHandle} {
			if op.vars[lookupVars[kind]] {
				l.kinds = append(l.kinds, kind)
			}
		}
		if len(l.kinds) == 0 {
			return connectors.Invalid("lookup.query", "must declare at least one of %s", varList(lookupVarNames))
		}
		if l.m, err = q.Compile("lookup"); err != nil {
			return err
		}
		if !l.m.HasKey() {
			return connectors.Invalid("lookup.key", "required (the records found are linked by it)")
		}
		l.rd = l.m.Reader(resultProbes...)
		c.lookup = l
	}
	if e := c.Config.Erase; e != nil {
		list, aliases, err := parseKeyed("erase", "mutation", e.Mutation, e.Batch, ast.Mutation, nil)
		if err != nil {
			return err
		}
		ep := &eraseOp{list: list, aliases: aliases}
		if ep.erased, err = jsonmap.CompilePath("erase.erased_keys", e.ErasedKeys); err != nil {
			return err
		}
		if ep.found, err = jsonmap.CompilePath("erase.found", e.Found); err != nil {
			return err
		}
		if list != nil && ep.found.IsSet() {
			return connectors.Invalid("erase.found", "only with batch aliases; use erased_keys")
		}
		if aliases != nil && ep.erased.IsSet() {
			return connectors.Invalid("erase.erased_keys", "only with batch list; use found")
		}
		c.erase = ep
	}
	if e := c.Config.Export; e != nil {
		list, aliases, err := parseKeyed("export", "query", e.Query, e.Batch, ast.Query, nil)
		if err != nil {
			return err
		}
		ep := &exportOp{list: list, aliases: aliases}
		if ep.records, err = jsonmap.CompilePath("export.records", e.Records); err != nil {
			return err
		}
		if ep.key, err = jsonmap.CompilePath("export.key", e.Key); err != nil {
			return err
		}
		if list != nil && (!ep.records.IsSet() || !ep.key.IsSet()) {
			return connectors.Invalid("export.key", "records and key are required with batch list (documents are matched to keys by them)")
		}
		c.export = ep
	}
	return c.provisionSend()
}

// FindProfiles implements connectors.ProfileFinder.
func (c *Connector) FindProfiles(ctx context.Context, ids []connectors.Identifier) ([]connectors.Profile, error) {
	l := c.lookup
	if l == nil {
		return nil, unconfigured(connectors.CapLookup)
	}
	byVar := map[string][]string{}
	n := 0
	for _, id := range ids {
		name := lookupVars[id.Kind]
		if id.Value == "" || !slices.Contains(l.kinds, id.Kind) || slices.Contains(byVar[name], id.Value) {
			continue
		}
		byVar[name] = append(byVar[name], id.Value)
		n++
	}
	if n == 0 {
		return []connectors.Profile{}, nil
	}
	_, list, err := executeRead(ctx, c, l.op, variables{ids: byVar}, l.rd)
	if err != nil {
		return nil, err
	}
	out := make([]connectors.Profile, 0, len(list))
	seen := map[string]bool{}
	for _, p := range list {
		if !seen[p.Key] { // a record matching two identifiers is listed once
			seen[p.Key] = true
			out = append(out, p)
		}
	}
	return out, nil
}

// Erase implements connectors.Eraser.
func (c *Connector) Erase(ctx context.Context, keys []string) ([]connectors.EraseResult, error) {
	ep := c.erase
	if ep == nil {
		return nil, unconfigured(connectors.CapErase)
	}
	out := make([]connectors.EraseResult, len(keys))
	if len(keys) == 0 {
		return out, nil
	}
	if ep.aliases != nil {
		per, err := c.aliasedKeys(ctx, ep.aliases, keys, variables{}, true)
		if err != nil {
			return nil, err
		}
		for i, k := range keys {
			doc := per[k]
			if !ep.found.IsSet() {
				out[i].Found = doc["data"].(map[string]any)[ep.aliases.respName] != nil
				continue
			}
			b, ok, err := ep.found.Bool(doc)
			if err != nil {
				return nil, connectors.Errorf(connectors.CodeBadResponse, "%s (%s): erase.found (%s): not a boolean", c.desc, ep.aliases.label, ep.found.Source())
			}
			out[i].Found = ok && b
		}
		return out, nil
	}
	resp, errs, err := c.request(ctx, ep.list, ep.list.src, ep.list.variables(variables{keys: keys}))
	if err != nil {
		return nil, err
	}
	if _, err := c.judge(ep.list, resp, errs, true); err != nil {
		return nil, err
	}
	if !ep.erased.IsSet() {
		for i := range out {
			out[i].Found = true
		}
		return out, nil
	}
	erased := map[string]bool{}
	for _, v := range recordsOf(ep.erased, resp) {
		k, err := jsonmap.Text(v)
		if err != nil {
			return nil, connectors.Errorf(connectors.CodeBadResponse, "%s (%s): erase.erased_keys (%s): not a key", c.desc, ep.list.label, ep.erased.Source())
		}
		erased[k] = true
	}
	for i, k := range keys {
		out[i].Found = erased[k]
	}
	return out, nil
}

// Export implements connectors.Exporter.
func (c *Connector) Export(ctx context.Context, keys []string) ([]json.RawMessage, error) {
	ep := c.export
	if ep == nil {
		return nil, unconfigured(connectors.CapExport)
	}
	out := make([]json.RawMessage, len(keys))
	if len(keys) == 0 {
		return out, nil
	}
	if ep.aliases != nil {
		per, err := c.aliasedKeys(ctx, ep.aliases, keys, variables{}, true)
		if err != nil {
			return nil, err
		}
		for i, k := range keys {
			doc := per[k]["data"].(map[string]any)[ep.aliases.respName]
			if ep.records.IsSet() {
				doc, _ = ep.records.Get(per[k])
			}
			if doc == nil {
				continue
			}
			if out[i], err = json.Marshal(doc); err != nil {
				return nil, connectors.Errorf(connectors.CodeBadResponse, "%s (%s): a document cannot be encoded", c.desc, ep.aliases.label)
			}
		}
		return out, nil
	}
	resp, errs, err := c.request(ctx, ep.list, ep.list.src, ep.list.variables(variables{keys: keys}))
	if err != nil {
		return nil, err
	}
	if _, err := c.judge(ep.list, resp, errs, true); err != nil {
		return nil, err
	}
	index := make(map[string][]int, len(keys))
	for i, k := range keys {
		index[k] = append(index[k], i)
	}
	for _, rec := range recordsOf(ep.records, resp) {
		k, ok, err := ep.key.Text(rec)
		if err != nil || !ok {
			return nil, connectors.Errorf(connectors.CodeBadResponse, "%s (%s): export.key (%s): missing", c.desc, ep.list.label, ep.key.Source())
		}
		raw, err := json.Marshal(rec)
		if err != nil {
			return nil, connectors.Errorf(connectors.CodeBadResponse, "%s (%s): a record cannot be encoded", c.desc, ep.list.label)
		}
		for _, i := range index[k] {
			if out[i] == nil {
				out[i] = raw
			}
		}
	}
	return out, nil
}

// recordsOf returns the values path selects in doc: the elements of the
// list it names, or the values it names; nulls are left out.
func recordsOf(path jsonmap.Value, doc any) []any {
	nodes := path.All(doc)
	if len(nodes) == 1 {
		if list, ok := nodes[0].([]any); ok {
			nodes = list
		}
	}
	out := make([]any, 0, len(nodes))
	for _, n := range nodes {
		if n != nil {
			out = append(out, n)
		}
	}
	return out
}
