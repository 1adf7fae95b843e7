package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/crumbhq/crumb/cookie"
)

// newFlagSet returns an empty flag set that reports errors instead of
// printing them or exiting: the dispatcher prints the usage text.
func newFlagSet(name string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	return fs
}

// parseArgs parses args with fs, accepting flags after positional arguments
// too ("decode TOKEN --json"), and returns the positional arguments. "--"
// ends the flags; "-" is an argument (standard input). Flag errors are usage
// errors; -h and --help return flag.ErrHelp.
func parseArgs(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, err
			}
			return nil, usageErrorf("", "%s", flagErrorText(err))
		}
		rest := fs.Args()
		if n := len(args) - len(rest); n > 0 && args[n-1] == "--" {
			return append(pos, rest...), nil
		}
		if len(rest) == 0 {
			return pos, nil
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}

// flagErrorText rewrites the flag package's messages in the "--flag" form
// the usage texts use.
func flagErrorText(err error) string {
	msg := err.Error()
	if name, ok := strings.CutPrefix(msg, "flag provided but not defined: -"); ok {
		return "unknown flag --" + name
	}
	if name, ok := strings.CutPrefix(msg, "flag needs an argument: -"); ok {
		return "flag --" + name + " needs a value"
	}
	// invalid value "x" for flag -ttl: reason
	// invalid boolean value "x" for -json: reason
	// The value goes through quoteArg: it may be a secret or a token
	// pasted after the wrong flag.
	if m := flagValueError.FindStringSubmatch(msg); m != nil {
		value, err := strconv.Unquote(m[2])
		if err != nil {
			value = m[2]
		}
		reason := m[4]
		if value != "" {
			reason = strings.ReplaceAll(reason, value, "…")
		}
		return "invalid " + m[1] + "value " + quoteArg(value) + " for --" + m[3] + ": " + reason
	}
	return msg
}

// flagValueError matches the flag package's invalid-value messages.
var flagValueError = regexp.MustCompile(`^invalid (boolean )?value ("(?:[^"\\]|\\.)*") for (?:flag )?-([^:]+): (.*)$`)

// wantArgs checks the number of positional arguments: from min to max
// (max < 0: no limit). names describes them for the error message.
func wantArgs(pos []string, min, max int, names string) error {
	switch {
	case len(pos) < min:
		return usageErrorf("", "missing argument %s", names)
	case max >= 0 && len(pos) > max:
		return usageErrorf("", "unexpected argument %s", quoteArg(pos[max]))
	}
	return nil
}

// required returns a usage error naming the first flag, of name and value
// pairs, whose value is empty.
func required(pairs ...string) error {
	for i := 0; i+1 < len(pairs); i += 2 {
		if pairs[i+1] == "" {
			return usageErrorf("", "missing --%s", pairs[i])
		}
	}
	return nil
}

// wholeSeconds checks a duration flag that the token format stores in whole
// seconds: at least min, no fraction of a second.
func wholeSeconds(name string, d, min time.Duration) error {
	switch {
	case d < min:
		return usageErrorf("", "--%s must be at least %v, got %v", name, min, d)
	case d%time.Second != 0:
		return usageErrorf("", "--%s must be whole seconds, got %v", name, d)
	}
	return nil
}

// stringsFlag collects the values of a repeated flag.
type stringsFlag []string

func (s *stringsFlag) String() string { return strings.Join(*s, ",") }

func (s *stringsFlag) Set(v string) error {
	*s = append(*s, v)
	return nil
}

// metaFlag collects repeated --meta key=value flags.
type metaFlag map[string]string

func (m metaFlag) String() string { return "" }

func (m metaFlag) Set(s string) error {
	k, v, ok := strings.Cut(s, "=")
	switch {
	case !ok || k == "":
		return errors.New("want key=value")
	case len(k) > cookie.MaxMetaKeyLen || len(v) > cookie.MaxMetaValueLen:
		return fmt.Errorf("keys are at most %d bytes and values at most %d", cookie.MaxMetaKeyLen, cookie.MaxMetaValueLen)
	case !utf8.ValidString(k) || !utf8.ValidString(v):
		return errors.New("not valid UTF-8")
	case len(m) == cookie.MaxMetadata:
		return fmt.Errorf("at most %d entries", cookie.MaxMetadata)
	}
	if _, dup := m[k]; dup {
		return fmt.Errorf("key %q given twice", k)
	}
	m[k] = v
	return nil
}

// quoteArg quotes a command-line argument for an error message, unless it is
// long enough to be a secret or a token pasted in the wrong place.
func quoteArg(s string) string {
	if len(s) > 32 {
		return fmt.Sprintf("(%d characters, not shown)", len(s))
	}
	return fmt.Sprintf("%q", s)
}

// flagSet reports whether the flag name was given on the command line.
func flagSet(fs *flag.FlagSet, name string) bool {
	set := false
	fs.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	return set
}
