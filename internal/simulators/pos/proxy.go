package pos

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// Startup request codes that come in place of a protocol version.
const (
	sslRequestCode    = 80877103
	gssencRequestCode = 80877104
	cancelRequestCode = 80877102
)

// maxMessage bounds a frontend message (PostgreSQL's own limit is 1 GiB).
const maxMessage = 1 << 30

// Proxy is a TCP proxy in front of a PostgreSQL server that reads the
// frontend protocol to count statements and inject faults. It does not
// speak TLS: it answers "no" to SSL and GSS encryption requests, so clients
// must allow plain connections (sslmode=disable or prefer).
type Proxy struct {
	ln       net.Listener
	network  string // upstream network: "tcp" or "unix"
	upstream string
	// ctx bounds the dials to upstream: it carries the values of NewProxy's
	// context but not its end, and ends when the proxy closes.
	ctx    context.Context
	cancel context.CancelFunc

	statements atomic.Int64
	latency    atomic.Int64 // nanoseconds
	down       atomic.Bool

	mu     sync.Mutex
	conns  map[net.Conn]struct{}
	closed bool
	wg     sync.WaitGroup
}

// NewProxy listens on 127.0.0.1:0 and forwards to upstream. ctx bounds
// the listening only: the proxy runs until Close.
func NewProxy(ctx context.Context, network, upstream string) (*Proxy, error) {
	ln, err := (&net.ListenConfig{}).Listen(ctx, "tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("pos proxy: listen: %w", err)
	}
	p := &Proxy{ln: ln, network: network, upstream: upstream, conns: map[net.Conn]struct{}{}}
	p.ctx, p.cancel = context.WithCancel(context.WithoutCancel(ctx))
	p.wg.Add(1)
	go p.serve()
	return p, nil
}

// Addr returns the proxy's "127.0.0.1:port".
func (p *Proxy) Addr() string { return p.ln.Addr().String() }

// Total returns the statements counted since the last Reset.
func (p *Proxy) Total() int64 { return p.statements.Load() }

// Count returns the statements counted under route ("query").
func (p *Proxy) Count(route string) int64 {
	if route != RouteQuery {
		return 0
	}
	return p.Total()
}

// Counts returns {"query": n}, or an empty map before any statement.
func (p *Proxy) Counts() map[string]int64 {
	if n := p.Total(); n > 0 {
		return map[string]int64{RouteQuery: n}
	}
	return map[string]int64{}
}

// Reset zeroes the count.
func (p *Proxy) Reset() { p.statements.Store(0) }

// SetLatency delays each statement by d before forwarding it.
func (p *Proxy) SetLatency(d time.Duration) { p.latency.Store(int64(max(d, 0))) }

// SetDown(true) closes every client connection and refuses new ones (they
// are reset as soon as accepted) until SetDown(false).
func (p *Proxy) SetDown(down bool) {
	p.down.Store(down)
	if down {
		p.closeConns()
	}
}

// Close stops listening, closes every connection and waits for the
// proxy's goroutines. It is safe to call more than once.
func (p *Proxy) Close() error {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return nil
	}
	p.closed = true
	p.mu.Unlock()
	p.cancel()
	err := p.ln.Close()
	p.closeConns()
	p.wg.Wait()
	if err != nil && !errors.Is(err, net.ErrClosed) {
		return fmt.Errorf("pos proxy: close: %w", err)
	}
	return nil
}

func (p *Proxy) closeConns() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for c := range p.conns {
		_ = c.Close()
	}
	clear(p.conns)
}

// track registers c; it returns false (and closes c) when the proxy is
// closed or down.
func (p *Proxy) track(c net.Conn) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed || p.down.Load() {
		_ = c.Close()
		return false
	}
	p.conns[c] = struct{}{}
	return true
}

func (p *Proxy) untrack(c net.Conn) {
	p.mu.Lock()
	delete(p.conns, c)
	p.mu.Unlock()
	_ = c.Close()
}

