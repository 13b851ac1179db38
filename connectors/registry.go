package connectors

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"sync"
)

// Kind describes a connector kind: how to make a blank instance of it.
type Kind struct {
	// ID names the kind in configuration ("rest"). Lower case letters,
	// digits, '_' and '-'.
	ID string
	// Doc is one line shown by `harmony connectors list`.
	Doc string
	// New returns a blank instance: a pointer to a struct whose exported,
	// yaml-tagged fields are the kind's configuration. It has no side
	// effects; resources are acquired in Provision.
	New func() Connector
}

var (
	registryMu sync.RWMutex
	registry   = map[string]Kind{}
	kindID     = regexp.MustCompile(`^[a-z][a-z0-9_-]*$`)
)

// Register adds a kind. It fails on an invalid or duplicate ID.
func Register(k Kind) error {
	if !kindID.MatchString(k.ID) {
		return fmt.Errorf("connector kind id %q: must match %s", k.ID, kindID)
	}
	if k.New == nil {
		return fmt.Errorf("connector kind %q: New is nil", k.ID)
	}
	registryMu.Lock()
	defer registryMu.Unlock()
	if _, dup := registry[k.ID]; dup {
		return fmt.Errorf("connector kind %q: already registered", k.ID)
	}
	registry[k.ID] = k
	return nil
}

// MustRegister is Register for init functions: it panics on error, so a
// duplicate kind stops the program before it serves anything.
func MustRegister(k Kind) {
	if err := Register(k); err != nil {
		panic(err)
	}
}

// Lookup returns the kind with the given ID.
func Lookup(id string) (Kind, bool) {
	registryMu.RLock()
	defer registryMu.RUnlock()
	k, ok := registry[id]
	return k, ok
}

// Kinds returns every registered kind, sorted by ID.
func Kinds() []Kind {
	registryMu.RLock()
	defer registryMu.RUnlock()
	out := make([]Kind, 0, len(registry))
	for _, k := range registry {
		out = append(out, k)
	}
	slices.SortFunc(out, func(a, b Kind) int { return strings.Compare(a.ID, b.ID) })
	return out
}

// KindIDs returns the registered IDs, sorted, for error messages.
func KindIDs() []string {
	var ids []string
	for _, k := range Kinds() {
		ids = append(ids, k.ID)
	}
	return ids
}

// KindCapabilities lists the capabilities instances of k can serve, given
// the configuration for them: the capability interfaces its type
// implements, in the fixed order of Capabilities.
func KindCapabilities(k Kind) []Capability {
	return implementedCapabilities(k.New())
}
