package identityeval

import "syscall"

// maxRSS is the process's peak resident set in bytes (getrusage's
// ru_maxrss, in KiB on Linux).
func maxRSS() uint64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil || ru.Maxrss < 0 {
		return 0
	}
	return uint64(ru.Maxrss) * 1024
}
