package identityeval

import "math/rand/v2"

// differingRecords counts the records whose group (the set of records in
// its customer) is not the same in a and b, two partitions by record ID.
// Customer IDs may differ: only the grouping counts. A record the store
// does not know is a group of its own.
func differingRecords(a, b []string) int {
	ha, hb := groupHashes(a), groupHashes(b)
	n := 0
	for i := range ha {
		if ha[i] != hb[i] {
			n++
		}
	}
	return n
}

// groupHashes gives each record the sum of its group's members' random
// 64-bit labels: equal sums mean equal groups, but for a collision with
// odds of about 2⁻⁶⁴.
func groupHashes(customer []string) []uint64 {
	rng := rand.New(rand.NewPCG(1, 2)) //nolint:gosec // G404: labels for a checksum, not secrets
	label := make([]uint64, len(customer))
	for i := range label {
		label[i] = rng.Uint64()
	}
	sum := map[string]uint64{}
	for i, c := range customer {
		if c != "" {
			sum[c] += label[i]
		}
	}
	out := make([]uint64, len(customer))
	for i, c := range customer {
		if c == "" {
			out[i] = label[i]
		} else {
			out[i] = sum[c]
		}
	}
	return out
}
