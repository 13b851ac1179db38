package rest

import (
	"context"
	"encoding/json"
	"net/http"

	"github.com/harmonyhq/harmony/connectors"
	"github.com/harmonyhq/harmony/connectors/jsonmap"
)

// EraseEndpoint serves connectors.Eraser: the system's deletion (GDPR
// delete, permanent delete) of customers' records.
//
// A batch endpoint carries every key ({{.Keys}}) and any 2xx answer means
// every record is gone. A per_key endpoint makes one request per key
// ({{.Key}}): 2xx means erased, 404 means the system holds no such record
// (already erased), both are success. Methods: GET, POST or DELETE.
type EraseEndpoint struct {
	Request `yaml:",inline"`
	// PerKey makes one request per key ({{.Key}} in the path or body)
	// instead of one per batch.
	PerKey bool `yaml:"per_key"`
}

// ExportEndpoint serves connectors.Exporter: everything the system holds
// about customers, as JSON documents.
//
// A batch endpoint ({{.Keys}}) must name the records (a JSONPath to the
// list) and the key of each record, so documents are matched to keys. A
// per_key endpoint ({{.Key}}) answers one document: the whole response, or
// the first record of `records` when set; 404 is "nothing held".
type ExportEndpoint struct {
	Request `yaml:",inline"`
	// PerKey makes one request per key ({{.Key}} in the path or body)
	// instead of one per batch.
	PerKey bool `yaml:"per_key"`
	// Records is the JSONPath of the records in a response.
	Records string `yaml:"records"`
	// Key is the JSONPath of a record's native key, inside the record.
	Key string `yaml:"key"`
}

type eraseEP struct {
	req    *request
	perKey bool
}

type exportEP struct {
	req     *request
	perKey  bool
	records jsonmap.Value
	key     jsonmap.Value
}

var (
	_ connectors.Eraser   = (*Connector)(nil)
	_ connectors.Exporter = (*Connector)(nil)
)

// provisionPrivacy compiles the erase and export endpoints.
func (c *Connector) provisionPrivacy() error {
	if e := c.Config.Erase; e != nil {
		req, err := c.compileRequest("erase", e.Request, e.PerKey)
		if err != nil {
			return err
		}
		c.erase = &eraseEP{req: req, perKey: e.PerKey}
	}
	if e := c.Config.Export; e != nil {
		req, err := c.compileRequest("export", e.Request, e.PerKey)
		if err != nil {
			return err
		}
		ep := &exportEP{req: req, perKey: e.PerKey}
		if ep.records, err = jsonmap.CompilePath("export.records", e.Records); err != nil {
			return err
		}
		if ep.key, err = jsonmap.CompilePath("export.key", e.Key); err != nil {
			return err
		}
		if !e.PerKey && (!ep.records.IsSet() || !ep.key.IsSet()) {
			return connectors.Invalid("export.key", "records and key are required for batch endpoints (documents are matched to keys by them)")
		}
		c.export = ep
	}
	return nil
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
	if !ep.perKey {
		if _, _, err := c.call(ctx, ep.req, TemplateData{Keys: keys}, false); err != nil {
			return nil, err
		}
		for i := range out {
			out[i].Found = true
		}
		return out, nil
	}
	err := c.perKey(ctx, keys, func(ctx context.Context, i int, key string) error {
		_, notFound, err := c.call(ctx, ep.req, TemplateData{Key: key}, true)
		if err != nil {
			return err
		}
		out[i].Found = !notFound
		return nil
	})
	if err != nil {
		return nil, err
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
	if !ep.perKey {
		doc, _, err := c.call(ctx, ep.req, TemplateData{Keys: keys}, false)
		if err != nil {
			return nil, err
		}
		index := make(map[string]int, len(keys))
		for i, k := range keys {
			index[k] = i
		}
		for _, rec := range recordsOf(ep.records, doc) {
			k, ok, err := ep.key.Text(rec)
			if err != nil || !ok {
				return nil, connectors.Errorf(connectors.CodeBadResponse, "%s: export.key (%s): missing", describe(ep.req.method, ep.req.pathSrc), ep.key.Source())
			}
			if i, ok := index[k]; ok && out[i] == nil {
				if out[i], err = json.Marshal(rec); err != nil {
					return nil, connectors.Errorf(connectors.CodeBadResponse, "%s: a record cannot be encoded", describe(ep.req.method, ep.req.pathSrc))
				}
			}
		}
		return out, nil
	}
	err := c.perKey(ctx, keys, func(ctx context.Context, i int, key string) error {
		doc, notFound, err := c.call(ctx, ep.req, TemplateData{Key: key}, true)
		if err != nil || notFound || doc == nil {
			return err
		}
		if ep.records.IsSet() {
			recs := recordsOf(ep.records, doc)
			if len(recs) == 0 {
				return nil
			}
			doc = recs[0]
		}
		raw, err := json.Marshal(doc)
		if err != nil {
			return connectors.Errorf(connectors.CodeBadResponse, "%s: the answer cannot be encoded", describe(ep.req.method, ep.req.pathSrc))
		}
		out[i] = raw
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// recordsOf returns the records path selects in doc: the elements of the
// list it names, or the values it names.
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

// privacyMethodOK reports whether method suits an endpoint: erase may also
// DELETE.
func privacyMethodOK(prefix, method string) bool {
	return method == http.MethodGet || method == http.MethodPost || (prefix == "erase" && method == http.MethodDelete)
}
