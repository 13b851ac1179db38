//go:build !race

package e2e

// raceEnabled is true under the race detector.
const raceEnabled = false
