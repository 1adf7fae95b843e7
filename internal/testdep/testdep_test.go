package testdep

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// recorder is a testing.TB whose Skipf and Fatalf record the message and
// return, so that Binary's decision can be observed.
type recorder struct {
	testing.TB
	skipped, fatal string
}

func (r *recorder) Helper()                           {}
func (r *recorder) Skipf(format string, args ...any)  { r.skipped = fmt.Sprintf(format, args...) }
func (r *recorder) Fatalf(format string, args ...any) { r.fatal = fmt.Sprintf(format, args...) }

// fakeBinary writes an executable file into a temporary directory on PATH
// and returns its path.
func fakeBinary(t *testing.T, name string) string {
	t.Helper()
	dir := t.TempDir()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", dir)
	return path
}

func TestBinaryFound(t *testing.T) {
	path := fakeBinary(t, "crumb-testdep-second")
	for _, args := range [][]string{
		{"crumb-testdep-second"},
		{"crumb-testdep-missing", "crumb-testdep-second"}, // a candidate
		{"crumb-testdep-missing", path},                   // a path, as it is
	} {
		r := &recorder{TB: t}
		if got := Binary(r, args[0], args[1:]...); got != path || r.skipped != "" || r.fatal != "" {
			t.Errorf("Binary(%q) = %q (skipped %q, fatal %q), want %q", args, got, r.skipped, r.fatal, path)
		}
	}
}

func TestBinaryMissing(t *testing.T) {
	fakeBinary(t, "unrelated")
	for _, tc := range []struct {
		ci, require string
		wantFatal   bool
	}{
		{"", "", false},
		{"false", "0", false},
		{"true", "", true},
		{"", "1", true},
	} {
		t.Setenv("CI", tc.ci)
		t.Setenv(RequireEnv, tc.require)
		if Required() != tc.wantFatal {
			t.Errorf("CI=%q %s=%q: Required() = %v", tc.ci, RequireEnv, tc.require, !tc.wantFatal)
		}
		r := &recorder{TB: t}
		got := Binary(r, "crumb-testdep-missing", "crumb-testdep-other")
		msg := r.skipped
		if tc.wantFatal {
			msg = r.fatal
		}
		if got != "" || msg == "" || (r.skipped != "" && r.fatal != "") {
			t.Errorf("CI=%q %s=%q: Binary = %q, skipped %q, fatal %q", tc.ci, RequireEnv, tc.require, got, r.skipped, r.fatal)
			continue
		}
		for _, want := range []string{"crumb-testdep-missing", "crumb-testdep-other", "scripts/install-test-deps.sh", "make test"} {
			if !strings.Contains(msg, want) {
				t.Errorf("message %q does not mention %q", msg, want)
			}
		}
	}
}
