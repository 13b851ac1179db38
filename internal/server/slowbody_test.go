package server_test

import (
	"bufio"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/harmonyhq/harmony/internal/config"
)

// TestSlowSendersAreCutOff: a client that sends its headers and then its
// body too slowly (stalled, or a byte at a time) gets 408 once the body
// timeout has passed, and its connection is closed. Before, the server
// waited for the body as long as the client kept the connection open.
func TestSlowSendersAreCutOff(t *testing.T) {
	const bodyTimeout = 500 * time.Millisecond
	ts := newServer(t, func(c *config.Server) { c.BodyTimeout = bodyTimeout })
	body := `{"query":"{ __typename }"}`
	for _, tt := range []struct {
		name string
		send func(w io.Writer) // after the headers
	}{
		{"stalled after a few bytes", func(w io.Writer) { _, _ = io.WriteString(w, body[:5]) }},
		{"a byte every 100 ms", func(w io.Writer) {
			for i := range len(body) - 1 {
				if _, err := io.WriteString(w, body[i:i+1]); err != nil {
					return
				}
				time.Sleep(100 * time.Millisecond)
			}
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			d := net.Dialer{Timeout: 5 * time.Second}
			conn, err := d.DialContext(t.Context(), "tcp", ts.Listener.Addr().String())
			if err != nil {
				t.Fatal(err)
			}
			defer func() { _ = conn.Close() }()
			// The bound: the body timeout, plus room for a busy machine; the
			// old server never answered.
			_ = conn.SetDeadline(time.Now().Add(bodyTimeout + 5*time.Second))
			start := time.Now()
			_, _ = io.WriteString(conn, "POST /graphql HTTP/1.1\r\nHost: "+ts.Listener.Addr().String()+
				"\r\nContent-Type: application/json\r\nContent-Length: "+strconv.Itoa(len(body))+"\r\n\r\n")
			go tt.send(conn)
			br := bufio.NewReader(conn)
			resp, err := http.ReadResponse(br, nil)
			if err != nil {
				t.Fatalf("no answer within %s: %v", bodyTimeout+5*time.Second, err)
			}
			_, _ = io.ReadAll(resp.Body)
			_ = resp.Body.Close()
			if resp.StatusCode != http.StatusRequestTimeout {
				t.Errorf("status %d, want 408", resp.StatusCode)
			}
			if took := time.Since(start); took < bodyTimeout {
				t.Errorf("answered after %s, before the body timeout", took)
			}
			// Closed: end of stream, or a reset while the client still sends.
			if _, err := br.ReadByte(); err == nil || errors.Is(err, os.ErrDeadlineExceeded) {
				t.Errorf("the connection stays open (%v)", err)
			}
		})
	}
	// A client that sends its body in time is answered, and the lifted
	// deadline does not end a connection kept alive for longer.
	got := post(t, ts, body)
	if got.status != http.StatusOK || !strings.Contains(got.body, `"Query"`) {
		t.Fatalf("a prompt client: %d %s", got.status, got.body)
	}
	time.Sleep(2 * bodyTimeout)
	if got := post(t, ts, body); got.status != http.StatusOK {
		t.Fatalf("a prompt client, later: %d %s", got.status, got.body)
	}
}
