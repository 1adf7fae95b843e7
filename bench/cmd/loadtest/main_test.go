package main

import (
	"net/http/httptest"
	"os"
	"runtime"
	"strings"
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

// TestMain lets split mode re-execute the test binary as its -serve and
// -drive processes: with LOADTEST_MAIN=1 the binary is the command.
func TestMain(m *testing.M) {
	if os.Getenv("LOADTEST_MAIN") == "1" {
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// TestDrive: the raw client gets every case's 200 responses (crumb-write's
// carry a Set-Cookie) and refuses anything else.
func TestDrive(t *testing.T) {
	cases, err := buildCases(bench.Shapes()[1].Value)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cases {
		srv := httptest.NewServer(c.h)
		r, err := drive(srv.Listener.Addr().String(), c.cookie, 2, 0, 50*time.Millisecond)
		if err != nil || r.n == 0 || r.p99 <= 0 {
			t.Errorf("%s: %+v, %v", c.name, r, err)
		}
		// Without the cookie, the read cases answer 500: the client must say so.
		if strings.HasSuffix(c.name, "-read") {
			if _, err := drive(srv.Listener.Addr().String(), "x=y", 1, 0, 20*time.Millisecond); err == nil || !strings.Contains(err.Error(), "500") {
				t.Errorf("%s without its cookie: %v, want the 500 reported", c.name, err)
			}
		}
		srv.Close()
	}
}

// TestSplit runs split mode end to end: two pinned processes per case.
func TestSplit(t *testing.T) {
	if why := canSplit(); why != "" {
		// taskset is part of util-linux, on every Debian system; a missing
		// one is a broken machine under `make test`. One CPU is not.
		if runtime.NumCPU() >= 2 && os.Getenv("CRUMB_REQUIRE_DEPS") == "1" {
			t.Fatalf("split mode: %s", why)
		}
		t.Skipf("split mode: %s", why)
	}
	t.Setenv("LOADTEST_MAIN", "1")
	r, err := runSplit("crumb-read", "medium", 2, 0, 100*time.Millisecond)
	if err != nil || r.n == 0 || r.p99 <= 0 {
		t.Fatalf("%+v, %v", r, err)
	}
}
