package identityeval

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"text/tabwriter"
	"time"
)

// WriteTable prints the evaluation: the population, one line per run,
// false pairs per trap class and run, recall per noise tag, the baseline's
// reading per system, its cost, and a few false merges by system and key.
// It prints no names, e-mails or numbers.
func (r *Result) WriteTable(out io.Writer) error {
	w := &printer{w: out}
	w.printf("population: seed %d, %d people, %d records (", r.Seed, r.People, r.Records)
	for i, s := range Systems() {
		if i > 0 {
			w.printf(", ")
		}
		w.printf("%s %d", s, r.BySystem[s])
	}
	w.printf("), %d promised pairs\n", r.Promised)
	if r.HonestPaging {
		w.printf("systems paging honestly (every page in full, no caps): a diagnostic, not the harness's systems\n")
	}

	tw := w.table()
	tw.printf("\nrun\tsyncs\tshown\tanswered\tread\tlinked\tcustomers\tpairs\tfalse pairs\tprecision\tpromised\tjoined\trecall\tall pairs\trecall (all)\tpeople split\tdiffer\t\n")
	for _, run := range r.Runs {
		var shown, answered, read int
		for _, s := range run.Outcome.Syncs {
			shown += s.Visible
			answered += s.Answered
			read += s.Report.Records
		}
		sc := run.Score
		differ := "-"
		if run != r.Baseline() {
			differ = fmt.Sprint(run.Differ)
		}
		tw.printf("%s\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%.4f\t%d\t%d\t%.4f\t%d\t%.4f\t%d\t%s\t\n", run.Name, len(run.Outcome.Syncs),
			shown, answered, read, sc.Linked, sc.Customers, sc.Pairs, sc.FalsePairs, sc.Precision(), sc.Promised, sc.Joined,
			sc.Recall(), sc.OnePerson, ratio(sc.TruePairs, sc.OnePerson), sc.PeopleSplit, differ)
	}
	w.flush(tw)
	w.printf("(shown, answered, read: summed over a run's syncs; all pairs: pairs of records of one person, promised or not;\n differ: records whose group is not the single sync's)\n")

	w.printf("\nfalse pairs (two people in one customer) by trap class\n")
	tw = w.table()
	tw.printf("class\tinstances\tpeople\t")
	for _, run := range r.Runs {
		tw.printf("%s\t", run.Name)
	}
	tw.printf("\n")
	for _, class := range append(TrapClasses(), ClassOther) {
		c := r.Traps[class]
		if c == nil {
			c = &TrapCount{}
		}
		tw.printf("%s\t%d\t%d\t", class, c.Instances, c.People)
		for _, run := range r.Runs {
			tw.printf("%d\t", run.Score.FalseByClass[class])
		}
		tw.printf("\n")
	}
	w.flush(tw)

	base := r.Baseline()
	w.printf("\nrecall on promised pairs by the noise of their person's records (single sync)\n")
	tw = w.table()
	tw.printf("noise\tpromised\tjoined\trecall\t\n")
	for _, tag := range NoiseTags() {
		if c := base.Score.ByNoise[tag]; c != nil {
			tw.printf("%s\t%d\t%d\t%.4f\t\n", tag, c.Promised, c.Joined, ratio(c.Joined, c.Promised))
		}
	}
	w.flush(tw)

	w.printf("\nrecords read per system (single sync)\n")
	tw = w.table()
	tw.printf("system\tshown\tanswered\tpages\t\n")
	sync := base.Outcome.Syncs[0]
	for _, s := range sync.Systems {
		tw.printf("%s\t%d\t%d\t%d\t\n", s.Name, s.Visible, s.Answered, s.Pages)
	}
	w.flush(tw)
	rep := sync.Report
	w.printf("sync report: read %d, invalid %d, blocked %d, shared %d, refused %d %s, customers %d, links %d, failed sources %v\n",
		rep.Records, rep.Invalid, rep.Blocked, rep.Shared, rep.Refused, byReason(rep.RefusedBy), rep.Customers, rep.Identities, rep.FailedNames())
	for _, run := range r.Runs {
		if syncs := run.Outcome.Syncs; len(syncs) > 1 {
			var merged, moved, kept int
			for _, s := range syncs {
				merged, moved, kept = merged+s.Report.Merged, moved+s.Report.Moved, kept+s.Report.KeptApart
			}
			w.printf("%s: %d syncs merged %d customers, moved %d identities, kept %d apart\n", run.Name, len(syncs), merged, moved, kept)
		}
	}
	w.printf("\n")

	r.writeCost(w)
	if ex := base.Score.Examples; len(ex) > 0 {
		w.printf("\nfalse merges of the single sync, for instance:\n")
		for _, e := range ex {
			w.printf("  %s\n", e)
		}
	}
	return w.err
}

// writeCost prints the baseline sync's time and memory and the
// read-back's time.
func (r *Result) writeCost(w *printer) {
	base := r.Baseline()
	s := base.Outcome.Syncs[0]
	w.printf("sync of %d records: %s (%.0f records/s); heap %s before, %s at peak; peak runtime memory %s; max RSS %s (the whole process: systems, store, gateway)\n",
		s.Report.Records, s.Duration.Round(time.Millisecond), float64(s.Report.Records)/s.Duration.Seconds(),
		mib(s.Memory.StartHeap), mib(s.Memory.PeakHeap), mib(s.Memory.PeakTotal), mib(s.Memory.MaxRSS))
	if rb := base.Outcome.ReadBack; rb != nil {
		w.printf("read-back through customersByIdentifiers: %d calls of up to %d, total %s (%s per record); per call p50 %s, p95 %s, max %s; %d differ from the store, %d errors\n",
			rb.Calls, readBackBatch, rb.Total.Round(time.Millisecond), (rb.Total / time.Duration(max(1, r.Records))).Round(time.Microsecond),
			rb.P50.Round(time.Microsecond), rb.P95.Round(time.Microsecond), rb.Max.Round(time.Microsecond), rb.Differ, rb.Errors)
	}
}

// byReason writes counts by reason, sorted: "(emails_differ 3, names_disagree 5)".
func byReason(m map[string]int) string {
	if len(m) == 0 {
		return "()"
	}
	keys := slices.Sorted(maps.Keys(m))
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s %d", k, m[k])
	}
	return "(" + strings.Join(parts, ", ") + ")"
}

func mib(b uint64) string {
	if b == 0 {
		return "n/a"
	}
	return strings.TrimSuffix(fmt.Sprintf("%.1f", float64(b)/(1<<20)), ".0") + " MiB"
}

// printer writes and keeps the first error, so that a table is written
// without checking each line.
type printer struct {
	w   io.Writer
	tw  *tabwriter.Writer // set for a table
	err error
}

func (p *printer) printf(format string, args ...any) {
	if p.err == nil {
		_, p.err = fmt.Fprintf(p.w, format, args...)
	}
}

// table starts a right-aligned table written to p; flush ends it.
func (p *printer) table() *printer {
	tw := tabwriter.NewWriter(p.w, 0, 0, 2, ' ', tabwriter.AlignRight)
	return &printer{w: tw, tw: tw}
}

func (p *printer) flush(t *printer) {
	if err := t.tw.Flush(); t.err == nil {
		t.err = err
	}
	if p.err == nil {
		p.err = t.err
	}
}
