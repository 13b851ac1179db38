package run

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"time"
)

// proc is a process the bench started: the upstreams, a gateway, bramble.
type proc struct {
	name string
	cmd  *exec.Cmd
	addr string        // what it serves on
	done chan struct{} // closed when the process has ended
}

// procSpec says how to start a process and how to tell it is ready.
type procSpec struct {
	name string
	path string
	args []string
	// env is added to the bench's environment.
	env    map[string]string
	stderr io.Writer
	// ready reads the process's stdout lines and returns its address once
	// a line gives it; nil waits for probe alone.
	ready func(line string) (addr string, ok bool)
	// addr, when ready is nil, is the address it was told to serve on.
	addr string
	// probe, when set, must succeed before the process counts as ready.
	probe func(ctx context.Context, addr string) error
	// within bounds the wait (a minute when zero).
	within time.Duration
}

// startProc starts s and waits until it is ready.
func startProc(ctx context.Context, s procSpec) (*proc, error) {
	// G204: the bench's own binary, the harmony binary it built, or the
	// bramble binary the operator named in BRAMBLE, with the bench's flags.
	cmd := exec.CommandContext(ctx, s.path, s.args...) //nolint:gosec
	// An interrupted bench interrupts its children, so that they clean up
	// (the upstreams drop the point of sale's schema), and kills them if
	// they linger.
	cmd.Cancel = func() error { return cmd.Process.Signal(os.Interrupt) }
	cmd.WaitDelay = 15 * time.Second
	cmd.Env = os.Environ()
	for k, v := range s.env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	cmd.Stderr = s.stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, fmt.Errorf("%s stdout: %w", s.name, err)
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", s.name, err)
	}
	p := &proc{name: s.name, cmd: cmd, addr: s.addr, done: make(chan struct{})}
	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if s.ready != nil {
				if addr, ok := s.ready(sc.Text()); ok {
					found <- addr
					break
				}
			}
		}
		_, _ = io.Copy(io.Discard, out)
	}()
	go func() { _ = cmd.Wait(); close(p.done) }()
	within := s.within
	if within == 0 {
		within = time.Minute
	}
	deadline := time.After(within)
	if s.ready != nil {
		select {
		case p.addr = <-found:
		case <-p.done:
			return nil, fmt.Errorf("%s ended before it was ready", s.name)
		case <-deadline:
			p.stop()
			return nil, fmt.Errorf("%s was not ready within %s", s.name, within)
		case <-ctx.Done():
			p.stop()
			return nil, ctx.Err()
		}
	}
	if s.probe != nil {
		for {
			err := s.probe(ctx, p.addr)
			if err == nil {
				break
			}
			select {
			case <-p.done:
				return nil, fmt.Errorf("%s ended before it was ready: %w", s.name, err)
			case <-deadline:
				p.stop()
				return nil, fmt.Errorf("%s was not ready within %s: %w", s.name, within, err)
			case <-ctx.Done():
				p.stop()
				return nil, ctx.Err()
			case <-time.After(100 * time.Millisecond):
			}
		}
	}
	return p, nil
}

func (p *proc) pid() int { return p.cmd.Process.Pid }

// stop ends the process (SIGINT, then kill after 15 s).
func (p *proc) stop() {
	if p == nil {
		return
	}
	_ = p.cmd.Process.Signal(os.Interrupt)
	select {
	case <-p.done:
	case <-time.After(15 * time.Second):
		_ = p.cmd.Process.Kill()
		<-p.done
	}
}

// listeningLine reads the "listening ADDR" line of the bench's own
// children.
func listeningLine(line string) (string, bool) { return strings.CutPrefix(line, "listening ") }

// serveLine reads the address from the line `harmony serve` prints once
// ready: "  graphql:    http://ADDR/graphql".
func serveLine(line string) (string, bool) {
	rest, ok := strings.CutPrefix(strings.TrimSpace(line), "graphql:")
	if !ok {
		return "", false
	}
	rest = strings.TrimSpace(rest)
	rest, ok = strings.CutPrefix(rest, "http://")
	if !ok {
		return "", false
	}
	addr, ok := strings.CutSuffix(rest, "/graphql")
	return addr, ok && addr != ""
}

// freeAddr returns a loopback address nothing listens on now, for a
// process that takes its address as configuration (bramble).
func freeAddr(ctx context.Context) (string, error) {
	ln, err := (&net.ListenConfig{}).Listen(ctx, "tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("find a free port: %w", err)
	}
	addr := ln.Addr().String()
	return addr, ln.Close()
}

// memLimitPattern is what the Go runtime accepts as GOMEMLIMIT: bytes, with
// an optional unit.
var memLimitPattern = regexp.MustCompile(`^[0-9]+(B|KiB|MiB|GiB|TiB)?$`)

// checkMemLimit refuses a GOMEMLIMIT the child's runtime would reject (it
// would die at start with a runtime error); empty is no limit set.
func checkMemLimit(v string) error {
	if v == "" || v == "off" || memLimitPattern.MatchString(v) {
		return nil
	}
	return fmt.Errorf("--gateway-memlimit %q: want bytes with an optional unit (B, KiB, MiB, GiB, TiB), as GOMEMLIMIT takes, e.g. 48MiB", v)
}
