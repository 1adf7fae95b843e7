package main

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// checkUsage reports what a command's usage text lacks: it starts with the
// command's synopsis and has a Usage, an Options and an Examples section, in
// that order, and ends with one newline.
func checkUsage(cmd command) error {
	if !strings.HasPrefix(cmd.usage, "Usage:\n    sessionctl "+cmd.name) {
		return fmt.Errorf("usage of %q does not start with Usage: and its synopsis", cmd.name)
	}
	last := -1
	for _, section := range []string{"Usage:\n", "\nOptions:\n", "\nExamples:\n"} {
		i := strings.Index(cmd.usage, section)
		switch {
		case i < 0:
			return fmt.Errorf("usage of %q has no %s section", cmd.name, strings.TrimSpace(section))
		case i < last:
			return fmt.Errorf("usage of %q has %s out of order", cmd.name, strings.TrimSpace(section))
		}
		last = i
	}
	examples := cmd.usage[strings.Index(cmd.usage, "\nExamples:\n"):]
	if !strings.Contains(examples, "    sessionctl "+cmd.name) {
		return fmt.Errorf("usage of %q has no example of it", cmd.name)
	}
	for line := range strings.SplitSeq(cmd.usage[:strings.Index(cmd.usage, "\nExamples:\n")], "\n") {
		if utf8.RuneCountInString(line) > 80 {
			return fmt.Errorf("usage of %q has a line longer than 80 columns: %q", cmd.name, line)
		}
	}
	if strings.Contains(cmd.usage, "\t") {
		return fmt.Errorf("usage of %q has a tab: indent with spaces", cmd.name)
	}
	if !strings.HasSuffix(cmd.usage, "\n") || strings.HasSuffix(cmd.usage, "\n\n") {
		return fmt.Errorf("usage of %q must end with exactly one newline", cmd.name)
	}
	return nil
}

// TestCommandTable checks the table: the commands the issue asks for, the
// demo once it is added (and no other), unique names, a summary each.
func TestCommandTable(t *testing.T) {
	want := []string{
		"keys generate", "keys add", "keys promote", "keys retire", "keys list",
		"mint", "decode", "inspect", "revoke", "sessions list", "sessions revoke", "dict train", "version",
	}
	optional := []string{"demo"} // added by demo.go
	var names []string
	for _, cmd := range commands() {
		if cmd.run == nil || cmd.summary == "" || cmd.usage == "" {
			t.Errorf("command %q lacks a run function, summary or usage", cmd.name)
		}
		if slices.Contains(names, cmd.name) {
			t.Errorf("command %q listed twice", cmd.name)
		}
		names = append(names, cmd.name)
		if !slices.Contains(want, cmd.name) && !slices.Contains(optional, cmd.name) {
			t.Errorf("unexpected command %q: add it to this test", cmd.name)
		}
	}
	for _, name := range want {
		if !slices.Contains(names, name) {
			t.Errorf("command %q missing", name)
		}
	}
}

// TestUsage checks every command's usage text, and that help, -h and --help
// print it on standard output with exit status 0.
func TestUsage(t *testing.T) {
	for _, cmd := range commands() {
		t.Run(strings.ReplaceAll(cmd.name, " ", "_"), func(t *testing.T) {
			if err := checkUsage(cmd); err != nil {
				t.Error(err)
			}
			name := strings.Fields(cmd.name)
			for _, args := range [][]string{
				append([]string{"help"}, name...),
				append(slices.Clone(name), "-h"),
				append(slices.Clone(name), "--help"),
			} {
				status, stdout, stderr := runForTest(t, args, "")
				if status != exitOK || stdout != cmd.usage || stderr != "" {
					t.Errorf("sessionctl %s: status %d, stderr %q, stdout is the usage: %v", strings.Join(args, " "), status, stderr, stdout == cmd.usage)
				}
			}
		})
	}
}

// TestLookup checks how the dispatcher finds commands and groups.
func TestLookup(t *testing.T) {
	for _, tc := range []struct {
		args []string
		name string // "" for a usage error
		rest int
	}{
		{[]string{"keys", "add", "--keyring", "k"}, "keys add", 2},
		{[]string{"mint"}, "mint", 0},
		{[]string{"keys"}, "keys", 0},
		{[]string{"keys", "-h"}, "keys", 1},
		{[]string{"keys", "bogus"}, "", 0},
		{[]string{"bogus"}, "", 0},
		{[]string{"dict", "train"}, "dict train", 0},
	} {
		cmd, rest, err := lookup(tc.args)
		if tc.name == "" {
			if err == nil {
				t.Errorf("lookup(%q) = %q, want an error", tc.args, cmd.name)
			}
			continue
		}
		if err != nil || cmd.name != tc.name || len(rest) != tc.rest {
			t.Errorf("lookup(%q) = %q, %q, %v; want %q and %d arguments", tc.args, cmd.name, rest, err, tc.name, tc.rest)
		}
	}
}

// runForTest runs sessionctl in the test's process, in a temporary
// directory.
func runForTest(t *testing.T, args []string, stdin string) (status int, stdout, stderr string) {
	t.Helper()
	var out, errOut strings.Builder
	c := &cli{stdin: strings.NewReader(stdin), stdout: &out, stderr: &errOut, dir: t.TempDir(), now: time.Now}
	status = c.dispatch(args)
	return status, out.String(), errOut.String()
}
