package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	in := `goos: linux
cpu: AMD EPYC
BenchmarkToken/seal/small-2   	 100	 900.0 ns/op	 303.0 chars	 560 B/op	 2 allocs/op
BenchmarkToken/seal/small-2   	 100	 700.0 ns/op	 303.0 chars	 560 B/op	 2 allocs/op
BenchmarkToken/seal/small-2   	 100	 800.0 ns/op	 303.0 chars	 560 B/op	 2 allocs/op
BenchmarkFloor/open/large-16  	 10	 7000 ns/op	 6144 B/op	 1 allocs/op
PASS
`
	res, cpu, err := parse(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	if cpu != "AMD EPYC" {
		t.Errorf("cpu %q", cpu)
	}
	s := res["Token/seal/small"]
	if s["ns/op"] != 800 || s["chars"] != 303 || s["allocs/op"] != 2 {
		t.Errorf("Token/seal/small: %v", s)
	}
	if res["Floor/open/large"]["ns/op"] != 7000 {
		t.Errorf("GOMAXPROCS suffix not stripped: %v", res)
	}
	if _, _, err := parse(strings.NewReader("BenchmarkX-2 1 abc ns/op\n")); err == nil {
		t.Error("malformed value accepted")
	}

	// The load test's lines: custom units, one with a non-ASCII character.
	res, _, err = parse(strings.NewReader("BenchmarkLoad/crumb-read-2\t21522\t46464 ns/op\t21522 req/s\t4526.5 p99-µs\t0.734 rel-req/s\t1.069 rel-p99\n"))
	if err != nil {
		t.Fatal(err)
	}
	if l := res["Load/crumb-read"]; l["req/s"] != 21522 || l["p99-µs"] != 4526.5 || l["rel-req/s"] != 0.734 || l["rel-p99"] != 1.069 {
		t.Errorf("Load/crumb-read: %v", l)
	}
}

// TestParseRounds: make bench runs in rounds (scripts/bench-rounds.sh), so
// each benchmark's samples are spread over the input, between the headers,
// "ok" lines and round markers of several go test runs.
func TestParseRounds(t *testing.T) {
	// The machine slows down and speeds up between rounds; within each,
	// gob takes 6 times crumb's time.
	var in strings.Builder
	for round, ns := range []int{300, 100, 200} {
		fmt.Fprintf(&in, "# round %d of 3: go test -bench CreateRead ./cookie\ngoos: linux\ncpu: AMD EPYC\n", round+1)
		fmt.Fprintf(&in, "BenchmarkCreateRead/crumb/medium-2 100 %d ns/op\nBenchmarkCreateRead/gorilla-gob/medium-2 100 %d ns/op\nPASS\nok  \tgithub.com/crumbhq/crumb/cookie\t12.3s\n", ns, 6*ns)
	}
	// After the rounds: a run outside them, in no round.
	in.WriteString("BenchmarkFlood-2 1 5 ns/op\n")
	res, _, err := parse(strings.NewReader(in.String()))
	if err != nil {
		t.Fatal(err)
	}
	if r := res["CreateRead/crumb/medium"]; r["ns/op"] != 200 || r["ns/op@min"] != 100 || r["ns/op@max"] != 300 || r["ns/op#1"] != 300 || r["ns/op#3"] != 200 {
		t.Errorf("CreateRead/crumb/medium over three rounds: %v, want median 200, min 100, max 300, round 1 300, round 3 200", r)
	}
	if _, ok := res["Flood"]["ns/op#3"]; ok {
		t.Errorf("a run after the rounds is counted in the last round: %v", res["Flood"])
	}
	worst, how := everyRun(res, "CreateRead/gorilla-gob/medium", "CreateRead/crumb/medium")
	if worst != 6 || !strings.Contains(how, "lowest of 3 rounds") || !strings.Contains(how, "2.00×") {
		t.Errorf("everyRun with rounds: %v, %q; want 6 (within rounds), and the 2.00× across rounds shown", worst, how)
	}

	// Without rounds (-count 3): gob's fastest against crumb's slowest.
	plain := strings.NewReplacer("# round", "# not a round").Replace(in.String())
	res, _, err = parse(strings.NewReader(plain))
	if err != nil {
		t.Fatal(err)
	}
	if worst, how := everyRun(res, "CreateRead/gorilla-gob/medium", "CreateRead/crumb/medium"); worst != 2 || strings.Contains(how, "rounds") {
		t.Errorf("everyRun without rounds: %v, %q; want 2, the extremes", worst, how)
	}
	if _, _, err := parse(strings.NewReader("# round x of 3\n")); err == nil {
		t.Error("a malformed round line accepted")
	}
}

