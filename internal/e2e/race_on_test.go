//go:build race

package e2e

// raceEnabled is true under the race detector, which slows the embedded
// FerretDB (it runs in the test process) about sixfold.
const raceEnabled = true
