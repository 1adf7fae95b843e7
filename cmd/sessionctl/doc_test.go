package main

import (
	"flag"
	"os"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite doc.go from the usage texts")

// TestDoc checks that the package documentation, doc.go, is the command
// reference made from the usage texts. After changing a usage text or the
// command table, run
//
//	go test ./cmd/sessionctl -run TestDoc -update
func TestDoc(t *testing.T) {
	want := docSource()
	if *update {
		if err := os.WriteFile("doc.go", []byte(want), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	got, err := os.ReadFile("doc.go")
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != want {
		t.Error("doc.go is not the command reference of the usage texts: run `go test ./cmd/sessionctl -run TestDoc -update`")
	}
}

// docSource returns doc.go: the top-level usage and every command's usage
// text, as a package comment.
func docSource() string {
	var b strings.Builder
	text := func(s string) {
		for line := range strings.SplitSeq(strings.TrimRight(s, "\n"), "\n") {
			if line == "" {
				b.WriteString("//\n")
			} else {
				b.WriteString("// " + line + "\n")
			}
		}
	}
	code := func(s string) {
		for line := range strings.SplitSeq(strings.TrimRight(s, "\n"), "\n") {
			if line == "" {
				b.WriteString("//\n")
			} else {
				b.WriteString("//\t" + line + "\n")
			}
		}
	}
	var list strings.Builder
	printCommandList(&list, commands(), "")

	blank := func() { b.WriteString("//\n") }
	text(strings.ToUpper(topIntro[:1]) + topIntro[1:])
	blank()
	text("Usage:")
	blank()
	code("sessionctl COMMAND [OPTIONS] [ARGUMENTS]\nsessionctl help COMMAND")
	blank()
	text("The commands are:")
	blank()
	code(dedent(list.String()))
	blank()
	text(conventions)
	for _, cmd := range commands() {
		blank()
		text("# sessionctl " + cmd.name)
		blank()
		code(cmd.usage)
	}
	b.WriteString("package main\n\n// This file is generated from the usage texts by TestDoc (go test -run TestDoc -update).\n")
	return b.String()
}

// dedent removes the indentation common to every line of s.
func dedent(s string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	indent := -1
	for _, l := range lines {
		if strings.TrimSpace(l) == "" {
			continue
		}
		n := len(l) - len(strings.TrimLeft(l, " "))
		if indent < 0 || n < indent {
			indent = n
		}
	}
	for i, l := range lines {
		if len(l) >= indent {
			lines[i] = l[indent:]
		}
	}
	return strings.Join(lines, "\n")
}