// TestParseWithoutCPUSuffix: with GOMAXPROCS=1, go test writes no "-N"
// suffix, and names with dashes of their own must stay apart.
func TestParseWithoutCPUSuffix(t *testing.T) {
	in := "BenchmarkCompare/small/crumb-dict 10 5000 ns/op\nBenchmarkCompare/small/gorilla-gob 10 9000 ns/op\nBenchmarkCompare/small/gorilla-json-2 10 7000 ns/op\n"
	res, _, err := parse(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]float64{"Compare/small/crumb-dict": 5000, "Compare/small/gorilla-gob": 9000, "Compare/small/gorilla-json": 7000} {
		if got := res[name]["ns/op"]; got != want {
			t.Errorf("%s: %v, want %v (%v)", name, got, want, res)
		}
	}
}

func TestCorpusSection(t *testing.T) {
	var b strings.Builder
	p := func(format string, a ...any) { fmt.Fprintf(&b, format+"\n", a...) }
	corpusSection(p, map[string]result{})
	if b.Len() != 0 {
		t.Errorf("section written without CorpusSize results: %q", b.String())
	}
	res, _, err := parse(strings.NewReader("BenchmarkCorpusSize/cart-2 1 9 ns/op 826.0 crumb-chars 37.40 crumb/gob-% 2248 gob-chars 18.00 sessions\n" +
		"BenchmarkCorpusSize/all-2 1 9 ns/op 775.0 crumb-chars 44.88 crumb/gob-% 1960 gob-chars 252.0 sessions\n"))
	if err != nil {
		t.Fatal(err)
	}
	corpusSection(p, res)
	for _, want := range []string{"| cart | 18 | 0 | 826 | 0 | 2248 | 0 | 37% |", "| **all** | 252 | 0 | 775 | 0 | 1960 | 0 | 45% |"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("missing %q in\n%s", want, b.String())
		}
	}
	if strings.Index(b.String(), "| cart") > strings.Index(b.String(), "| **all**") {
		t.Error("all is not last")
	}
}

// TestComposition: the issue 17 rows and tables read the names
// BenchmarkComposition and BenchmarkCompositionOps write, and the ratios
// are to the naive composition.
func TestComposition(t *testing.T) {
	var in strings.Builder
	shapes := []string{"small", "medium", "large"}
	for _, kind := range compositionKinds {
		for _, s := range shapes {
			for i, l := range compositionLibs {
				// naive 1000 ns, crumb 1200, crumb-off 1400, gorilla-json 3000, gorilla-gob 5000.
				ns := map[int]int{0: 1000, 1: 1200, 2: 1400, 3: 3000, 4: 5000}[i]
				fmt.Fprintf(&in, "BenchmarkComposition/%s/%s/%s-2 10 %d ns/op %d chars 100 B/op 3 allocs/op\n", kind, s, l.name, ns, 100+i)
			}
		}
	}
	for _, s := range shapes {
		for _, lib := range []string{"naive", "crumb", "crumb-off"} {
			fmt.Fprintf(&in, "BenchmarkCompositionOps/%s/%s/create-2 10 500 ns/op 5 allocs/op\n", s, lib)
			fmt.Fprintf(&in, "BenchmarkCompositionOps/%s/%s/read-2 10 700 ns/op 9 allocs/op\n", s, lib)
		}
	}
	res, _, err := parse(strings.NewReader(in.String()))
	if err != nil {
		t.Fatal(err)
	}
	get := func(name, unit string) float64 {
		r, ok := res[name]
		if !ok {
			t.Fatalf("benchmark %s missing", name)
		}
		return r[unit]
	}
	var out strings.Builder
	p := func(format string, a ...any) { fmt.Fprintf(&out, format+"\n", a...) }
	verdict := func(ok bool) string { return map[bool]string{true: "met", false: "missed"}[ok] }
	compositionTargets(p, get, verdict)
	composition(p, get, func(v float64) string { return fmt.Sprintf("%.0f ns", v) }, shapes)
	for _, want := range []string{
		"typed small 1.20×, typed medium 1.20×, map small 1.20×, map medium 1.20× | met |",
		"| small 2.50×, medium 2.50× (the naive composition: small 3.00×, medium 3.00×) | met |",
		"| crumb, default codec | 1200 ns | 1.20× | 1200 ns | 1.20× | 1200 ns | 1.20× | 101 / 101 / 101 |",
		"| small | 500 ns | 500 ns | 500 ns | 700 ns | 700 ns | 700 ns | 5 / 9 |",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}

	// gorilla JSON at 2000 ns: crumb (1200) misses 2×, and so would the
	// naive composition (1000), which the row says.
	out.Reset()
	slower := func(name, unit string) float64 {
		if strings.HasSuffix(name, "/gorilla-json") {
			return 2000
		}
		return get(name, unit)
	}
	compositionTargets(p, slower, verdict)
	want := "| small 1.67×, medium 1.67× (the naive composition: small 2.00×, medium 2.00×) | missed: the naive composition itself is only small 2.00×, medium 2.00× faster"
	if !strings.Contains(out.String(), want) {
		t.Errorf("output lacks %q:\n%s", want, out.String())
	}
}

