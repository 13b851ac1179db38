package connectors

import (
	"context"
	"log/slog"
	"net/http"
	"slices"
)

// Connector is one configured instance of a kind. Beyond Close it implements
// any of the capability interfaces (ProfileSource, OrderSource, ...); the
// gateway discovers them by type assertion.
type Connector interface {
	// Close releases what Provision acquired. It is called once, after the
	// last call through the connector has returned.
	Close() error
}

// Provisioner is implemented by connectors that need to acquire resources
// (connection pools, parsed templates) after their configuration is decoded.
type Provisioner interface {
	Provision(ctx context.Context, env Env) error
}

// Validator is implemented by connectors that check their decoded
// configuration. Return a *ConfigError (see Invalid) to point at a key.
type Validator interface {
	Validate() error
}

// Env is what the gateway hands a connector at provision time.
type Env struct {
	// Name is the instance name from the configuration ("crm").
	Name string
	// Logger is scoped to the instance. Never log customer data with it.
	Logger *slog.Logger
	// HTTPClient is shared by HTTP based connectors. It carries no timeout of
	// its own: the guard bounds every call through the context.
	HTTPClient *http.Client
	// BaseDir is the directory of the configuration file, for relative paths.
	BaseDir string
}

// Capability names one batch interface. The names appear in metrics labels,
// configuration and errors.
type Capability string

// The capabilities a connector may implement.
const (
	CapProfiles     Capability = "profiles"
	CapListProfiles Capability = "list_profiles"
	CapOrders       Capability = "orders"
	CapInteractions Capability = "interactions"
	CapLookup       Capability = "lookup"
	CapErase        Capability = "erase"
	CapExport       Capability = "export"
	CapEvents       Capability = "events"
)

// CapabilityReporter is implemented by connectors whose capabilities depend
// on their configuration (a rest connector serves orders only when an orders
// endpoint is configured). Capabilities then trusts the report, intersected
// with the interfaces the connector implements.
type CapabilityReporter interface {
	Capabilities() []Capability
}

// Capabilities lists the capabilities c serves, in a fixed order.
func Capabilities(c Connector) []Capability {
	implemented := implementedCapabilities(c)
	r, ok := c.(CapabilityReporter)
	if !ok {
		return implemented
	}
	reported := r.Capabilities()
	var caps []Capability
	for _, cp := range implemented {
		if slices.Contains(reported, cp) {
			caps = append(caps, cp)
		}
	}
	return caps
}

func implementedCapabilities(c Connector) []Capability {
	var caps []Capability
	if _, ok := c.(ProfileSource); ok {
		caps = append(caps, CapProfiles)
	}
	if _, ok := c.(ProfileLister); ok {
		caps = append(caps, CapListProfiles)
	}
	if _, ok := c.(OrderSource); ok {
		caps = append(caps, CapOrders)
	}
	if _, ok := c.(InteractionSource); ok {
		caps = append(caps, CapInteractions)
	}
	if _, ok := c.(ProfileFinder); ok {
		caps = append(caps, CapLookup)
	}
	if _, ok := c.(Eraser); ok {
		caps = append(caps, CapErase)
	}
	if _, ok := c.(Exporter); ok {
		caps = append(caps, CapExport)
	}
	if _, ok := c.(EventParser); ok {
		caps = append(caps, CapEvents)
	}
	if _, ok := c.(MessageSender); ok {
		caps = append(caps, CapSend)
	}
	if _, ok := c.(ThreadMessageSource); ok {
		caps = append(caps, CapMessages)
	}
	return caps
}

// ProfileSource reads profile records by native key.
type ProfileSource interface {
	// Profiles returns one entry per key: out[i] answers keys[i], nil when the
	// system has no record for that key. An error fails the whole batch.
	Profiles(ctx context.Context, keys []string) ([]*Profile, error)
}

// ProfileLister pages through every profile record of a system, for identity
// resolution.
type ProfileLister interface {
	// ListProfiles returns up to limit records after cursor ("" for the
	// first page) in a stable order, and the cursor of the next page ("" at
	// the end). A page shorter than limit is not the end: many systems
	// cap their pages below what is asked. Next is "" only when the system
	// says the listing is over (an empty page, no next cursor or link, a
	// has-more flag false, its reported total reached), and each record is
	// listed once.
	ListProfiles(ctx context.Context, cursor string, limit int) (ProfilePage, error)
}

// Page sizes of ProfileLister listings.
const (
	// DefaultListPageSize is the limit the gateway asks of a lister that
	// does not say its own (see ListPageSizer).
	DefaultListPageSize = 100
	// MaxListPageSize bounds a configured page size: a page is held in
	// memory whole, and no API we know serves more in one.
	MaxListPageSize = 1000
)

// ListPageSizer is implemented by listers whose page size is configured
// (the built-in kinds' list_profiles.page_size): the gateway asks each
// ListProfiles call for ListPageSize records. Listers without it are asked
// for DefaultListPageSize.
type ListPageSizer interface {
	// ListPageSize returns the page size, 1 to MaxListPageSize; 0 means
	// DefaultListPageSize.
	ListPageSize() int
}

// ListPageSize returns the page size the gateway asks of lister c: its
// own (see ListPageSizer) when in range, DefaultListPageSize otherwise.
func ListPageSize(c Connector) int {
	if s, ok := c.(ListPageSizer); ok {
		if n := s.ListPageSize(); n > 0 && n <= MaxListPageSize {
			return n
		}
	}
	return DefaultListPageSize
}

// CheckPageSize validates a configured page size at key ("list_profiles.page_size"):
// 0 (unset: DefaultListPageSize) or 1 to MaxListPageSize. For Validate.
func CheckPageSize(key string, n int) error {
	if n < 0 || n > MaxListPageSize {
		return Invalid(key, "must be between 1 and %d (default %d)", MaxListPageSize, DefaultListPageSize)
	}
	return nil
}

// OrderSource reads orders and purchases by the customer's native key.
type OrderSource interface {
	// Orders returns out[i], the orders of keys[i] inside w, newest first and
	// at most w.Limit of them. A key without orders gets an empty slice.
	Orders(ctx context.Context, keys []string, w Window) ([][]Order, error)
}

// InteractionSource reads messages, tickets, calls, e-mail events and visits
// by the customer's native key.
type InteractionSource interface {
	// Interactions returns out[i], the interactions of keys[i] inside w,
	// newest first and at most w.Limit of them.
	Interactions(ctx context.Context, keys []string, w Window) ([][]Interaction, error)
}

// ProfileFinder finds profile records by identifier (an e-mail address, a
// phone number), for systems that can search but not list, so identity
// resolution can use them.
type ProfileFinder interface {
	// FindProfiles returns every record matching any of ids, in any order,
	// each at most once. The answer is not aligned with ids: the gateway
	// normalises the records' identifier fields and matches them itself. A
	// system that finds nothing returns an empty slice; an error fails the
	// whole batch.
	FindProfiles(ctx context.Context, ids []Identifier) ([]Profile, error)
}
