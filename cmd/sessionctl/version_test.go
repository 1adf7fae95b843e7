package main

import (
	"os"
	"regexp"
	"testing"
)

// TestReleaseMatchesChangelog keeps the release sessionctl version prints
// in step with the newest release in CHANGELOG.md.
func TestReleaseMatchesChangelog(t *testing.T) {
	b, err := os.ReadFile("../../CHANGELOG.md")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^## \[(\d+\.\d+\.\d+)\]`).FindSubmatch(b)
	if m == nil {
		t.Fatal("CHANGELOG.md names no release")
	}
	if string(m[1]) != release {
		t.Fatalf("CHANGELOG.md's newest release is %s, sessionctl's release constant %s", m[1], release)
	}
	if got := moduleVersion(); got != release+"+devel" {
		t.Fatalf("a test build reports version %q, want %q", got, release+"+devel")
	}
}