// TestProfilesSection keeps pprof's table and drops its preamble.
func TestProfilesSection(t *testing.T) {
	f := filepath.Join(t.TempDir(), "p.txt")
	top := "File: x.test\nBuild ID: 1\nType: cpu\nShowing nodes accounting for 1s, 100% of 1s total\nDropped 3 nodes (cum <= 0.01s)\n      flat  flat%   sum%        cum   cum%\n        1s   100%   100%         1s   100%  main.f\n"
	if err := os.WriteFile(f, []byte(top), 0o600); err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	p := func(format string, a ...any) { fmt.Fprintf(&b, format+"\n", a...) }
	if err := profilesSection(p, []string{"Store.Create, small=" + f}); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{"### Store.Create, small", "Showing nodes accounting", "main.f"} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %q in\n%s", want, out)
		}
	}
	for _, bad := range []string{"Build ID", "Dropped"} {
		if strings.Contains(out, bad) {
			t.Errorf("%q kept in\n%s", bad, out)
		}
	}
	if err := profilesSection(p, []string{"no-equals"}); err == nil {
		t.Error("a pair without = accepted")
	}
}

// TestTokenFloorTarget: the token row is judged on the interleaved ratios
// of BenchmarkTokenFloor, the worst payload deciding, and shows the ratio
// of the separate benchmarks beside them.
func TestTokenFloorTarget(t *testing.T) {
	shapes := []string{"small", "medium", "large"}
	run := func(openSmall float64) string {
		var in strings.Builder
		for _, s := range shapes {
			fmt.Fprintf(&in, "BenchmarkToken/seal/%s-2 10 1000 ns/op\nBenchmarkFloor/seal/%s-2 10 1000 ns/op\n", s, s)
			fmt.Fprintf(&in, "BenchmarkToken/open/%s-2 10 1400 ns/op\nBenchmarkFloor/open/%s-2 10 1000 ns/op\n", s, s)
			fmt.Fprintf(&in, "BenchmarkTokenFloor/seal/%s-2 10 99 ns/op 900 floor-ns/op 990 token-ns/op 1.1 token/floor\n", s)
			o := 1.2
			if s == "small" {
				o = openSmall
			}
			fmt.Fprintf(&in, "BenchmarkTokenFloor/open/%s-2 10 99 ns/op 500 floor-ns/op 600 token-ns/op %g token/floor\n", s, o)
		}
		res, _, err := parse(strings.NewReader(in.String()))
		if err != nil {
			t.Fatal(err)
		}
		get := func(name, unit string) float64 {
			v, ok := res[name][unit]
			if !ok {
				t.Fatalf("%s %s missing", name, unit)
			}
			return v
		}
		var out strings.Builder
		p := func(format string, a ...any) { fmt.Fprintf(&out, format+"\n", a...) }
		tokenFloorTarget(p, get, func(ok bool) string { return map[bool]string{true: "met", false: "missed"}[ok] }, shapes)
		return out.String()
	}
	if got, want := run(1.25), "seal ≤ 1.10×, open ≤ 1.25× (the two alternating in one benchmark; separate benchmarks: seal ≤ 1.00×, open ≤ 1.40×) | met |"; !strings.Contains(got, want) {
		t.Errorf("got %q, want it to contain %q", got, want)
	}
	if got, want := run(1.31), "open ≤ 1.31× (the two alternating in one benchmark; separate benchmarks: seal ≤ 1.00×, open ≤ 1.40×) | missed |"; !strings.Contains(got, want) {
		t.Errorf("got %q, want it to contain %q", got, want)
	}
}
