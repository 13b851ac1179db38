package sql

import (
	"context"
	stdsql "database/sql"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/harmonyhq/harmony/connectors"
)

// Placeholders of a lookup query: each binds the batch's identifiers of one
// kind, as a list like :keys.
const (
	PEmails        = "emails"
	PPhones        = "phones"
	PWhatsApps     = "whatsapps"
	PLoyaltyCards  = "loyalty_cards"
	PSocialHandles = "social_handles"
)

// lookupPlaceholders maps identifier kinds to their placeholder.
var lookupPlaceholders = map[string]string{
	connectors.IdentifierEmail:        PEmails,
	connectors.IdentifierPhone:        PPhones,
	connectors.IdentifierWhatsApp:     PWhatsApps,
	connectors.IdentifierLoyaltyCard:  PLoyaltyCards,
	connectors.IdentifierSocialHandle: PSocialHandles,
}

var lookupNames = []string{PEmails, PPhones, PWhatsApps, PLoyaltyCards, PSocialHandles}

// LookupQuery serves connectors.ProfileFinder: a search by identifier. The
// query uses the placeholder of each identifier kind it searches (:emails,
// :phones, :whatsapps, :loyalty_cards, :social_handles), each bound like
// :keys (= ANY(:emails) for postgres, IN (SELECT value FROM
// json_each(:emails)) for sqlite), and returns profile columns (key, ...).
// Identifiers of kinds the query does not use are not asked; a call with
// none of them runs nothing.
type LookupQuery struct {
	// Query is the SQL text with named placeholders.
	Query string `yaml:"query"`
}

// EraseStatements serves connectors.Eraser. The statements run in order in
// one transaction, each with :keys (DELETE ... WHERE id = ANY(:keys), or an
// UPDATE that anonymises): either every one applies or none. A key is
// Found when a statement returns it in a `key` column (DELETE ... RETURNING
// id AS key); when no statement returns a key column, every key counts as
// found, like a rest batch endpoint.
type EraseStatements struct {
	// Statements are the SQL statements, run in order. Required.
	Statements []string `yaml:"statements"`
}

// ExportQueries serves connectors.Exporter. Each named query uses :keys and
// returns a `key` column; a key's document is an object with one member
// per query name, holding that query's rows for the key (objects of column
// → value). A key no query returns a row for gets no document.
type ExportQueries struct {
	// Queries maps section names to SQL queries. Required.
	Queries map[string]string `yaml:"queries"`
}

type lookupStatement struct {
	*statement
	kinds []string // the identifier kinds the query searches
}

type exportSection struct {
	name string
	st   *statement
}

// provisionMore compiles lookup, erase, export and send.
func (c *Connector) provisionMore() error {
	if q := c.Config.Lookup; q != nil {
		st, err := c.compile(connectors.CapLookup, "lookup.query", q.Query, lookupNames, nil)
		if err != nil {
			return err
		}
		ls := &lookupStatement{statement: st}
		for _, kind := range []string{connectors.IdentifierEmail, connectors.IdentifierPhone, connectors.IdentifierWhatsApp,
			connectors.IdentifierLoyaltyCard, connectors.IdentifierSocialHandle} {
			if slices.Contains(st.params, lookupPlaceholders[kind]) {
				ls.kinds = append(ls.kinds, kind)
			}
		}
		if len(ls.kinds) == 0 {
			return connectors.Invalid("lookup.query", "must use at least one of %s", placeholderList(lookupNames))
		}
		c.lookup = ls
	}
	if e := c.Config.Erase; e != nil {
		if len(e.Statements) == 0 {
			return connectors.Invalid("erase.statements", "required: the DELETE or UPDATE statements that erase a customer")
		}
		for i, q := range e.Statements {
			st, err := c.compile(connectors.CapErase, fmt.Sprintf("erase.statements[%d]", i), q, []string{PKeys}, []string{PKeys})
			if err != nil {
				return err
			}
			c.erase = append(c.erase, st)
		}
	}
	if e := c.Config.Export; e != nil {
		if len(e.Queries) == 0 {
			return connectors.Invalid("export.queries", "required: section name → query with :keys returning a key column")
		}
		names := make([]string, 0, len(e.Queries))
		for name := range e.Queries {
			names = append(names, name)
		}
		slices.Sort(names)
		for _, name := range names {
			if name == "" {
				return connectors.Invalid("export.queries", "empty section name")
			}
			st, err := c.compile(connectors.CapExport, "export.queries."+name, e.Queries[name], []string{PKeys}, []string{PKeys})
			if err != nil {
				return err
			}
			c.export = append(c.export, exportSection{name: name, st: st})
		}
	}
	return c.provisionSend()
}

