package gateway

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"sync"
)

// Call is one upstream HTTP request as the gateway sent it.
type Call struct {
	Method string      `json:"method"`
	URL    string      `json:"url"`
	Header http.Header `json:"header"`
	Body   []byte      `json:"body,omitempty"`
	// Answered is the size of the answer's body as read by the gateway.
	Answered int64 `json:"answered_bytes"`
}

// recorder is an http.RoundTripper that, while on, keeps a copy of each
// request it sends. It is never on outside a recording window the
// benchmark opens, and it writes nothing anywhere: the calls go back to the
// benchmark over loopback.
type recorder struct {
	base http.RoundTripper

	mu    sync.Mutex
	on    bool
	calls []Call
	sql   []SQLCall
}

// Recording is the body of GET /_bench/record: the upstream HTTP requests
// and the sql connectors' reads, in the order they left.
type Recording struct {
	HTTP []Call    `json:"http"`
	SQL  []SQLCall `json:"sql"`
}

// noteSQL keeps c while the recorder is on.
func (r *recorder) noteSQL(c SQLCall) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.on {
		r.sql = append(r.sql, c)
	}
}

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	r.mu.Lock()
	on := r.on
	r.mu.Unlock()
	if on {
		c := Call{Method: req.Method, URL: req.URL.String(), Header: req.Header.Clone()}
		if req.Body != nil && req.GetBody != nil {
			if body, err := req.GetBody(); err == nil {
				c.Body, _ = io.ReadAll(body)
				_ = body.Close()
			}
		} else if req.Body != nil {
			b, err := io.ReadAll(req.Body)
			_ = req.Body.Close()
			if err != nil {
				return nil, err
			}
			c.Body = b
			req.Body = io.NopCloser(bytes.NewReader(b))
		}
		r.mu.Lock()
		r.calls = append(r.calls, c)
		i := len(r.calls) - 1
		r.mu.Unlock()
		resp, err := r.base.RoundTrip(req)
		if err == nil {
			resp.Body = &counting{ReadCloser: resp.Body, add: func(n int) {
				r.mu.Lock()
				if i < len(r.calls) {
					r.calls[i].Answered += int64(n)
				}
				r.mu.Unlock()
			}}
		}
		return resp, err
	}
	return r.base.RoundTrip(req)
}

// counting reports the bytes read through it.
type counting struct {
	io.ReadCloser
	add func(int)
}

func (c *counting) Read(p []byte) (int, error) {
	n, err := c.ReadCloser.Read(p)
	if n > 0 {
		c.add(n)
	}
	return n, err
}

// serve answers POST /_bench/record (start a fresh recording) and GET
// /_bench/record (stop, and answer the Recording).
func (r *recorder) serve(w http.ResponseWriter, req *http.Request) {
	r.mu.Lock()
	defer r.mu.Unlock()
	switch req.Method {
	case http.MethodPost:
		r.on, r.calls, r.sql = true, nil, nil
		w.WriteHeader(http.StatusNoContent)
	case http.MethodGet:
		r.on = false
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(Recording{HTTP: r.calls, SQL: r.sql})
		r.calls, r.sql = nil, nil
	default:
		w.WriteHeader(http.StatusMethodNotAllowed)
	}
}
