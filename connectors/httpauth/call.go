package httpauth

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/harmonyhq/harmony/connectors"
)

// DefaultMaxResponseBytes caps the response bodies Do reads.
const DefaultMaxResponseBytes = 32 << 20

// Do sends req with client and returns the status and body of a 2xx
// response. Any other outcome is a *connectors.Error classified by the SDK's
// rules:
//
//   - the context's deadline → CodeTimeout; cancellation and network
//     failures → CodeUnavailable;
//   - 401, 403 → CodeUnauthorized; 429 → CodeRateLimited; 408 → CodeTimeout;
//     other 4xx → CodeRejected; 5xx → CodeUnavailable; RetryAfter from the
//     Retry-After header (429 and 503);
//   - a body over maxBytes (DefaultMaxResponseBytes when <= 0), or a 3xx
//     left unfollowed → CodeBadResponse.
//
// desc names the request in errors ("GET /contacts/{{.Key}}"); errors never
// contain the URL, headers or bodies. The status is returned with the error
// of a non-2xx response so callers can treat 404 as "not found".
func Do(ctx context.Context, client *http.Client, req *http.Request, desc string, maxBytes int64) (int, []byte, error) {
	status, _, body, err := DoResponse(ctx, client, req, desc, maxBytes)
	return status, body, err
}

// DoResponse is Do that also returns the response's headers (for Link
// pagination); they are nil when no response arrived.
func DoResponse(ctx context.Context, client *http.Client, req *http.Request, desc string, maxBytes int64) (int, http.Header, []byte, error) {
	status, hdr, body, err := doInto(ctx, client, req, desc, maxBytes, nil)
	if err != nil {
		return status, hdr, nil, err
	}
	return status, hdr, body, nil
}

// Buffer is a response body read into pooled memory by DoBuffered.
type Buffer struct{ b []byte }

// Bytes returns the body. It is valid until Release.
func (b *Buffer) Bytes() []byte { return b.b }

// Release zeroes the buffer and returns it to the pool. The body must not be
// used afterwards, nor anything that shares its memory (decode it into
// copies first). A nil Buffer is released as nothing.
func (b *Buffer) Release() {
	if b == nil {
		return
	}
	if cap(b.b) > maxPooledBody {
		// Not kept: the memory goes back to the garbage collector.
		b.b = nil
		bodies.Put(b)
		return
	}
	// The whole capacity, not only the body: a reader may use all of the
	// slice it is given as scratch. A pooled buffer so holds no byte of a
	// response, and the next response's body is only what its own reads
	// wrote (the body is always the buffer's first len bytes).
	clear(b.b[:cap(b.b)])
	b.b = b.b[:0]
	bodies.Put(b)
}

// maxPooledBody is the largest buffer the pool keeps.
const maxPooledBody = 4 << 20

var bodies = sync.Pool{New: func() any { return new(Buffer) }}

// DoBuffered is DoResponse reading the body into a pooled Buffer, which
// the caller releases once done with the body.
func DoBuffered(ctx context.Context, client *http.Client, req *http.Request, desc string, maxBytes int64) (int, http.Header, *Buffer, error) {
	buf, _ := bodies.Get().(*Buffer)
	status, hdr, body, err := doInto(ctx, client, req, desc, maxBytes, buf.b[:0])
	if body != nil {
		buf.b = body
	}
	if err != nil {
		buf.Release()
		return status, hdr, nil, err
	}
	return status, hdr, buf, nil
}

// doInto is DoResponse reading the body into dst's memory when it has room
// (into new memory when dst is nil).
func doInto(ctx context.Context, client *http.Client, req *http.Request, desc string, maxBytes int64, dst []byte) (int, http.Header, []byte, error) {
	if maxBytes <= 0 {
		maxBytes = DefaultMaxResponseBytes
	}
	// The transport's goroutines see only this derived context, ended
	// before Do returns, never the caller's.
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	resp, err := client.Do(req.WithContext(ctx)) //nolint:gosec // G704: requests go to the upstream the operator configured; the connectors keep its host fixed
	if err != nil {
		return 0, nil, dst, TransportError(ctx, desc, err)
	}
	defer func() { _ = resp.Body.Close() }()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		// Drain a little so the connection can be reused.
		_, _ = io.CopyN(io.Discard, resp.Body, 64<<10)
		return resp.StatusCode, resp.Header, dst, StatusError(desc, resp)
	}
	if resp.ContentLength > maxBytes {
		// Said to be too long: refused without reading it.
		return resp.StatusCode, resp.Header, dst, connectors.Errorf(connectors.CodeBadResponse, "%s: response larger than %d bytes", desc, maxBytes)
	}
	if resp.ContentLength > 0 {
		// The length is known: one buffer of that size, not ReadAll's
		// doublings.
		n := int(resp.ContentLength)
		body := dst[:0]
		if cap(body) < n {
			body = make([]byte, n)
		}
		body = body[:n]
		if _, err := io.ReadFull(resp.Body, body); err != nil {
			return resp.StatusCode, resp.Header, body, TransportError(ctx, desc+": reading the response", err)
		}
		return resp.StatusCode, resp.Header, body, nil
	}
	body, err := readInto(ctx, desc, resp.Body, dst, maxBytes)
	return resp.StatusCode, resp.Header, body, err
}

