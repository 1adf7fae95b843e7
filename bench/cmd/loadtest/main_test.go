package main

import (
	"testing"
	"time"

	"github.com/crumbhq/crumb/bench"
)

// TestCases runs every case briefly: each server answers 200 with its
// session, so `make bench` does not fail half-way through.
func TestCases(t *testing.T) {
	for _, s := range bench.Shapes() {
		cases, err := buildCases(s.Value)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range cases {
			r, err := run(c, 2, 0, 50*time.Millisecond)
			if err != nil || r.n == 0 || r.p99 <= 0 {
				t.Errorf("%s/%s: %+v, %v", s.Name, c.name, r, err)
			}
		}
	}
}
