// Package testdep finds the external programs that integration tests need
// (a browser, a Redis server) and decides what a test does when one is
// missing.
//
// On a developer's machine a missing program skips the test, with a hint on
// how to install it. Where the tests must be complete — in CI (CI=true, as
// GitHub Actions, GitLab CI and most others set it) or under `make test`,
// which exports CRUMB_REQUIRE_DEPS=1 after scripts/install-test-deps.sh has
// installed everything — a missing program fails the test instead, so that
// a broken install never passes as a green run of fewer tests.
package testdep

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

// RequireEnv is the environment variable that, set to "1", makes a missing
// dependency fail the test rather than skip it. The Makefile sets it for the
// test runs of `make test`.
const RequireEnv = "CRUMB_REQUIRE_DEPS"

// installHint tells how to get the test dependencies.
const installHint = "run scripts/install-test-deps.sh (`make test` runs it and installs what is missing)"

// Required reports whether missing dependencies fail tests instead of
// skipping them: in CI (the environment variable CI is "true") or when
// RequireEnv is "1".
func Required() bool {
	return os.Getenv("CI") == "true" || os.Getenv(RequireEnv) == "1"
}

// Binary returns the path of the executable name, or of the first of the
// candidates found when name is not, looking each up with exec.LookPath (a
// bare name in PATH, or a path containing a slash as it is). Candidates are
// other names of the same program, such as "chromium-browser" and
// "google-chrome" for "chromium".
//
// When none is found, Binary skips the test (t.Skipf) with a hint on how to
// install it, or fails it (t.Fatalf) with the same hint when Required
// reports true. Either way the test stops there; Binary returns "" only
// under a testing.TB whose Skipf and Fatalf return.
func Binary(t testing.TB, name string, candidates ...string) string {
	t.Helper()
	names := append([]string{name}, candidates...)
	for _, n := range names {
		if path, err := exec.LookPath(n); err == nil {
			return path
		}
	}
	msg := "testdep: " + name + " not found"
	if len(candidates) > 0 {
		msg += " (looked for " + strings.Join(names, ", ") + ")"
	}
	msg += "; " + installHint
	if Required() {
		t.Fatalf("%s [required: CI=true or %s=1]", msg, RequireEnv)
	} else {
		t.Skipf("%s [or set CI=true or %s=1 to make this a failure]", msg, RequireEnv)
	}
	return ""
}
