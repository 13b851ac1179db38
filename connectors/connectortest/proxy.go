package connectortest

import (
	"context"
	"net"
	"sync"
	"testing"
)

// Proxy is a TCP proxy in front of an upstream (a database, a gRPC server)
// that a harness can break and block, for connectors that do not speak HTTP.
// Point the connector at Addr.
type Proxy struct {
	// Addr is the proxy's listening address, host:port.
	Addr string

	target string
	ln     net.Listener
	// ctx bounds the dials to target: it carries the test context's values
	// but not its end (cleanups may still use the proxy), and ends when the
	// proxy closes.
	ctx    context.Context
	cancel context.CancelFunc

	mu      sync.Mutex
	broken  bool
	blocked chan struct{} // non-nil while blocked; closed on release
	conns   map[net.Conn]bool
	wg      sync.WaitGroup
}

// NewProxy starts a proxy to target (host:port) on a loopback port. It stops
// when the test ends.
func NewProxy(t testing.TB, target string) *Proxy {
	t.Helper()
	ln, err := (&net.ListenConfig{}).Listen(t.Context(), "tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("proxy: %v", err)
	}
	p := &Proxy{Addr: ln.Addr().String(), target: target, ln: ln, conns: map[net.Conn]bool{}}
	p.ctx, p.cancel = context.WithCancel(context.WithoutCancel(t.Context()))
	p.wg.Add(1)
	go p.serve()
	t.Cleanup(p.close)
	return p
}

// Break closes every connection and refuses new ones until Heal.
func (p *Proxy) Break() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.broken = true
	p.closeConnsLocked()
}

// Heal undoes Break.
func (p *Proxy) Heal() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.broken = false
}

// Block stops forwarding bytes (in both directions, on existing and new
// connections) until release is called; then the held bytes flow on.
func (p *Proxy) Block() (release func()) {
	p.mu.Lock()
	ch := make(chan struct{})
	p.blocked = ch
	p.mu.Unlock()
	var once sync.Once
	return func() {
		once.Do(func() {
			p.mu.Lock()
			if p.blocked == ch {
				p.blocked = nil
			}
			p.mu.Unlock()
			close(ch)
		})
	}
}

func (p *Proxy) closeConnsLocked() {
	for c := range p.conns {
		_ = c.Close()
	}
}

func (p *Proxy) close() {
	p.cancel()
	_ = p.ln.Close()
	p.mu.Lock()
	p.closeConnsLocked()
	if p.blocked != nil {
		close(p.blocked)
		p.blocked = nil
	}
	p.mu.Unlock()
	p.wg.Wait()
}

func (p *Proxy) serve() {
	defer p.wg.Done()
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.mu.Lock()
		if p.broken {
			p.mu.Unlock()
			_ = c.Close()
			continue
		}
		p.conns[c] = true
		p.mu.Unlock()
		p.wg.Add(1)
		go p.handle(c)
	}
}

func (p *Proxy) handle(c net.Conn) {
	defer p.wg.Done()
	defer func() {
		p.mu.Lock()
		delete(p.conns, c)
		p.mu.Unlock()
		_ = c.Close()
	}()
	up, err := (&net.Dialer{}).DialContext(p.ctx, "tcp", p.target)
	if err != nil {
		return
	}
	p.mu.Lock()
	if p.broken {
		p.mu.Unlock()
		_ = up.Close()
		return
	}
	p.conns[up] = true
	p.mu.Unlock()
	defer func() {
		p.mu.Lock()
		delete(p.conns, up)
		p.mu.Unlock()
		_ = up.Close()
	}()
	done := make(chan struct{}, 2)
	go func() { p.pipe(up, c); done <- struct{}{} }()
	go func() { p.pipe(c, up); done <- struct{}{} }()
	<-done
	_ = c.Close()
	_ = up.Close()
	<-done
}

// pipe copies src to dst, waiting while the proxy is blocked.
func (p *Proxy) pipe(dst, src net.Conn) {
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if n > 0 {
			p.mu.Lock()
			blocked := p.blocked
			p.mu.Unlock()
			if blocked != nil {
				<-blocked
			}
			if _, werr := dst.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}
