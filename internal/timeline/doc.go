// Package timeline merges the time-ordered streams of every source (orders,
// interactions) into one journey, newest first, and pages through it with
// opaque cursors that hold a position per stream. A page of n entries asks
// each stream for at most n+1 items from its own position, never for whole
// histories; a stream that fails leaves a gap and keeps its position.
package timeline
