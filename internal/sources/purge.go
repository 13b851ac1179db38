package sources

// Purge drops the last good values of the native keys ids name (see
// Options.PurgeID) and keeps them out for a while, so that a read that
// began before the purge does not keep them again. An erasure purges the
// person's keys this way on every replica; the read cache is purged by
// its backend. It returns how many values it dropped.
func (s *Source) Purge(ids []string) int {
	if len(ids) == 0 {
		return 0
	}
	return s.stale.purge(ids)
}

// PurgeID names a native key of this source in purges, "" when purges are
// not indexed (no Options.PurgeID).
func (s *Source) PurgeID(key string) string {
	if s.opts.PurgeID == nil {
		return ""
	}
	return s.opts.PurgeID(s.name, key)
}
