package main

import (
	"fmt"
	"runtime"
	"runtime/debug"

	"github.com/crumbhq/crumb/inspect"
)

const versionUsage = `Usage:
    sessionctl version [--json]

Prints the version of sessionctl (the crumb module version it was built from;
a build from a source tree prints the last release followed by +devel), the Go
version it was built with, and the token format version it reads and writes.

Options:
    --json   print {"version", "go", "token_format"}

Examples:
    sessionctl version
    sessionctl version --json | jq -r .version
`

// versionJSON is the output of version --json.
type versionJSON struct {
	Version     string `json:"version"`
	Go          string `json:"go"`
	TokenFormat int    `json:"token_format"`
}

func runVersion(c *cli, args []string) error {
	fset := newFlagSet("version")
	asJSON := fset.Bool("json", false, "")
	pos, err := parseArgs(fset, args)
	if err != nil {
		return err
	}
	if err := wantArgs(pos, 0, 0, ""); err != nil {
		return err
	}
	v := versionJSON{Version: moduleVersion(), Go: runtime.Version(), TokenFormat: inspect.FormatVersion}
	if *asJSON {
		return c.printJSON(v)
	}
	fmt.Fprintf(c.stdout, "sessionctl %s\n%s\ntoken format v%d\n", v.Version, v.Go, v.TokenFormat)
	return nil
}

// release is the last release of crumb, the newest version in
// CHANGELOG.md (a test keeps them in step).
const release = "0.1.0"

// moduleVersion returns the version of the crumb module sessionctl was built
// from (go install …@v0.1.0 records it), or the last release followed by
// "+devel" when it was built from a source tree (or in a test).
func moduleVersion() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok || bi.Main.Version == "" || bi.Main.Version == "(devel)" {
		return release + "+devel"
	}
	return bi.Main.Version
}
