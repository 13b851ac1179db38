package simhttp

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// MaxBatch is the most ids a batch endpoint accepts in one call.
const MaxBatch = 100

// maxBody caps request bodies.
const maxBody = 1 << 20

// ErrTooMany is returned for a batch of more than MaxBatch ids.
var ErrTooMany = errors.New("too many ids")

// ErrBadParam is returned for a malformed query parameter.
var ErrBadParam = errors.New("invalid parameter")

// SplitIDs splits a comma-separated list, trimming spaces and dropping
// empty items, and refuses more than MaxBatch.
func SplitIDs(list string) ([]string, error) {
	var ids []string
	for _, id := range strings.Split(list, ",") {
		if id = strings.TrimSpace(id); id != "" {
			ids = append(ids, id)
		}
	}
	if len(ids) > MaxBatch {
		return nil, fmt.Errorf("%d ids, at most %d: %w", len(ids), MaxBatch, ErrTooMany)
	}
	return ids, nil
}

// Dedupe drops repeated ids, keeping first occurrences in order.
func Dedupe(ids []string) []string {
	seen := make(map[string]bool, len(ids))
	out := ids[:0:0]
	for _, id := range ids {
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}

// IntParam reads query parameter name: def when absent, an error when it is
// not an integer in [lo, hi].
func IntParam(r *http.Request, name string, def, lo, hi int) (int, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < lo || n > hi {
		return 0, fmt.Errorf("%s must be an integer from %d to %d: %w", name, lo, hi, ErrBadParam)
	}
	return n, nil
}

// MaxPerKey is the largest per-key limit (per_user, count_per_member...)
// the windowed endpoints accept.
const MaxPerKey = 1000

// PageSize reads a page-size parameter: def when absent, an error when it
// is not a positive integer, and hi when it is larger (as vendors cap page
// sizes rather than fail).
func PageSize(r *http.Request, name string, def, hi int) (int, error) {
	n, err := IntParam(r, name, def, 1, 1<<31-1)
	if err != nil {
		return 0, err
	}
	return min(n, hi), nil
}

// TimeParam reads an RFC 3339 query parameter; ok is false when absent.
func TimeParam(r *http.Request, name string) (t time.Time, ok bool, err error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return time.Time{}, false, nil
	}
	t, err = time.Parse(time.RFC3339, v)
	if err != nil {
		return time.Time{}, false, fmt.Errorf("%s must be an RFC 3339 time: %w", name, ErrBadParam)
	}
	return t, true, nil
}

// UnixParam reads a Unix-seconds query parameter; ok is false when absent.
func UnixParam(r *http.Request, name string) (t time.Time, ok bool, err error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return time.Time{}, false, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return time.Time{}, false, fmt.Errorf("%s must be Unix seconds: %w", name, ErrBadParam)
	}
	return time.Unix(n, 0).UTC(), true, nil
}

// Window is an inclusive time window; a zero bound is open.
type Window struct {
	Since, Until time.Time
}

// Contains reports whether t is inside the window, bounds included.
func (w Window) Contains(t time.Time) bool {
	return (w.Since.IsZero() || !t.Before(w.Since)) && (w.Until.IsZero() || !t.After(w.Until))
}

// DecodeJSON decodes a JSON request body of at most 1 MiB. Numbers
// decoded into an any are json.Number.
func DecodeJSON(w http.ResponseWriter, r *http.Request, v any) error {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxBody))
	dec.UseNumber()
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("decode body: %w", err)
	}
	return nil
}

// WriteJSON answers status with v as JSON.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		WriteError(w, http.StatusInternalServerError, "internal", "cannot encode answer")
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// ErrorBody is the JSON error every simulator answers.
type ErrorBody struct {
	Error   string `json:"error"`
	Message string `json:"message"`
}

// WriteError answers status with {"error": code, "message": msg}. Messages
// never echo request data.
func WriteError(w http.ResponseWriter, status int, code, msg string) {
	b, _ := json.Marshal(ErrorBody{Error: code, Message: msg})
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// BadRequest answers 400 with err's message (which must not echo input).
func BadRequest(w http.ResponseWriter, err error) {
	WriteError(w, http.StatusBadRequest, "bad_request", err.Error())
}

// RFC3339 formats t in UTC, second precision, "2026-01-02T15:04:05Z".
func RFC3339(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// RFC3339Ptr formats t, or returns nil for a nil t (JSON null).
func RFC3339Ptr(t *time.Time) *string {
	if t == nil {
		return nil
	}
	s := RFC3339(*t)
	return &s
}

// Newest returns the items of a newest-first list that fall in w, at most
// limit of them (limit < 0: no limit).
func Newest[T any](items []T, at func(T) time.Time, w Window, limit int) []T {
	var out []T
	for _, it := range items {
		if limit >= 0 && len(out) >= limit {
			break
		}
		if w.Contains(at(it)) {
			out = append(out, it)
		}
	}
	return out
}

// ByIDs answers a batch read: the items whose IDs the comma-separated list
// names, once each, in the order asked, skipping unknown IDs; index gives
// each ID's position in items. false means it answered 400 already.
func ByIDs[T any](w http.ResponseWriter, list string, index map[string]int, items []T) ([]T, bool) {
	ids, err := SplitIDs(list)
	if err != nil {
		BadRequest(w, err)
		return nil, false
	}
	out := []T{}
	for _, id := range Dedupe(ids) {
		if i, ok := index[id]; ok {
			out = append(out, items[i])
		}
	}
	return out, true
}

// PageAfter answers a listing whose cursor is the ID of the last item of
// the previous page ("" for the first): up to limit items after it, a copy,
// and whether more follow. false means it answered 400 already.
func PageAfter[T any](w http.ResponseWriter, cursor string, index map[string]int, items []T, limit int) (page []T, more, ok bool) {
	start := 0
	if cursor != "" {
		i, known := index[cursor]
		if !known {
			BadRequest(w, errors.New("unknown cursor"))
			return nil, false, false
		}
		start = i + 1
	}
	end := min(start+limit, len(items))
	return append([]T{}, items[start:end]...), end < len(items), true
}
