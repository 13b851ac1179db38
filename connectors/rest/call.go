package rest

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/harmonyhq/harmony/connectors"
	"github.com/harmonyhq/harmony/connectors/jsonmap"
)

func unconfigured(cp connectors.Capability) error {
	return connectors.Errorf(connectors.CodeInternal, "rest connector has no %s endpoint configured", cp)
}

// Profiles implements connectors.ProfileSource.
func (c *Connector) Profiles(ctx context.Context, keys []string) ([]*connectors.Profile, error) {
	ep := c.profiles
	if ep == nil {
		return nil, unconfigured(connectors.CapProfiles)
	}
	if len(keys) == 0 {
		return []*connectors.Profile{}, nil
	}
	if !ep.perKey {
		_, list, _, _, err := readAt(ctx, c, ep.req, ep.rd, TemplateData{Keys: keys}, nil, false)
		if err != nil {
			return nil, err
		}
		return jsonmap.AlignProfiles(keys, list), nil
	}
	out := make([]*connectors.Profile, len(keys))
	err := c.perKey(ctx, keys, func(ctx context.Context, i int, key string) error {
		_, list, _, notFound, err := readAt(ctx, c, ep.req, ep.rd, TemplateData{Key: key}, nil, true)
		if err != nil || notFound {
			return err
		}
		if !ep.m.HasKey() {
			// The request named the key; the response's record is its answer.
			if len(list) > 0 {
				p := list[0]
				p.Key = key
				out[i] = &p
			}
			return nil
		}
		out[i] = jsonmap.AlignProfiles([]string{key}, list)[0]
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// ListPageSize implements connectors.ListPageSizer: list_profiles.page_size.
func (c *Connector) ListPageSize() int {
	if e := c.Config.ListProfiles; e != nil && e.PageSize > 0 {
		return e.PageSize
	}
	return connectors.DefaultListPageSize
}

// ListProfiles implements connectors.ProfileLister. A page shorter than
// limit does not end the listing (APIs cap their pages below what is
// asked): see Pagination for what does.
func (c *Connector) ListProfiles(ctx context.Context, cursor string, limit int) (connectors.ProfilePage, error) {
	return c.list(ctx, time.Time{}, cursor, limit)
}

// ListsChanges implements connectors.ChangeLister: the list_profiles
// request uses {{.Since}}.
func (c *Connector) ListsChanges() bool { return c.listProfiles != nil && c.listProfiles.changes }

// ListChangedProfiles implements connectors.ChangeLister: ListProfiles
// with {{.Since}} set.
func (c *Connector) ListChangedProfiles(ctx context.Context, since time.Time, cursor string, limit int) (connectors.ProfilePage, error) {
	if !c.ListsChanges() {
		return connectors.ProfilePage{}, connectors.Errorf(connectors.CodeInternal, "list_profiles: the request does not use {{.Since}}")
	}
	if since.IsZero() {
		return connectors.ProfilePage{}, connectors.Errorf(connectors.CodeInternal, "list_profiles: changes since no time")
	}
	return c.list(ctx, since, cursor, limit)
}

// list reads one page of list_profiles, with since as {{.Since}}.
func (c *Connector) list(ctx context.Context, since time.Time, cursor string, limit int) (connectors.ProfilePage, error) {
	ep := c.listProfiles
	if ep == nil {
		return connectors.ProfilePage{}, unconfigured(connectors.CapListProfiles)
	}
	if limit <= 0 {
		return connectors.ProfilePage{}, connectors.Errorf(connectors.CodeInternal, "list_profiles: limit must be positive")
	}
	d := TemplateData{Limit: limit, Cursor: cursor, Since: since}
	switch ep.style {
	case PageNumber:
		d.Page = 1
		if cursor != "" {
			n, err := strconv.Atoi(cursor)
			if err != nil || n < 1 {
				return connectors.ProfilePage{}, connectors.Errorf(connectors.CodeInternal, "list_profiles: cursor is not a page number")
			}
			d.Page = n
		}
		d.Offset = (d.Page - 1) * limit
	case PageOffset:
		if cursor != "" {
			n, err := strconv.Atoi(cursor)
			if err != nil || n < 0 {
				return connectors.ProfilePage{}, connectors.Errorf(connectors.CodeInternal, "list_profiles: cursor is not an offset")
			}
			d.Offset = n
		}
		d.Page = d.Offset/limit + 1
	}
	var at *url.URL
	if ep.style == PageLink && cursor != "" {
		u, err := c.sameHost(cursor)
		if err != nil {
			return connectors.ProfilePage{}, connectors.Errorf(connectors.CodeInternal, "list_profiles: cursor: %v", err)
		}
		at = u
	}
	doc, list, hdr, _, err := readAt(ctx, c, ep.req, ep.rd, d, at, false)
	if err != nil {
		return connectors.ProfilePage{}, err
	}
	desc := describe(ep.req.method, ep.req.pathSrc)
	// more is false when the API says the listing is over; saidMore is
	// set when it says, with has_more, that it is not.
	more, saidMore := true, false
	if ep.hasMore.IsSet() {
		b, ok, err := ep.hasMore.Bool(doc)
		if err != nil {
			return connectors.ProfilePage{}, connectors.Errorf(connectors.CodeBadResponse, "%s: pagination.has_more: %v", desc, err)
		}
		if ok {
			more, saidMore = b, b
		}
	}
	total, hasTotal, err := ep.total.Count(doc)
	if err != nil {
		return connectors.ProfilePage{}, connectors.Errorf(connectors.CodeBadResponse, "%s: pagination.total: %v", desc, err)
	}
	if len(list) > limit {
		if ep.style != PageOffset {
			return connectors.ProfilePage{}, connectors.Errorf(connectors.CodeBadResponse,
				"%s: %d records for a limit of %d (does the endpoint honour {{.Limit}}?)", desc, len(list), limit)
		}
		// The extra records are asked again with the next offset.
		list = list[:limit]
	}
	page := connectors.ProfilePage{Profiles: list, Total: total}
	switch ep.style {
	case PageCursor:
		next, _, err := ep.next.Text(doc)
		if err != nil {
			return connectors.ProfilePage{}, connectors.Errorf(connectors.CodeBadResponse, "%s: pagination.next: %v", desc, err)
		}
		if saidMore && next == "" {
			return connectors.ProfilePage{}, connectors.Errorf(connectors.CodeBadResponse, "%s: pagination.has_more is true but there is no next cursor", desc)
		}
		if more && next != "" {
			if next == cursor {
				return connectors.ProfilePage{}, connectors.Errorf(connectors.CodeBadResponse, "%s: next cursor equals the current one", desc)
			}
			page.Next = next
		}
	case PageNumber:
		// Pages are the API's: a page of n records is taken as the size
		// of every page before it, which the total check of the whole
		// listing then confirms.
		read := hasTotal && d.Page*len(list) >= total
		if more && len(list) > 0 && !read {
			page.Next = strconv.Itoa(d.Page + 1)
		}
	case PageOffset:
		read := hasTotal && d.Offset+len(list) >= total
		if more && len(list) > 0 && !read {
			page.Next = strconv.Itoa(d.Offset + len(list))
		}
	case PageLink:
		next := linkNext(hdr)
		if saidMore && next == "" {
			return connectors.ProfilePage{}, connectors.Errorf(connectors.CodeBadResponse, "%s: pagination.has_more is true but there is no Link rel=next", desc)
		}
		if more && next != "" {
			// Never follow a link off the configured host: the request
			// would carry the credentials elsewhere.
			if _, err := c.sameHost(next); err != nil {
				return connectors.ProfilePage{}, connectors.Errorf(connectors.CodeBadResponse, "%s: Link rel=next: %v", desc, err)
			}
			if next == cursor {
				return connectors.ProfilePage{}, connectors.Errorf(connectors.CodeBadResponse, "%s: Link rel=next is the current page", desc)
			}
			page.Next = next
		}
	}
	return page, nil
}

// linkNext returns the rel="next" target of an RFC 8288 Link header, or "".
func linkNext(h http.Header) string {
	for _, v := range h.Values("Link") {
		for _, part := range splitLinks(v) {
			target, params, ok := strings.Cut(part, ";")
			target = strings.TrimSpace(target)
			if !ok || !strings.HasPrefix(target, "<") || !strings.HasSuffix(target, ">") {
				continue
			}
			for _, p := range strings.Split(params, ";") {
				name, val, _ := strings.Cut(strings.TrimSpace(p), "=")
				if !strings.EqualFold(strings.TrimSpace(name), "rel") {
					continue
				}
				for _, rel := range strings.Fields(strings.Trim(strings.TrimSpace(val), `"`)) {
					if strings.EqualFold(rel, "next") {
						return target[1 : len(target)-1]
					}
				}
			}
		}
	}
	return ""
}

// splitLinks splits a Link header's comma-separated links, leaving commas
// inside <...> alone.
func splitLinks(v string) []string {
	var out []string
	depth, start := 0, 0
	for i, r := range v {
		switch r {
		case '<':
			depth++
		case '>':
			depth--
		case ',':
			if depth == 0 {
				out = append(out, v[start:i])
				start = i + 1
			}
		}
	}
	return append(out, v[start:])
}

// sameHost parses a pagination URL (absolute, or relative to the base URL)
// and checks that it stays on the base URL's scheme and host.
func (c *Connector) sameHost(raw string) (*url.URL, error) {
	u, err := c.base.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("not a URL")
	}
	if u.Scheme != c.base.Scheme || u.Host != c.base.Host || u.User != nil {
		return nil, fmt.Errorf("points off the configured host")
	}
	u.Fragment = ""
	return u, nil
}

// FindProfiles implements connectors.ProfileFinder: one request carries
// every identifier of the kinds the endpoint searches; without any, nothing
// is sent.
func (c *Connector) FindProfiles(ctx context.Context, ids []connectors.Identifier) ([]connectors.Profile, error) {
	ep := c.lookup
	if ep == nil {
		return nil, unconfigured(connectors.CapLookup)
	}
	var asked []connectors.Identifier
	for _, id := range ids {
		if id.Value != "" && slices.Contains(ep.kinds, id.Kind) && !slices.Contains(asked, id) {
			asked = append(asked, id)
		}
	}
	if len(asked) == 0 {
		return []connectors.Profile{}, nil
	}
	_, list, _, _, err := readAt(ctx, c, ep.req, ep.rd, withIdentifiers(TemplateData{}, asked), nil, false)
	if err != nil {
		return nil, err
	}
	return list, nil
}

// Orders implements connectors.OrderSource.
func (c *Connector) Orders(ctx context.Context, keys []string, w connectors.Window) ([][]connectors.Order, error) {
	if c.orders == nil {
		return nil, unconfigured(connectors.CapOrders)
	}
	return readWindowed(ctx, c, c.orders, keys, w, jsonmap.AlignOrders,
		func(o *connectors.Order, key string) { o.CustomerKey = key })
}

// Interactions implements connectors.InteractionSource.
func (c *Connector) Interactions(ctx context.Context, keys []string, w connectors.Window) ([][]connectors.Interaction, error) {
	if c.interactions == nil {
		return nil, unconfigured(connectors.CapInteractions)
	}
	return readWindowed(ctx, c, c.interactions, keys, w, jsonmap.AlignInteractions,
		func(it *connectors.Interaction, key string) { it.CustomerKey = key })
}

// windowedEP is an orders or interactions endpoint.
type windowedEP[T any] struct {
	req    *request
	perKey bool
	hasKey bool // the mapping reads the records' customer key
	rd     *jsonmap.Reader[T]
}

// readWindowed serves a windowed capability: one request for all keys, or
// one per key (then records without a customer key belong to that key).
func readWindowed[T any](ctx context.Context, c *Connector, ep *windowedEP[T], keys []string, w connectors.Window,
	align func([]string, []T, connectors.Window) [][]T, setKey func(*T, string),
) ([][]T, error) {
	if len(keys) == 0 {
		return [][]T{}, nil
	}
	d := TemplateData{Since: w.Since, Until: w.Until, Limit: w.Limit}
	if !ep.perKey {
		d.Keys = keys
		_, list, _, _, err := readAt(ctx, c, ep.req, ep.rd, d, nil, false)
		if err != nil {
			return nil, err
		}
		return align(keys, list, w), nil
	}
	out := make([][]T, len(keys))
	err := c.perKey(ctx, keys, func(ctx context.Context, i int, key string) error {
		d := d
		d.Key = key
		_, list, _, _, err := readAt(ctx, c, ep.req, ep.rd, d, nil, true)
		if err != nil {
			return err
		}
		if !ep.hasKey {
			for j := range list {
				setKey(&list[j], key)
			}
		}
		out[i] = align([]string{key}, list, w)[0]
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// described prefixes a mapping error with the endpoint.
func described(r *request, err error) error {
	ce := connectors.Classify(err)
	return connectors.Errorf(ce.Code, "%s: %w", describe(r.method, r.pathSrc), ce.Err)
}

// perKey runs fn for every key with at most MaxConcurrency in flight. The
// first failure cancels the others; perKey returns only after every fn has
// returned, so nothing uses ctx afterwards.
func (c *Connector) perKey(ctx context.Context, keys []string, fn func(ctx context.Context, i int, key string) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	n := min(c.MaxConcurrency, len(keys))
	if n < 1 {
		n = 1
	}
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		firstErr error
		next     = make(chan int)
	)
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				if ctx.Err() != nil {
					continue // a failure or the caller ended the call
				}
				if err := fn(ctx, i, keys[i]); err != nil {
					mu.Lock()
					if firstErr == nil {
						firstErr = err
						cancel()
					}
					mu.Unlock()
				}
			}
		}()
	}
feed:
	for i := range keys {
		select {
		case next <- i:
		case <-ctx.Done():
			break feed
		}
	}
	close(next)
	wg.Wait()
	if firstErr != nil {
		return firstErr
	}
	if err := ctx.Err(); err != nil {
		// The caller's context ended: some keys may be unanswered.
		if err == context.DeadlineExceeded {
			return connectors.NewError(connectors.CodeTimeout, err)
		}
		return connectors.NewError(connectors.CodeUnavailable, err)
	}
	return nil
}
