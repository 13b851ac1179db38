package simhttp

import (
	"hash/fnv"
	"strconv"
)

// Line picks one of lines for the i-th message of thread id: the same
// every time, so that the simulators' transcripts are deterministic.
func Line(lines []string, id string, i int) string {
	h := fnv.New32a()
	_, _ = h.Write([]byte(id + "\x00" + strconv.Itoa(i)))
	return lines[h.Sum32()%uint32(len(lines))] // #nosec G115 -- a short list's length
}
