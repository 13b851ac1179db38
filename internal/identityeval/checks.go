package identityeval

import "fmt"

// MinRecall is the recall on promised pairs a run must reach.
const MinRecall = 0.995

// Failures lists what the evaluation promises and its runs do not give:
// a false merge in any trap class, recall on promised pairs below
// MinRecall, a record grouped otherwise than by the single sync, a record
// shown and not read, a record the store does not know, a read-back that
// disagrees with the store. None when all hold.
func (r *Result) Failures() []string {
	var out []string
	for _, run := range r.Runs {
		sc := run.Score
		for _, class := range append(TrapClasses(), ClassOther) {
			if n := sc.FalseByClass[class]; n > 0 {
				out = append(out, fmt.Sprintf("%s: %d false pairs in trap class %s, want none", run.Name, n, class))
			}
		}
		if rc := sc.Recall(); rc < MinRecall {
			out = append(out, fmt.Sprintf("%s: recall %.4f on %d promised pairs, want at least %.3f", run.Name, rc, sc.Promised, MinRecall))
		}
		if run != r.Baseline() && run.Differ > 0 {
			out = append(out, fmt.Sprintf("%s: %d records grouped otherwise than by the single sync, want none", run.Name, run.Differ))
		}
		for i, s := range run.Outcome.Syncs {
			if s.Report.Records != s.Visible || s.Answered != s.Visible {
				out = append(out, fmt.Sprintf("%s, sync %d: the systems showed %d records and answered %d, the sync read %d; want every one read",
					run.Name, i+1, s.Visible, s.Answered, s.Report.Records))
			}
		}
		if sc.Linked != sc.Records {
			out = append(out, fmt.Sprintf("%s: the store knows %d of %d records, want every one", run.Name, sc.Linked, sc.Records))
		}
		if rb := run.Outcome.ReadBack; rb != nil && (rb.Differ > 0 || rb.Errors > 0) {
			out = append(out, fmt.Sprintf("%s: read-back through the GraphQL API: %d records differ from the store, %d errors; want none",
				run.Name, rb.Differ, rb.Errors))
		}
	}
	return out
}
