package bench

import (
	"fmt"
	"strings"
	"testing"

	"github.com/crumbhq/crumb/internal/variedcorpus"
)

func loadVaried(tb testing.TB) []variedcorpus.Session {
	tb.Helper()
	s, err := variedcorpus.Load(VariedCorpusPath)
	if err != nil {
		tb.Fatal(err)
	}
	return s
}

// TestCorpusSizes prints the size table of the varied corpus (run with -v):
//
//	cd bench && go test -run TestCorpusSizes -v
func TestCorpusSizes(t *testing.T) {
	sz, err := NewSizer()
	if err != nil {
		t.Fatal(err)
	}
	defer sz.Close()
	sizes, err := sz.MeasureAll(loadVaried(t))
	if err != nil {
		t.Fatal(err)
	}
	// Deterministic but for gob: a second run (new keys, new nonces) gives
	// the same crumb and JSON sizes; gob's move with Go's map order by at
	// most 2% (see gobRuns).
	again, err := sz.MeasureAll(loadVaried(t))
	if err != nil {
		t.Fatal(err)
	}
	for i := range sizes {
		a, b := sizes[i], again[i]
		if d := a.Gob - b.Gob; d*50 > a.Gob || -d*50 > a.Gob {
			t.Errorf("%s: gob sizes %d and %d", a.ID, a.Gob, b.Gob)
		}
		a.Gob, b.Gob = 0, 0
		if a != b {
			t.Errorf("sizes differ between runs: %+v, %+v", a, b)
		}
	}
	var b strings.Builder
	WriteSizeTable(&b, Summarize(sizes))
	if testing.Verbose() {
		fmt.Print(b.String())
	}
}

// BenchmarkCorpusSize reports cookie sizes on the varied corpus
// (testdata/corpus/varied-v1.jsonl), per category and for "all", as custom
// metrics: medians of crumb's (default codec), crumb's uncompressed,
// gorilla/securecookie gob's and JSON's cookie value lengths, the payload's
// JSON bytes, and the median per-session crumb/gob ratio in percent. The
// sizes are computed once, and are the same in every run; an op is crumb's
// Store.Create of every session of the group (default codec), so ns/op is
// the time to create the group's cookies.
func BenchmarkCorpusSize(b *testing.B) {
	sz, err := NewSizer()
	if err != nil {
		b.Fatal(err)
	}
	defer sz.Close()
	sessions := loadVaried(b)
	sizes, err := sz.MeasureAll(sessions)
	if err != nil {
		b.Fatal(err)
	}
	for _, s := range Summarize(sizes) {
		var group []variedcorpus.Session
		for _, x := range sessions {
			if s.Name == "all" || x.Category == s.Name {
				group = append(group, x)
			}
		}
		b.Run(metricName(s.Name), func(b *testing.B) {
			for b.Loop() {
				for _, x := range group {
					if _, err := sz.CrumbCreate(x.Session); err != nil {
						b.Fatal(err)
					}
				}
			}
			b.ReportMetric(float64(s.N), "sessions")
			b.ReportMetric(s.JSON, "json-bytes")
			b.ReportMetric(s.Crumb, "crumb-chars")
			b.ReportMetric(s.CrumbOff, "off-chars")
			b.ReportMetric(s.Gob, "gob-chars")
			b.ReportMetric(s.GJSON, "gjson-chars")
			b.ReportMetric(100*s.CrumbGob, "crumb/gob-%")
			b.ReportMetric(float64(s.CrumbOver), "crumb-over-4k")
			b.ReportMetric(float64(s.GobOver), "gob-over-4k")
		})
	}
}
