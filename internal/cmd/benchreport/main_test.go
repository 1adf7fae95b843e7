package main

import (
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
}