func (p *Proxy) serve() {
	defer p.wg.Done()
	for {
		c, err := p.ln.Accept()
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			continue
		}
		if p.down.Load() {
			if tc, ok := c.(*net.TCPConn); ok {
				_ = tc.SetLinger(0) // reset, as close to "refused" as a listener gets
			}
			_ = c.Close()
			continue
		}
		p.wg.Add(1)
		go func() {
			defer p.wg.Done()
			p.handle(c)
		}()
	}
}

func (p *Proxy) handle(client net.Conn) {
	if !p.track(client) {
		return
	}
	defer p.untrack(client)
	server, err := (&net.Dialer{Timeout: 5 * time.Second}).DialContext(p.ctx, p.network, p.upstream)
	if err != nil {
		return
	}
	if !p.track(server) {
		return
	}
	defer p.untrack(server)

	done := make(chan struct{})
	go func() {
		defer close(done)
		_, _ = io.Copy(client, server)
		_ = client.Close()
	}()
	_ = p.forward(client, server)
	_ = server.Close()
	<-done
}

// forward copies the client's messages to the server, counting statements.
func (p *Proxy) forward(client, server net.Conn) error {
	in := bufio.NewReaderSize(client, 32<<10)
	out := bufio.NewWriterSize(server, 32<<10)
	if err := p.startup(in, out, client); err != nil {
		return err
	}
	header := make([]byte, 5)
	for {
		if in.Buffered() == 0 {
			if err := out.Flush(); err != nil {
				return err
			}
		}
		if _, err := io.ReadFull(in, header); err != nil {
			return err
		}
		typ, n := header[0], int(binary.BigEndian.Uint32(header[1:]))
		if n < 4 || n > maxMessage {
			return errors.New("malformed frontend message")
		}
		body := make([]byte, n-4)
		if _, err := io.ReadFull(in, body); err != nil {
			return err
		}
		if typ == 'E' || (typ == 'Q' && !isPing(body)) {
			p.statements.Add(1)
			if d := time.Duration(p.latency.Load()); d > 0 {
				if err := out.Flush(); err != nil {
					return err
				}
				time.Sleep(d)
			}
		}
		if _, err := out.Write(header); err != nil {
			return err
		}
		if _, err := out.Write(body); err != nil {
			return err
		}
	}
}

// startup forwards the startup message, answering SSL and GSS encryption
// requests with "N" (not supported) itself.
func (p *Proxy) startup(in *bufio.Reader, out *bufio.Writer, client net.Conn) error {
	for {
		var lenBuf [4]byte
		if _, err := io.ReadFull(in, lenBuf[:]); err != nil {
			return err
		}
		n := int(binary.BigEndian.Uint32(lenBuf[:]))
		if n < 8 || n > 10000 {
			return errors.New("malformed startup message")
		}
		body := make([]byte, n-4)
		if _, err := io.ReadFull(in, body); err != nil {
			return err
		}
		switch binary.BigEndian.Uint32(body[:4]) {
		case sslRequestCode, gssencRequestCode:
			if _, err := client.Write([]byte{'N'}); err != nil {
				return err
			}
			continue
		case cancelRequestCode:
			// A cancel request is the whole conversation.
			_, _ = out.Write(lenBuf[:])
			_, _ = out.Write(body)
			return errors.Join(out.Flush(), io.EOF)
		}
		if _, err := out.Write(lenBuf[:]); err != nil {
			return err
		}
		if _, err := out.Write(body); err != nil {
			return err
		}
		return out.Flush()
	}
}

// isPing reports whether a simple query is a driver keepalive: empty, ";"
// or "-- ping" (pgx).
func isPing(body []byte) bool {
	q := bytes.TrimSpace(bytes.TrimRight(body, "\x00"))
	return len(q) == 0 || bytes.Equal(q, []byte(";")) || bytes.Equal(q, []byte("-- ping"))
}
