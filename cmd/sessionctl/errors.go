package main

import (
	"errors"
	"fmt"
	"strings"
)

// usageError is a wrong command line: exit status 2, with a pointer to the
// command's usage.
type usageError struct {
	cmd string // the command whose usage to point at; "" for the top level
	msg string
}

func (e *usageError) Error() string { return e.msg }

// usageErrorf returns a usage error of command cmd ("" when the dispatcher
// fills it in).
func usageErrorf(cmd, format string, args ...any) error {
	return &usageError{cmd: cmd, msg: fmt.Sprintf(format, args...)}
}

// hintedError is a failure with advice for the operator, printed after the
// error as "hint:" lines.
type hintedError struct {
	err   error
	hints []string
}

func (e *hintedError) Error() string { return e.err.Error() }
func (e *hintedError) Unwrap() error { return e.err }

// withHints attaches hints to err; a nil err stays nil.
func withHints(err error, hints ...string) error {
	if err == nil {
		return nil
	}
	return &hintedError{err: err, hints: hints}
}

// failf returns a failure (exit status 1) with hints.
func failf(hints []string, format string, args ...any) error {
	return withHints(fmt.Errorf(format, args...), hints...)
}

// report prints err on stderr as sessionctl's diagnostics and returns the
// exit status: 0 for nil, 2 for a usage error, 1 otherwise.
func (c *cli) report(err error) int {
	if err == nil {
		return exitOK
	}
	c.errorf("%v", err)
	var he *hintedError
	for e := err; errors.As(e, &he); e = he.err {
		for _, h := range he.hints {
			c.hintf("%s", h)
		}
	}
	var ue *usageError
	if errors.As(err, &ue) {
		if ue.cmd == "" {
			c.hintf("run `sessionctl help` for the list of commands")
		} else {
			c.hintf("run `sessionctl help %s` for its usage", ue.cmd)
		}
		return exitUsage
	}
	return exitFailure
}

// errorf prints an error line on stderr.
func (c *cli) errorf(format string, args ...any) { c.diag("error", format, args...) }

// warnf prints a warning line on stderr.
func (c *cli) warnf(format string, args ...any) { c.diag("warning", format, args...) }

// hintf prints a hint line on stderr.
func (c *cli) hintf(format string, args ...any) { c.diag("hint", format, args...) }

// diag prints one diagnostic line, "sessionctl: KIND: message", on stderr.
// A message of several lines keeps the prefix on each.
func (c *cli) diag(kind, format string, args ...any) {
	msg := strings.TrimRight(fmt.Sprintf(format, args...), "\n")
	for line := range strings.SplitSeq(msg, "\n") {
		fmt.Fprintf(c.stderr, "sessionctl: %s: %s\n", kind, line)
	}
}
