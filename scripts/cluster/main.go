// Command cluster is the Go half of `make cluster` (scripts/cluster.sh):
//
//	cluster config [-sync-on-start] [-prefix P]  print the replicas' configuration
//	cluster nats -addr ADDR                      run a NATS server until SIGTERM
//
// The configuration is demo.yaml with the point of sale on PostgreSQL,
// wired as the production topology wires it: the store at
// ${HARMONY_MONGODB_URI}, NATS at ${NATS_URL}, the Redis cache and rate
// limits at ${REDIS_URL}; the script sets those and the simulators'
// variables in each replica's environment.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"time"

	natsserver "github.com/nats-io/nats-server/v2/server"
	"go.yaml.in/yaml/v3"

	"github.com/harmonyhq/harmony/internal/demo"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintf(os.Stderr, "cluster: %v\n", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	if len(args) == 0 {
		return errors.New("usage: cluster config|nats [flags]")
	}
	fs := flag.NewFlagSet("cluster "+args[0], flag.ContinueOnError)
	switch args[0] {
	case "config":
		syncOnStart := fs.Bool("sync-on-start", false, "link the identities at start (the first replica only)")
		prefix := fs.String("prefix", "harmony_cluster", "NATS subject and Redis key prefix of this cluster")
		if err := fs.Parse(args[1:]); err != nil {
			return err
		}
		out, err := config(*prefix, *syncOnStart)
		if err != nil {
			return err
		}
		_, err = os.Stdout.Write(out)
		return err
	case "nats":
		addr := fs.String("addr", "127.0.0.1:4222", "listen address")
		if err := fs.Parse(args[1:]); err != nil {
			return err
		}
		return serveNATS(*addr)
	}
	return fmt.Errorf("unknown command %q", args[0])
}

// serveNATS runs the nats-server module in this process.
func serveNATS(addr string) error {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return err
	}
	p, err := strconv.Atoi(port)
	if err != nil {
		return fmt.Errorf("port %q: %w", port, err)
	}
	s, err := natsserver.NewServer(&natsserver.Options{Host: host, Port: p, NoSigs: true})
	if err != nil {
		return err
	}
	go s.Start()
	if !s.ReadyForConnections(10 * time.Second) {
		return errors.New("NATS did not start in 10s")
	}
	fmt.Printf("listening %s\n", s.ClientURL())
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	<-ctx.Done()
	s.Shutdown()
	s.WaitForShutdown()
	return nil
}

// config is the replicas' configuration (see the package comment). Its
// ${NAME} references are each replica's environment.
func config(prefix string, syncOnStart bool) ([]byte, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(demo.YAMLOnPostgres(), &doc); err != nil {
		return nil, err
	}
	root := doc.Content[0]
	set(root, "store", mapping("uri", "${HARMONY_MONGODB_URI}", "database", "harmony"))
	set(get(root, "server"), "rate_limit", mapping("requests_per_second", "50", "burst", "100", "redis_url", "${REDIS_URL}"))
	set(root, "bus", mapping("nats_url", "${NATS_URL}", "subject_prefix", prefix))
	set(root, "cache", mapping("backend", "redis", "redis_url", "${REDIS_URL}", "salt", "${CACHE_SALT}", "key_prefix", "harmony:"+prefix))
	set(root, "privacy", mapping("suppression_salt", "${HARMONY_SUPPRESSION_SALT}"))
	set(get(root, "identity"), "sync_on_start", &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!bool", Value: strconv.FormatBool(syncOnStart)})
	for _, cn := range get(root, "connectors").Content {
		if n := get(cn, "name"); n != nil && n.Value == "crm" {
			set(cn, "cache", mapping("ttl", "10m"))
		}
	}
	head := "# Written by scripts/cluster.sh: demo.yaml on the shared store, NATS and Redis.\n"
	out, err := yaml.Marshal(&doc)
	return append([]byte(head), out...), err
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
	m.Content = append(m.Content, scalar(key), v)
}

func scalar(v string) *yaml.Node { return &yaml.Node{Kind: yaml.ScalarNode, Value: v} }

func mapping(kv ...string) *yaml.Node {
	m := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
	for i := 0; i+1 < len(kv); i += 2 {
		m.Content = append(m.Content, scalar(kv[i]), scalar(kv[i+1]))
	}
	return m
}
