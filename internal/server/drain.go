package server

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"time"

	"github.com/99designs/gqlgen/graphql/handler/transport"

	"github.com/harmonyhq/harmony/internal/drain"
)

// Close code and reason of websockets ended by a shutdown (RFC 6455 1001,
// going away).
const (
	closeGoingAway       = 1001
	closeGoingAwayReason = "server shutting down"
)

// completeGrace is how long Drain lets the transports write the "complete"
// of subscriptions that just ended before it closes their websockets.
const completeGrace = 100 * time.Millisecond

// Drain ends open subscriptions for a shutdown, within ctx: new
// subscriptions are refused (SHUTTING_DOWN), open ones end (a websocket
// gets "complete" for each, an SSE stream "event: complete" and its end),
// then websockets are closed with 1001 and Drain waits until their handlers
// have returned. http.Server.Shutdown, run alongside, stops accepting and
// waits for queries in flight and SSE streams; it does not wait for
// websockets, which are hijacked. It returns ctx's error when time ran out.
func (s *Server) Drain(ctx context.Context) error {
	if s == nil {
		return nil // a gateway serving a handler of its own
	}
	s.drain.Start()
	err := s.drain.Wait(ctx)
	if s.sockets.len() > 0 {
		t := time.NewTimer(completeGrace)
		select {
		case <-t.C:
		case <-ctx.Done():
		}
		t.Stop()
	}
	s.sockets.closeAll()
	return errors.Join(err, s.sockets.wait(ctx))
}

// withDrain gives /graphql requests the server's drainer (subscriptions
// end when it drains), its websocket set (trackedWebsockets) and a slot
// for the request's websocket, watched for its credential's end
// (watchSocket, with revocations).
func withDrain(d *drain.Drainer, ws *socketSet, revocations Revocations, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := context.WithValue(drain.With(r.Context(), d), socketsKey{}, ws)
		if isWebsocketUpgrade(r) {
			ctx = context.WithValue(ctx, socketSlotKey{}, &socketSlot{revocations: revocations})
		}
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

type socketsKey struct{}

// trackedWebsockets accepts websockets with inner and records them in the
// request's socketSet, so that Drain can close them.
type trackedWebsockets struct {
	inner transport.WebsocketImplementation
}

// Accept implements transport.WebsocketImplementation.
func (t trackedWebsockets) Accept(w http.ResponseWriter, r *http.Request, o transport.WebsocketAcceptOptions) (transport.WebsocketConn, error) {
	conn, err := t.inner.Accept(w, r, o)
	if err != nil {
		return nil, err
	}
	set, _ := r.Context().Value(socketsKey{}).(*socketSet)
	if set == nil {
		return conn, nil
	}
	tc := &trackedConn{WebsocketConn: conn, set: set, closed: make(chan struct{})}
	set.add(tc)
	slot, _ := r.Context().Value(socketSlotKey{}).(*socketSlot)
	slot.set(tc)
	return tc, nil
}

// trackedConn is a websocket in a socketSet.
type trackedConn struct {
	transport.WebsocketConn
	set *socketSet

	closed    chan struct{} // closed by Close
	closeOnce sync.Once
}

// Close implements io.Closer: the socket leaves its set.
func (c *trackedConn) Close() error {
	c.set.remove(c)
	c.closeOnce.Do(func() { close(c.closed) })
	return c.WebsocketConn.Close()
}

// SetReadLimit forwards transport.WebsocketReadLimiter.
func (c *trackedConn) SetReadLimit(limit int64) {
	if l, ok := c.WebsocketConn.(transport.WebsocketReadLimiter); ok {
		l.SetReadLimit(limit)
	}
}

// SetReadDeadline forwards transport.WebsocketReadDeadliner.
func (c *trackedConn) SetReadDeadline(t time.Time) error {
	if d, ok := c.WebsocketConn.(transport.WebsocketReadDeadliner); ok {
		return d.SetReadDeadline(t)
	}
	return nil
}

// socketSet is the open websockets of a server.
type socketSet struct {
	mu      sync.Mutex
	conns   map[*trackedConn]struct{}
	closing bool
	empty   chan struct{} // closed when conns becomes empty while closing
}

func newSocketSet() *socketSet { return &socketSet{conns: map[*trackedConn]struct{}{}} }

// add records c; during a shutdown c is closed at once.
func (s *socketSet) add(c *trackedConn) {
	s.mu.Lock()
	closing := s.closing
	s.conns[c] = struct{}{}
	s.mu.Unlock()
	if closing {
		_ = c.WriteClose(closeGoingAway, closeGoingAwayReason)
	}
}

func (s *socketSet) remove(c *trackedConn) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.conns, c)
	if len(s.conns) == 0 && s.empty != nil {
		close(s.empty)
		s.empty = nil
	}
}

func (s *socketSet) len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.conns)
}

// closeAll sends every open websocket a 1001 close; later ones get it when
// accepted.
func (s *socketSet) closeAll() {
	s.mu.Lock()
	s.closing = true
	conns := make([]*trackedConn, 0, len(s.conns))
	for c := range s.conns {
		conns = append(conns, c)
	}
	s.mu.Unlock()
	for _, c := range conns {
		_ = c.WriteClose(closeGoingAway, closeGoingAwayReason)
	}
}

// wait returns once no websocket is open, or ctx's error.
func (s *socketSet) wait(ctx context.Context) error {
	s.mu.Lock()
	if len(s.conns) == 0 {
		s.mu.Unlock()
		return nil
	}
	if s.empty == nil {
		s.empty = make(chan struct{})
	}
	empty := s.empty
	s.mu.Unlock()
	select {
	case <-empty:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
