package main

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
)

// topIntro opens the top-level usage text and the package documentation.
const topIntro = `sessionctl manages the keyrings of crumb, stateless encrypted cookie
sessions, and mints, decodes, inspects and revokes their tokens.`

// conventions closes the top-level usage text and the package documentation.
const conventions = `Data goes to standard output; errors, hints and warnings go to standard
error, as "sessionctl: error: …", "sessionctl: hint: …" and
"sessionctl: warning: …". The exit status is 0 on success, 1 when the
operation fails (an invalid token, a bad keyring, a file that exists…) and
2 on a usage error (an unknown command or flag, a missing or extra
argument, a bad flag value). Commands with structured output take --json.
Flags may come before or after the arguments; "--" ends the flags.
Secrets are never printed.`

// printTopUsage writes the top-level usage: the command list.
func (c *cli) printTopUsage(w io.Writer) {
	fmt.Fprintf(w, "Usage:\n    sessionctl COMMAND [OPTIONS] [ARGUMENTS]\n    sessionctl help COMMAND\n\n%s\n\nCommands:\n", topIntro)
	printCommandList(w, commands(), "")
	fmt.Fprintf(w, "\nRun `sessionctl help COMMAND` or `sessionctl COMMAND -h` for a command's\nusage, options and examples.\n\n%s\n", conventions)
}

// printGroupUsage writes the list of the commands of a group, such as keys.
func (c *cli) printGroupUsage(w io.Writer, group string) {
	fmt.Fprintf(w, "Usage:\n    sessionctl %s COMMAND [OPTIONS] [ARGUMENTS]\n\nCommands:\n", group)
	printCommandList(w, commands(), group+" ")
	fmt.Fprintf(w, "\nRun `sessionctl help %s COMMAND` for a command's usage, options and examples.\n", group)
}

// printCommandList writes the names and summaries of the commands whose names
// start with prefix.
func printCommandList(w io.Writer, table []command, prefix string) {
	tw := tabwriter.NewWriter(w, 0, 0, 3, ' ', 0)
	for _, cmd := range table {
		if strings.HasPrefix(cmd.name, prefix) {
			fmt.Fprintf(tw, "    %s\t%s\n", cmd.name, cmd.summary)
		}
	}
	tw.Flush()
}

// help runs `sessionctl help [COMMAND]`: the usage on standard output.
func (c *cli) help(args []string) int {
	if len(args) == 0 {
		c.printTopUsage(c.stdout)
		return exitOK
	}
	cmd, rest, err := lookup(args)
	if err != nil {
		return c.report(err)
	}
	if len(rest) > 0 {
		return c.report(usageErrorf("", "help takes one command, got %s", quoteArg(strings.Join(args, " "))))
	}
	if cmd.run == nil {
		c.printGroupUsage(c.stdout, cmd.name)
		return exitOK
	}
	fmt.Fprint(c.stdout, cmd.usage)
	return exitOK
}
