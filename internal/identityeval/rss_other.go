//go:build !linux

package identityeval

// maxRSS is unknown here: ru_maxrss units differ between systems.
func maxRSS() uint64 { return 0 }
