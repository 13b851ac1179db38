package mongodb

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/harmonyhq/harmony/connectors"
	"github.com/harmonyhq/harmony/connectors/jsonmap"
)

// LookupQuery finds profile records by identifier. Its filter uses the
// placeholder of each identifier kind it searches (":emails", ":phones",
// ":whatsapps", ":loyalty_cards", ":social_handles"), each bound to the
// batch's identifiers of that kind as a list ({$or: [{email: {$in:
// ":emails"}}, {phone: {$in: ":phones"}}]}); a kind without identifiers
// binds an empty list. Identifiers of kinds the filter does not use are not
// asked; a call with none of them runs nothing.
type LookupQuery struct {
	Find `yaml:",inline"`
	// Mapping maps a document onto a profile record; key is required.
	Mapping jsonmap.ProfileMapping `yaml:"mapping"`
}

// EraseStep is one step of an erasure: a deleteMany of the documents its
// filter selects (with ":keys"), or an updateMany with Update to anonymise
// them. Steps run in order; there is no transaction (FerretDB v1 has
// none), so each must be harmless to run again, and a retried request
// finishes the work.
type EraseStep struct {
	// Collection is the collection to erase from. Required.
	Collection string `yaml:"collection"`
	// Filter selects the customers' documents; it must use :keys.
	Filter connectors.Value `yaml:"filter"`
	// Update, when set, anonymises the documents with updateMany (an update
	// document of operators: {$set: {...}, $unset: {...}}) instead of
	// deleting them. Make the filter skip documents already anonymised, so
	// that a repeated erasure reports them not found.
	Update connectors.Value `yaml:"update"`
	// KeyField is the field (dotted path) holding the customer's native
	// key. When set, the step first finds the keys its filter selects, and
	// those are the keys reported Found; when no step sets it, every key
	// is reported Found.
	KeyField string `yaml:"key_field"`
}

// ExportSection is one part of an export document: the documents its find
// selects (with ":keys"), in its sort order, grouped by KeyField. A key's
// document has one member per section name, holding its documents; a key
// no section finds a document for gets no document.
type ExportSection struct {
	Find `yaml:",inline"`
	// KeyField is the field (dotted path) holding the customer's native
	// key. Required.
	KeyField string `yaml:"key_field"`
}

type eraseStep struct {
	q        *query
	update   bson.D // nil: delete
	keyField string
}

type exportSection struct {
	name     string
	q        *query
	keyField string
}

// provisionMore compiles lookup, erase, export and send.
func (c *Connector) provisionMore() error {
	var err error
	if q := c.Config.Lookup; q != nil {
		if c.lookup, err = compile(connectors.CapLookup, q.Find, false); err != nil {
			return err
		}
		if c.lookupMap, err = q.Mapping.Compile("lookup.mapping"); err != nil {
			return err
		}
		if !c.lookupMap.HasKey() {
			return connectors.Invalid("lookup.mapping.key", "required: the path of the native key in a document")
		}
	}
	for i, e := range c.Config.Erase {
		prefix := fmt.Sprintf("erase[%d]", i)
		q, err := compileAt(connectors.CapErase, prefix, Find{Collection: e.Collection, Filter: e.Filter}, true)
		if err != nil {
			return err
		}
		step := eraseStep{q: q, keyField: e.KeyField}
		if e.Update.Kind != connectors.NoValue {
			v, err := fromValue(e.Update, prefix+".update", map[string]bool{})
			if err != nil {
				return err
			}
			d, ok := v.(bson.D)
			if !ok || len(d) == 0 || !strings.HasPrefix(d[0].Key, "$") {
				return connectors.Invalid(prefix+".update", "must be an update document of operators, e.g. {$set: {email: null}}")
			}
			if slices.ContainsFunc(d, func(e bson.E) bool { return containsPlaceholder(e.Value) }) {
				return connectors.Invalid(prefix+".update", "may not use placeholders")
			}
			step.update = d
		}
		if step.keyField != "" {
			q.projection = bson.D{{Key: step.keyField, Value: 1}}
		}
		c.erase = append(c.erase, step)
	}
	names := make([]string, 0, len(c.Config.Export))
	for name := range c.Config.Export {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		e := c.Config.Export[name]
		prefix := "export." + name
		q, err := compileAt(connectors.CapExport, prefix, e.Find, true)
		if err != nil {
			return err
		}
		if e.KeyField == "" {
			return connectors.Invalid(prefix+".key_field", "required: the field holding the customer's native key")
		}
		c.export = append(c.export, exportSection{name: name, q: q, keyField: e.KeyField})
	}
	return c.provisionSend()
}

func containsPlaceholder(v any) bool {
	switch x := v.(type) {
	case placeholder:
		return true
	case bson.D:
		return slices.ContainsFunc(x, func(e bson.E) bool { return containsPlaceholder(e.Value) })
	case bson.A:
		return slices.ContainsFunc(x, containsPlaceholder)
	}
	return false
}