// ReadBody reads at most maxBytes of r. A longer body is CodeBadResponse; a
// failed read is classified like a transport error.
func ReadBody(ctx context.Context, desc string, r io.Reader, maxBytes int64) ([]byte, error) {
	body, err := readInto(ctx, desc, r, nil, maxBytes)
	if err != nil {
		return nil, err
	}
	return body, nil
}

// readInto is ReadBody appending to dst[:0]. It returns what it read even
// with an error, so that pooled memory can be cleared.
func readInto(ctx context.Context, desc string, r io.Reader, dst []byte, maxBytes int64) ([]byte, error) {
	b := dst[:0]
	for {
		if len(b) == cap(b) {
			b = slices.Grow(b, max(512, len(b)))
		}
		n, err := r.Read(b[len(b):cap(b)])
		b = b[:len(b)+n]
		if int64(len(b)) > maxBytes {
			return b, connectors.Errorf(connectors.CodeBadResponse, "%s: response larger than %d bytes", desc, maxBytes)
		}
		if errors.Is(err, io.EOF) {
			return b, nil
		}
		if err != nil {
			return b, TransportError(ctx, desc+": reading the response", err)
		}
	}
}

// StatusError classifies a non-2xx response.
func StatusError(desc string, resp *http.Response) *connectors.Error {
	code := StatusCode(resp.StatusCode)
	e := connectors.Errorf(code, "%s: status %d", desc, resp.StatusCode)
	if resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable {
		e.RetryAfter = RetryAfter(resp.Header.Get("Retry-After"), time.Now())
	}
	return e
}

// StatusCode maps an HTTP status outside 2xx to a connector error code.
func StatusCode(status int) connectors.Code {
	switch {
	case status == http.StatusUnauthorized, status == http.StatusForbidden:
		return connectors.CodeUnauthorized
	case status == http.StatusTooManyRequests:
		return connectors.CodeRateLimited
	case status == http.StatusRequestTimeout:
		return connectors.CodeTimeout
	case status >= 400 && status <= 499:
		return connectors.CodeRejected
	case status >= 500:
		return connectors.CodeUnavailable
	}
	return connectors.CodeBadResponse
}

// RetryAfter parses a Retry-After header: delay seconds or an HTTP date
// (relative to now). It returns zero when the header is absent or invalid.
func RetryAfter(h string, now time.Time) time.Duration {
	h = strings.TrimSpace(h)
	if h == "" {
		return 0
	}
	if secs, err := strconv.ParseInt(h, 10, 64); err == nil {
		if secs <= 0 {
			return 0
		}
		if secs > int64(24*time.Hour/time.Second) {
			secs = int64(24 * time.Hour / time.Second)
		}
		return time.Duration(secs) * time.Second
	}
	if t, err := http.ParseTime(h); err == nil {
		if d := t.Sub(now); d > 0 {
			return d.Round(time.Second)
		}
	}
	return 0
}

// TransportError classifies a failure to get a response. The context decides
// first: its deadline is CodeTimeout, its cancellation CodeUnavailable
// (wrapping the context's error). The message keeps the cause's kind but
// never the URL it was sent to.
func TransportError(ctx context.Context, desc string, err error) *connectors.Error {
	if cerr := ctx.Err(); cerr != nil {
		if errors.Is(cerr, context.DeadlineExceeded) {
			return connectors.NewError(connectors.CodeTimeout, fmt.Errorf("%s: %w", desc, cerr))
		}
		return connectors.NewError(connectors.CodeUnavailable, fmt.Errorf("%s: %w", desc, cerr))
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return connectors.NewError(connectors.CodeTimeout, fmt.Errorf("%s: %w", desc, context.DeadlineExceeded))
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		if ue.Timeout() {
			return connectors.Errorf(connectors.CodeTimeout, "%s: timed out", desc)
		}
		msg := ue.Err.Error()
		if ue.URL != "" {
			msg = strings.ReplaceAll(msg, ue.URL, "<url>")
			if u, perr := url.Parse(ue.URL); perr == nil && u.RawQuery != "" {
				msg = strings.ReplaceAll(msg, u.RawQuery, "<query>")
			}
		}
		return connectors.Errorf(connectors.CodeUnavailable, "%s: %s", desc, msg)
	}
	return connectors.Errorf(connectors.CodeUnavailable, "%s: request failed", desc)
}
