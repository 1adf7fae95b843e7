package main

import (
	"bytes"
	"encoding/base64"
	"encoding/gob"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/crumbhq/crumb/cookie"
	"github.com/crumbhq/crumb/cookie/gorilla"
)

// decodeLegacyUsage is the part of decode's usage about gorilla cookies.
const decodeLegacyUsage = `With --legacy-hash-key, TOKEN is instead the value of a cookie written by
gorilla/securecookie (a gorilla/sessions CookieStore) for the cookie --name,
and decode prints when it was written, when it expires, and its values as
the crumb session that middleware.Options.Legacy (package cookie/gorilla)
would make of them, with the values that would not be carried over. No
keyring is needed. A KEY is written as one of
    hex:HEX          the key in hexadecimal
    base64:B64       the key in base64, standard or URL-safe, padded or not
    text:STRING      the bytes of STRING, for keys written as []byte("…")
    env:VAR          the bytes of the environment variable VAR
    @FILE            the bytes of FILE, as they are (no newline removed)
Prefer env: and @FILE: a key on the command line shows in the process list
and the shell's history. A cookie that does not open is an error naming its
class (invalid, expired, too large) and reason.`

// legacyFlags are decode's flags for a gorilla/securecookie cookie.
type legacyFlags struct {
	hashKey, blockKey, serializer string
	maxAge                        time.Duration
}

func (lf *legacyFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&lf.hashKey, "legacy-hash-key", "", "")
	fs.StringVar(&lf.blockKey, "legacy-block-key", "", "")
	fs.StringVar(&lf.serializer, "legacy-serializer", "gob", "")
	fs.DurationVar(&lf.maxAge, "legacy-max-age", gorilla.DefaultMaxAge, "")
}

// inUse reports whether decode reads a legacy cookie: a --legacy-… flag was
// given. It is a usage error to give one without --legacy-hash-key, or
// together with a flag that only applies to crumb tokens.
func (lf *legacyFlags) inUse(fs *flag.FlagSet) (bool, error) {
	var legacy, crumbOnly []string
	fs.Visit(func(f *flag.Flag) {
		switch {
		case strings.HasPrefix(f.Name, "legacy-"):
			legacy = append(legacy, f.Name)
		case f.Name != "name" && f.Name != "json":
			crumbOnly = append(crumbOnly, f.Name)
		}
	})
	switch {
	case len(legacy) == 0:
		return false, nil
	case lf.hashKey == "":
		return false, usageErrorf("", "--%s needs --legacy-hash-key", legacy[0])
	case len(crumbOnly) > 0:
		return false, usageErrorf("", "--%s does not apply to a legacy cookie (--legacy-hash-key)", crumbOnly[0])
	}
	return true, nil
}

// legacyJSON is the output of decode --json for a legacy cookie.
type legacyJSON struct {
	Written string          `json:"written"`
	Expires string          `json:"expires"` // "" when any age is accepted
	Data    json.RawMessage `json:"data"`
	Dropped []string        `json:"dropped"`
}

// decodeLegacy decodes the legacy cookie given as the positional argument
// (or on standard input) for the cookie name.
func (c *cli) decodeLegacy(lf *legacyFlags, name string, pos []string, asJSON bool) error {
	if err := required("name", name); err != nil {
		return err
	}
	o := gorilla.LegacyOptions{MaxAge: lf.maxAge}
	switch lf.serializer {
	case "gob":
		o.Serializer = gorilla.Gob
	case "json":
		o.Serializer = gorilla.JSON
	default:
		return usageErrorf("", "--legacy-serializer is gob or json, not %s", quoteArg(lf.serializer))
	}
	switch {
	case lf.maxAge == 0:
		o.MaxAge = -1 // any age, as securecookie's MaxAge(0)
	case lf.maxAge < 0:
		return usageErrorf("", "--legacy-max-age must not be negative (0: any age)")
	default:
		if err := wholeSeconds("legacy-max-age", lf.maxAge, time.Second); err != nil {
			return err
		}
	}
	var err error
	if o.HashKey, err = c.keyFlag("legacy-hash-key", lf.hashKey); err != nil {
		return err
	}
	if lf.blockKey != "" {
		if o.BlockKey, err = c.keyFlag("legacy-block-key", lf.blockKey); err != nil {
			return err
		}
		if n := len(o.BlockKey); n != 16 && n != 24 && n != 32 {
			return usageErrorf("", "--legacy-block-key must be 16, 24 or 32 bytes (AES-128, -192, -256), not %d", n)
		}
	}
	registerGobTypes()
	legacy, err := gorilla.NewLegacy(o)
	if err != nil {
		return usageErrorf("", "%s", strings.TrimPrefix(err.Error(), gorilla.ErrBadOptions.Error()+": "))
	}
	value, err := c.readToken(pos, gorilla.DefaultMaxLength)
	if err == nil {
		var s *gorilla.LegacySession
		if s, err = legacy.Read(name, value); err == nil {
			return c.printLegacy(s, lf.maxAge, asJSON)
		}
	}
	return c.legacyRefused(err, lf, asJSON)
}

// registerGobTypes registers with encoding/gob the types beyond the basic
// ones that gorilla sessions commonly hold, so that their cookies decode
// here too; an application's own types cannot be.
func registerGobTypes() {
	for _, v := range []any{
		[]string{}, []int{}, map[string]string{}, map[string]interface{}{},
		map[interface{}]interface{}{}, time.Time{},
	} {
		gob.Register(v)
	}
}