// fieldText reads the value at a dotted path of a plain document as text.
func fieldText(doc any, path string) (string, bool) {
	v := doc
	for part := range strings.SplitSeq(path, ".") {
		m, ok := v.(map[string]any)
		if !ok {
			return "", false
		}
		if v, ok = m[part]; !ok {
			return "", false
		}
	}
	switch x := v.(type) {
	case string:
		return x, true
	case int64:
		return strconv.FormatInt(x, 10), true
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64), true
	}
	return "", false
}

// FindProfiles implements connectors.ProfileFinder: one find carries every
// identifier of the kinds the filter searches; without any, nothing runs.
func (c *Connector) FindProfiles(ctx context.Context, ids []connectors.Identifier) ([]connectors.Profile, error) {
	q := c.lookup
	if q == nil {
		return nil, unconfigured(connectors.CapLookup)
	}
	byKind := map[string][]string{}
	n := 0
	for _, id := range ids {
		var searched bool
		for p, kind := range identifierKinds {
			if kind == id.Kind && q.used[p] {
				searched = true
			}
		}
		if id.Value == "" || !searched || slices.Contains(byKind[id.Kind], id.Value) {
			continue
		}
		byKind[id.Kind] = append(byKind[id.Kind], id.Value)
		n++
	}
	if n == 0 {
		return []connectors.Profile{}, nil
	}
	out := []connectors.Profile{}
	seen := map[string]bool{}
	opts := options.Find()
	if len(q.sort) > 0 {
		opts.SetSort(q.sort)
	}
	err := c.find(ctx, q, q.bind(values{ids: byKind}), opts, func(doc any) (bool, error) {
		p, err := c.lookupMap.Profile(doc)
		if err != nil {
			return false, err
		}
		if !seen[p.Key] {
			seen[p.Key] = true
			out = append(out, p)
		}
		return true, nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Erase implements connectors.Eraser: the steps in order, each one
// deleteMany or updateMany of the batch's documents.
func (c *Connector) Erase(ctx context.Context, keys []string) ([]connectors.EraseResult, error) {
	if c.erase == nil {
		return nil, unconfigured(connectors.CapErase)
	}
	out := make([]connectors.EraseResult, len(keys))
	if len(keys) == 0 {
		return out, nil
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	found := map[string]bool{}
	reported := false
	for i, step := range c.erase {
		filter := step.q.bind(values{keys: keys})
		if step.keyField != "" {
			reported = true
			err := c.find(ctx, step.q, filter, options.Find(), func(doc any) (bool, error) {
				if k, ok := fieldText(doc, step.keyField); ok {
					found[k] = true
				}
				return true, nil
			})
			if err != nil {
				return nil, err
			}
		}
		coll := c.db.Collection(step.q.collection)
		var err error
		what := fmt.Sprintf("erase[%d] deleteMany", i)
		if step.update != nil {
			what = fmt.Sprintf("erase[%d] updateMany", i)
			_, err = coll.UpdateMany(ctx, filter, step.update)
		} else {
			_, err = coll.DeleteMany(ctx, filter)
		}
		if err != nil {
			return nil, classifyOp(ctx, what, err)
		}
	}
	for i, k := range keys {
		out[i].Found = !reported || found[k]
	}
	return out, nil
}

// Export implements connectors.Exporter.
func (c *Connector) Export(ctx context.Context, keys []string) ([]json.RawMessage, error) {
	if c.export == nil {
		return nil, unconfigured(connectors.CapExport)
	}
	out := make([]json.RawMessage, len(keys))
	if len(keys) == 0 {
		return out, nil
	}
	docs := map[string]map[string][]any{} // key → section → documents
	for _, sec := range c.export {
		opts := options.Find()
		if len(sec.q.sort) > 0 {
			opts.SetSort(sec.q.sort)
		}
		err := c.find(ctx, sec.q, sec.q.bind(values{keys: keys}), opts, func(doc any) (bool, error) {
			k, ok := fieldText(doc, sec.keyField)
			if !ok {
				return false, fmt.Errorf("export.%s.key_field (%s): missing", sec.name, sec.keyField)
			}
			if docs[k] == nil {
				docs[k] = map[string][]any{}
			}
			docs[k][sec.name] = append(docs[k][sec.name], doc)
			return true, nil
		})
		if err != nil {
			return nil, err
		}
	}
	for i, k := range keys {
		doc, ok := docs[k]
		if !ok {
			continue
		}
		for _, sec := range c.export {
			if doc[sec.name] == nil {
				doc[sec.name] = []any{}
			}
		}
		raw, err := json.Marshal(doc)
		if err != nil {
			return nil, connectors.Errorf(connectors.CodeBadResponse, "export: a document cannot be encoded")
		}
		out[i] = raw
	}
	return out, nil
}
