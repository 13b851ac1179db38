package run

import (
	"bytes"
	"fmt"

	"go.yaml.in/yaml/v3"

	"github.com/harmonyhq/harmony/internal/demo"
)

// DataDirVar names the embedded store's directory in the configurations
// the bench writes.
const DataDirVar = "HARMONY_BENCH_DATA_DIR"

// demoConfig is the demo configuration as the bench serves it: demo.yaml
// with the point of sale on PostgreSQL (pos-postgres.yaml's block, as the
// end-to-end tests wire it, where the simulators' proxy counts and delays
// its statements), the embedded store under ${HARMONY_BENCH_DATA_DIR} and
// no identity sync on start (the bench syncs once, before serving). Its
// ${NAME} references stay for the process that loads it to expand.
func demoConfig() ([]byte, error) {
	var doc, pg yaml.Node
	if err := yaml.Unmarshal(demo.YAML(), &doc); err != nil {
		return nil, fmt.Errorf("demo.yaml: %w", err)
	}
	if err := yaml.Unmarshal(demo.POSPostgresYAML(), &pg); err != nil {
		return nil, fmt.Errorf("pos-postgres.yaml: %w", err)
	}
	root, pgRoot := doc.Content[0], pg.Content[0]
	set(root, "store", mapping("data_dir", "${"+DataDirVar+"}"))
	identity := get(root, "identity")
	if identity == nil {
		identity = mapping()
		set(root, "identity", identity)
	}
	set(identity, "sync_on_start", scalar("false", "!!bool"))
	pos := get(pgRoot, "connectors").Content[0]
	conns := get(root, "connectors")
	replaced := false
	for i, c := range conns.Content {
		if n := get(c, "name"); n != nil && n.Value == "pos" {
			conns.Content[i], replaced = pos, true
		}
	}
	if !replaced {
		return nil, fmt.Errorf("demo.yaml: no pos connector to put on PostgreSQL")
	}
	var b bytes.Buffer
	b.WriteString("# demo.yaml as `make bench` serves it: the point of sale on PostgreSQL,\n# the embedded store under $" + DataDirVar + ", no sync on start.\n")
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(&doc); err != nil {
		return nil, fmt.Errorf("write the bench's demo configuration: %w", err)
	}
	if err := enc.Close(); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

func get(m *yaml.Node, key string) *yaml.Node {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i+1]
		}
	}
	return nil
}

func set(m *yaml.Node, key string, v *yaml.Node) {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			m.Content[i+1] = v
			return
		}
	}
	m.Content = append(m.Content, scalar(key, "!!str"), v)
}

func scalar(v, tag string) *yaml.Node { return &yaml.Node{Kind: yaml.ScalarNode, Tag: tag, Value: v} }

// mapping builds a mapping of string keys and values.
func mapping(kv ...string) *yaml.Node {
	m := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
	for i := 0; i+1 < len(kv); i += 2 {
		m.Content = append(m.Content, scalar(kv[i], "!!str"), scalar(kv[i+1], "!!str"))
	}
	return m
}
