package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Exit statuses.
const (
	exitOK      = 0 // success
	exitFailure = 1 // the operation failed: invalid token, bad keyring, file exists…
	exitUsage   = 2 // the command line is wrong: unknown command or flag, bad argument
)

// command is one entry of the command table.
type command struct {
	// name is the command's words after "sessionctl", such as "keys add".
	name string
	// summary is one line for the command list.
	summary string
	// usage is the full usage text: Usage, a description, Options and
	// Examples (see checkUsage).
	usage string
	// run runs the command with the arguments after its name.
	run func(c *cli, args []string) error
}

// commands returns the command table, in the order `sessionctl help` lists
// it. A command of two words ("keys add") belongs to the group named by its
// first word.
func commands() []command {
	return []command{
		{"keys generate", "create a keyring file with one primary key", keysGenerateUsage, runKeysGenerate},
		{"keys add", "add a new key, able to open tokens but not to seal them", keysAddUsage, runKeysAdd},
		{"keys promote", "make a key the primary key, which seals new tokens", keysPromoteUsage, runKeysPromote},
		{"keys retire", "retire a key: its tokens are refused from then on", keysRetireUsage, runKeysRetire},
		{"keys list", "list the keys of a keyring, without their secrets", keysListUsage, runKeysList},
		{"mint", "create a session and print its token", mintUsage, runMint},
		{"decode", "open a token and print its session", decodeUsage, runDecode},
		{"inspect", "show what a token reveals without any key", inspectUsage, runInspect},
		{"revoke", "revoke a session, or every session of a subject", revokeUsage, runRevoke},
		{"sessions list", "list a user's sessions from the session registry", sessionsListUsage, runSessionsList},
		{"sessions revoke", "end one of a user's sessions by its ID", sessionsRevokeUsage, runSessionsRevoke},
		{"dict train", "train a compression dictionary on sample sessions", dictTrainUsage, runDictTrain},
		{"version", "print the version of sessionctl, Go and the token format", versionUsage, runVersion},
		{"demo", "serve a demo web app on the session middleware", demoUsage, runDemo},
	}
}

// cli is what a command runs with: its context, standard streams, working
// directory and clock. There is no other state: every run gets its own.
type cli struct {
	ctx    context.Context // nil means context.Background()
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
	// dir is the directory relative paths are resolved in; "" means the
	// process's working directory. Paths in messages stay as given.
	dir string
	// now returns the current time. Tokens take their times from the
	// library's own clock; this one stamps key promotions and demotions and
	// decides whether a key may be retired.
	now func() time.Time
}

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// run runs sessionctl with args (without the program name) and returns the
// exit status.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	c := &cli{stdin: stdin, stdout: stdout, stderr: stderr, now: time.Now}
	return c.dispatch(args)
}

// dispatch finds the command named by the first words of args and runs it.
func (c *cli) dispatch(args []string) int {
	if len(args) == 0 {
		c.printTopUsage(c.stderr)
		return exitUsage
	}
	switch args[0] {
	case "help", "-h", "-help", "--help":
		return c.help(args[1:])
	}
	cmd, rest, err := lookup(args)
	if err != nil {
		return c.report(err)
	}
	if cmd.run == nil { // a group name alone, such as "keys"
		if len(rest) > 0 && isHelpFlag(rest[0]) {
			c.printGroupUsage(c.stdout, cmd.name)
			return exitOK
		}
		c.printGroupUsage(c.stderr, cmd.name)
		return c.report(usageErrorf(cmd.name, "%q needs a subcommand", cmd.name))
	}
	err = cmd.run(c, rest)
	if errors.Is(err, flag.ErrHelp) {
		fmt.Fprint(c.stdout, cmd.usage)
		return exitOK
	}
	var ue *usageError
	if errors.As(err, &ue) && ue.cmd == "" {
		ue.cmd = cmd.name
	}
	return c.report(err)
}

// lookup returns the command args start with and the arguments after its
// name. For a group name alone ("keys", or "keys" followed by something that
// is not one of its subcommands but a flag) it returns a command with no run
// function and the group's name. Unknown names are usage errors.
func lookup(args []string) (command, []string, error) {
	table := commands()
	if len(args) >= 2 {
		for _, cmd := range table {
			if cmd.name == args[0]+" "+args[1] {
				return cmd, args[2:], nil
			}
		}
	}
	for _, cmd := range table {
		if cmd.name == args[0] {
			return cmd, args[1:], nil
		}
	}
	if isGroup(table, args[0]) {
		if len(args) == 1 || strings.HasPrefix(args[1], "-") {
			return command{name: args[0]}, args[1:], nil
		}
		return command{}, nil, usageErrorf(args[0], "unknown command %s", quoteArg(args[0]+" "+args[1]))
	}
	return command{}, nil, usageErrorf("", "unknown command %s", quoteArg(args[0]))
}

// isGroup reports whether name is the first word of two-word commands.
func isGroup(table []command, name string) bool {
	for _, cmd := range table {
		if first, _, ok := strings.Cut(cmd.name, " "); ok && first == name {
			return true
		}
	}
	return false
}

// context returns the context the command runs in.
func (c *cli) context() context.Context {
	if c.ctx == nil {
		return context.Background()
	}
	return c.ctx
}

// path returns the file path p, given on the command line, resolved in c.dir.
func (c *cli) path(p string) string {
	if c.dir == "" || filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(c.dir, p)
}

// isHelpFlag reports whether arg asks for help.
func isHelpFlag(arg string) bool {
	switch arg {
	case "-h", "-help", "--help", "--h":
		return true
	}
	return false
}