// keyFlag returns the bytes of a key flag's value: hex:, base64:, text:,
// env: or @FILE. Errors never show the value.
func (c *cli) keyFlag(flagName, spec string) ([]byte, error) {
	bad := func(format string, args ...any) error {
		return usageErrorf("", "--"+flagName+": "+format, args...)
	}
	var key []byte
	var err error
	switch kind, rest, _ := strings.Cut(spec, ":"); {
	case strings.HasPrefix(spec, "@"):
		if key, err = readFileBounded(c.path(spec[1:]), maxKeyFile); err != nil {
			return nil, fmt.Errorf("--%s: %w", flagName, err)
		}
	case kind == "hex":
		if key, err = hex.DecodeString(rest); err != nil {
			return nil, bad("not valid hexadecimal")
		}
	case kind == "base64":
		if key, err = decodeAnyBase64(rest); err != nil {
			return nil, bad("not valid base64")
		}
	case kind == "text":
		key = []byte(rest)
	case kind == "env":
		v, ok := os.LookupEnv(rest)
		if !ok || rest == "" {
			return nil, bad("the environment variable %s is not set", quoteArg(rest))
		}
		key = []byte(v)
	default:
		return nil, withHints(bad("say how the key is written"),
			"write it as hex:HEX, base64:B64, text:STRING, env:VAR or @FILE (see `sessionctl help decode`)")
	}
	if len(key) == 0 {
		return nil, bad("the key is empty")
	}
	return key, nil
}

// maxKeyFile caps a key file, in bytes: far more than any HMAC or AES key.
const maxKeyFile = 4 << 10

// decodeAnyBase64 decodes s in any of the four base64 variants.
func decodeAnyBase64(s string) ([]byte, error) {
	var err error
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		var b []byte
		if b, err = enc.DecodeString(s); err == nil {
			return b, nil
		}
	}
	return nil, err
}

// printLegacy writes a legacy cookie's session.
func (c *cli) printLegacy(s *gorilla.LegacySession, maxAge time.Duration, asJSON bool) error {
	var data bytes.Buffer
	enc := json.NewEncoder(&data)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(s.Data); err != nil {
		return err // sessionData keeps only values that encode
	}
	out := legacyJSON{
		Written: timeText(s.Written), Data: bytes.TrimSpace(data.Bytes()), Dropped: s.Dropped,
	}
	if maxAge > 0 {
		out.Expires = timeText(s.Written.Add(maxAge))
	}
	if out.Dropped == nil {
		out.Dropped = []string{}
	}
	if len(s.Dropped) > 0 {
		what := "values"
		if len(s.Dropped) == 1 {
			what = "value"
		}
		c.warnf("%d %s of the cookie would not be carried over to a crumb session (see dropped)", len(s.Dropped), what)
	}
	if asJSON {
		return c.printJSON(out)
	}
	tw := tabwriter.NewWriter(c.stdout, 0, 0, 2, ' ', 0)
	row := func(k, v string) { fmt.Fprintf(tw, "%s\t%s\n", k, printable(v)) }
	row("written", out.Written)
	if out.Expires == "" {
		row("expires", "- (any age accepted)")
	} else {
		row("expires", out.Expires)
	}
	row("data", string(out.Data))
	if len(out.Dropped) == 0 {
		row("dropped", "-")
	}
	for i, d := range out.Dropped {
		name := ""
		if i == 0 {
			name = "dropped"
		}
		row(name, d)
	}
	return tw.Flush()
}

// legacyRefused reports a legacy cookie that did not open, with its class
// and reason, and hints.
func (c *cli) legacyRefused(err error, lf *legacyFlags, asJSON bool) error {
	var class, reason string
	var hints []string
	switch {
	case errors.Is(err, cookie.ErrTooLarge):
		class, reason = "too large", "cookie too large"
		hints = append(hints, fmt.Sprintf("gorilla/securecookie caps cookies at %d characters", gorilla.DefaultMaxLength))
	case errors.Is(err, cookie.ErrExpired):
		class, reason = "expired", "max age"
		hints = append(hints, fmt.Sprintf("it was written longer ago than --legacy-max-age (%v); --legacy-max-age 0 reads it whatever its age", lf.maxAge))
	case errors.Is(err, cookie.ErrInvalid):
		class, reason = "invalid", "authentication"
		hints = append(hints,
			"a gorilla cookie opens only with the hash key it was written with, under its cookie name (--name), and only if it was not altered",
			"pass the cookie's value only, without its name or quotes")
	case errors.Is(err, gorilla.ErrDeserialize):
		class, reason = "invalid", "deserialize"
		hints = append(hints, "its HMAC matched, but its content did not decode: check --legacy-block-key (an encrypted cookie needs it, and the right one) and --legacy-serializer")
		if strings.Contains(err.Error(), "not registered") {
			hints = append(hints, "it holds a type the application registered with gob.Register: such a cookie decodes only in the application")
		}
	default:
		return err
	}
	if asJSON {
		if jerr := c.printJSON(refusedJSON{Error: class, Reason: reason}); jerr != nil {
			return jerr
		}
	}
	return withHints(fmt.Errorf("legacy cookie is %s (%s)%s", class, reason, legacyDetail(err)), hints...)
}

// legacyDetail returns securecookie's or the deserializer's words for a
// refusal, which name no key, value or type of the application's data
// beyond type names: ": the value is not valid".
func legacyDetail(err error) string {
	msg := err.Error()
	if i := strings.LastIndex(msg, "securecookie: "); i >= 0 {
		return ": " + strings.TrimSuffix(msg[i+len("securecookie: "):], ")")
	}
	if _, detail, ok := strings.Cut(msg, gorilla.ErrDeserialize.Error()+": "); ok {
		return ": " + detail
	}
	return ""
}
