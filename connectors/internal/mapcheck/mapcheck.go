// Package mapcheck switches how the jsonmap readers read responses, for the
// tests of the connector kinds: the one-pass reader (the default), the
// general path alone (decode the whole document, then map it), or both,
// compared, with every difference counted. It is internal to connectors:
// nothing outside the SDK's own tests sets it.
package mapcheck

import "sync/atomic"

// Mode is how the readers read.
type Mode int32

// Modes.
const (
	Direct  Mode = iota // the one-pass reader, the general path when it cannot
	General             // the general path only
	Compare             // both; a difference is an error and counted
)

var (
	mode       atomic.Int32
	mismatches atomic.Int64
	direct     atomic.Int64
)

// Current returns the mode.
func Current() Mode { return Mode(mode.Load()) }

// Set sets the mode and returns a function that restores the previous one.
func Set(m Mode) (restore func()) {
	old := mode.Swap(int32(m))
	return func() { mode.Store(old) }
}

// Mismatch counts a read whose two paths differed.
func Mismatch() { mismatches.Add(1) }

// Mismatches returns how many reads differed.
func Mismatches() int64 { return mismatches.Load() }

// CountDirect counts a read (in mode Compare) the one-pass reader completed.
func CountDirect() { direct.Add(1) }

// Directs returns how many reads the one-pass reader completed in mode
// Compare, so that tests can check it did read.
func Directs() int64 { return direct.Load() }
