package httpauth

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
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
	if maxBytes <= 0 {
		maxBytes = DefaultMaxResponseBytes
	}
	// The transport's goroutines see only this derived context, ended
	// before Do returns, never the caller's.
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	resp, err := client.Do(req.WithContext(ctx)) //nolint:gosec // G704: requests go to the upstream the operator configured; the connectors keep its host fixed
	if err != nil {
		return 0, nil, nil, TransportError(ctx, desc, err)
	}
	defer func() { _ = resp.Body.Close() }()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		// Drain a little so the connection can be reused.
		_, _ = io.CopyN(io.Discard, resp.Body, 64<<10)
		return resp.StatusCode, resp.Header, nil, StatusError(desc, resp)
	}
	var body []byte
	if resp.ContentLength > 0 && resp.ContentLength <= maxBytes {
		// The length is known: one buffer of that size, not ReadAll's
		// doublings.
		body = make([]byte, resp.ContentLength)
		if _, err := io.ReadFull(resp.Body, body); err != nil {
			return resp.StatusCode, resp.Header, nil, TransportError(ctx, desc+": reading the response", err)
		}
	} else if body, err = ReadBody(ctx, desc, resp.Body, maxBytes); err != nil {
		return resp.StatusCode, resp.Header, nil, err
	}
	return resp.StatusCode, resp.Header, body, nil
}

// ReadBody reads at most maxBytes of r. A longer body is CodeBadResponse; a
// failed read is classified like a transport error.
func ReadBody(ctx context.Context, desc string, r io.Reader, maxBytes int64) ([]byte, error) {
	body, err := io.ReadAll(io.LimitReader(r, maxBytes+1))
	if err != nil {
		return nil, TransportError(ctx, desc+": reading the response", err)
	}
	if int64(len(body)) > maxBytes {
		return nil, connectors.Errorf(connectors.CodeBadResponse, "%s: response larger than %d bytes", desc, maxBytes)
	}
	return body, nil
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