// compile rewrites one query's placeholders.
func (c *Connector) compile(cp connectors.Capability, key, query string, allowed, required []string) (*statement, error) {
	if strings.TrimSpace(query) == "" {
		return nil, connectors.Invalid(key, "required")
	}
	text, params, err := Rewrite(c.Driver, query, allowed)
	if err != nil {
		return nil, connectors.Invalid(key, "%v", err)
	}
	for _, r := range required {
		if !slices.Contains(params, r) {
			return nil, connectors.Invalid(key, "must use :%s", r)
		}
	}
	return &statement{cp: cp, sql: text, params: params}, nil
}

// moreArg binds the placeholders of lookup and send.
func (c *Connector) moreArg(p string, v values) (any, error) {
	if slices.Contains(lookupNames, p) {
		return c.list(v.ids[p])
	}
	if v.msg != nil {
		return messageArg(p, *v.msg)
	}
	return nil, fmt.Errorf("no value for :%s", p)
}

// FindProfiles implements connectors.ProfileFinder: one query carries every
// identifier of the kinds it searches; without any, nothing runs.
func (c *Connector) FindProfiles(ctx context.Context, ids []connectors.Identifier) ([]connectors.Profile, error) {
	q := c.lookup
	if q == nil {
		return nil, unconfigured(connectors.CapLookup)
	}
	byName := map[string][]string{}
	n := 0
	for _, id := range ids {
		if id.Value == "" || !slices.Contains(q.kinds, id.Kind) {
			continue
		}
		p := lookupPlaceholders[id.Kind]
		if !slices.Contains(byName[p], id.Value) {
			byName[p] = append(byName[p], id.Value)
			n++
		}
	}
	if n == 0 {
		return []connectors.Profile{}, nil
	}
	out := []connectors.Profile{}
	seen := map[string]bool{}
	err := c.query(ctx, q.statement, values{ids: byName}, checkProfileColumns, func(vals map[string]any) error {
		p, err := profileRow(vals)
		if err != nil {
			return err
		}
		if !seen[p.Key] { // a record matching two identifiers is listed once
			seen[p.Key] = true
			out = append(out, p)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Erase implements connectors.Eraser: every statement in one transaction.
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
	tx, err := c.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, classify(ctx, c.Driver, connectors.CapErase, err)
	}
	defer func() { _ = tx.Rollback() }() // a no-op after Commit
	found := map[string]bool{}
	reported := false
	for _, st := range c.erase {
		err := c.queryOn(ctx, tx, st, values{keys: keys}, func(cols []string) error {
			if slices.Contains(cols, ColKey) {
				reported = true
			}
			return nil
		}, func(vals map[string]any) error {
			k, err := text(vals[ColKey])
			if err != nil {
				return fmt.Errorf("column key: %w", err)
			}
			found[k] = true
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	if err := tx.Commit(); err != nil {
		return nil, classify(ctx, c.Driver, connectors.CapErase, err)
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
	docs := map[string]map[string][]map[string]any{} // key → section → rows
	for _, sec := range c.export {
		err := c.query(ctx, sec.st, values{keys: keys}, func(cols []string) error {
			return checkColumns(cols, nil, []string{ColKey}, "")
		}, func(vals map[string]any) error {
			k, err := text(vals[ColKey])
			if err != nil {
				return fmt.Errorf("column key: %w", err)
			}
			row := make(map[string]any, len(vals))
			for col, v := range vals {
				if row[col], err = exportValue(v); err != nil {
					return fmt.Errorf("column %s: %w", col, err)
				}
			}
			if docs[k] == nil {
				docs[k] = map[string][]map[string]any{}
			}
			docs[k][sec.name] = append(docs[k][sec.name], row)
			return nil
		})
		if err != nil {
			return nil, connectors.Errorf(connectors.CodeOf(err), "export.queries.%s: %w", sec.name, connectors.Classify(err).Err)
		}
	}
	for i, k := range keys {
		doc, ok := docs[k]
		if !ok {
			continue
		}
		for _, sec := range c.export {
			if doc[sec.name] == nil {
				doc[sec.name] = []map[string]any{}
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

// exportValue turns a column value into a JSON value: text holding a JSON
// object or array (json/jsonb columns, json_group_array) is kept as JSON,
// times are RFC 3339 in UTC.
func exportValue(v any) (any, error) {
	switch t := v.(type) {
	case nil, bool, int64, int32, int:
		return t, nil
	case float64:
		if math.IsInf(t, 0) || math.IsNaN(t) {
			return nil, fmt.Errorf("not a finite number")
		}
		return t, nil
	case time.Time:
		return t.UTC().Format(time.RFC3339Nano), nil
	case []byte:
		return jsonText(string(t)), nil
	case string:
		return jsonText(t), nil
	}
	return text(v)
}

func jsonText(s string) any {
	trimmed := strings.TrimSpace(s)
	if (strings.HasPrefix(trimmed, "{") || strings.HasPrefix(trimmed, "[")) && json.Valid([]byte(trimmed)) {
		return json.RawMessage(trimmed)
	}
	return s
}

var _ querier = (*stdsql.Tx)(nil)
