package main

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"text/tabwriter"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/crumbhq/crumb/cookie"
	"github.com/crumbhq/crumb/inspect"
	"github.com/crumbhq/crumb/keyring"
)

const decodeUsage = `Usage:
    sessionctl decode --keyring FILE --name COOKIE [--audience A]
                      [--revocations SPEC] [--max-lifetime D]
                      [--dictionary DICT]... [--json] [TOKEN|-]
    sessionctl decode --legacy-hash-key KEY [--legacy-block-key KEY]
                      [--legacy-serializer gob|json] [--legacy-max-age D]
                      --name COOKIE [--json] [TOKEN|-]

Opens a token as the application's store reads it and prints its session: the
claims (session ID, subject, when it was created and this token issued, the
idle deadline, the absolute expiry, the key that sealed it and whether that is
the primary key, the metadata) and the data, as JSON. The token is the
argument, or is read from standard input when the argument is - or absent.

A token that does not open is an error (exit status 1) that names its class,
as the store reports it, and the exact reason:
    invalid     tampered, malformed, under an unknown or retired key, for
                another cookie name or audience, issued in the future
    expired     past its idle deadline or its absolute expiry
    revoked     its session, or every session of its subject, was revoked
                (checked only with --revocations)
    too large   longer than 8192 characters, or its data over 64 KiB

` + decodeLegacyUsage + `

Options:
    --keyring FILE       the keyring file (required, except for a legacy
                         cookie)
    --name COOKIE        the cookie name the token was minted for (required)
    --audience A         its audience label, if the application sets one
    --revocations SPEC   check the revocation set too: the path of a durable
                         revocation file (see ` + "`sessionctl help revoke`" + `).
                         The file is locked while in use, so it cannot be
                         checked while the application holds it open; like
                         the application, opening it repairs a damaged tail
    --max-lifetime D     refuse a token created longer ago than D, as a store
                         whose absolute timeout is D does (default: no cap,
                         the token's own expiry decides; pass the
                         application's timeout to see what it accepts)
    --dictionary DICT    an application compression dictionary (written by
                         ` + "`sessionctl dict train`" + `); repeat for more. The built-in
                         one is always known
    --json               print {"session_id", "subject", "created", "issued",
                         "idle_deadline", "expires", "key_id", "primary",
                         "metadata", "data"}; when the token is refused,
                         {"error": CLASS, "reason": REASON} and exit status 1;
                         for a legacy cookie, {"written", "expires", "data",
                         "dropped"}
    --legacy-hash-key KEY
                         read TOKEN as a gorilla/securecookie cookie with
                         this HMAC key: the first key the application gave
                         sessions.NewCookieStore or securecookie.New
    --legacy-block-key KEY
                         its encryption key, the second of the pair, if it
                         had one: 16, 24 or 32 bytes
    --legacy-serializer gob|json
                         how the application serialized its values (default
                         gob, gorilla's default)
    --legacy-max-age D   refuse a cookie written longer ago than D, as
                         securecookie's MaxAge (default 720h, its default;
                         0: any age)

Examples:
    sessionctl decode --keyring keyring.json --name session AQ8jLB0…
    pbpaste | sessionctl decode --keyring keyring.json --name session
    sessionctl decode --keyring keyring.json --name session --revocations revoked.log --json - < token.txt
    sessionctl decode --name session --legacy-hash-key env:SESSION_HASH_KEY --legacy-block-key env:SESSION_BLOCK_KEY MTcx…
`

// sessionJSON is the output of decode --json.
type sessionJSON struct {
	SessionID    string            `json:"session_id"`
	Subject      string            `json:"subject"`
	Created      string            `json:"created"`
	Issued       string            `json:"issued"`
	IdleDeadline string            `json:"idle_deadline"`
	Expires      string            `json:"expires"`
	KeyID        string            `json:"key_id"`
	Primary      bool              `json:"primary"`
	Metadata     map[string]string `json:"metadata"`
	Data         json.RawMessage   `json:"data"`
}

// refusedJSON is the output of decode --json for a refused token.
type refusedJSON struct {
	Error  string `json:"error"`
	Reason string `json:"reason,omitempty"`
}

func runDecode(c *cli, args []string) error {
	fset := newFlagSet("decode")
	var sf storeFlags
	sf.register(fset)
	revSpec := fset.String("revocations", "", "")
	maxLifetime := fset.Duration("max-lifetime", defaultReadLifetime, "")
	asJSON := fset.Bool("json", false, "")
	var lf legacyFlags
	lf.register(fset)
	pos, err := parseArgs(fset, args)
	if err != nil {
		return err
	}
	if err := wantArgs(pos, 0, 1, "TOKEN"); err != nil {
		return err
	}
	legacy, err := lf.inUse(fset)
	if err != nil {
		return err
	}
	if legacy {
		return c.decodeLegacy(&lf, sf.name, pos, *asJSON)
	}
	if err := sf.check(); err != nil {
		return err
	}
	if err := wholeSeconds("max-lifetime", *maxLifetime, time.Second); err != nil {
		return err
	}
	store, _, closeStore, err := c.openStore(&sf, cookie.Options{AbsoluteTimeout: *maxLifetime, IdleTimeout: *maxLifetime}, *revSpec, false)
	if err != nil {
		return err
	}
	defer closeStore()
	tok, err := c.readToken(pos, cookie.DefaultMaxTokenLen)
	if err != nil {
		return c.refused(err, tok, sf.keyring, *asJSON)
	}
	rec, err := store.Read(c.context(), tok)
	if err != nil {
		return c.refused(err, tok, sf.keyring, *asJSON)
	}
	payload, err := rec.Payload()
	if err != nil {
		return err
	}
	out := sessionJSON{
		SessionID: rec.ID().String(), Subject: rec.Subject(),
		Created: timeText(rec.Created()), Issued: timeText(rec.Issued()),
		IdleDeadline: timeText(rec.IdleDeadline()), Expires: timeText(rec.Expires()),
		KeyID: keyring.FormatID(rec.KeyID()), Primary: !rec.NeedsReissue(),
		Metadata: rec.Metadata(), Data: payload,
	}
	if out.Metadata == nil {
		out.Metadata = map[string]string{}
	}
	if len(out.Data) == 0 {
		out.Data = json.RawMessage("null")
	}
	if *asJSON {
		return c.printJSON(out)
	}
	return c.printSession(out)
}

// printSession writes a decoded session as a two-column table.
func (c *cli) printSession(s sessionJSON) error {
	tw := tabwriter.NewWriter(c.stdout, 0, 0, 2, ' ', 0)
	row := func(k, v string) { fmt.Fprintf(tw, "%s\t%s\n", k, printable(v)) }
	row("session id", s.SessionID)
	row("subject", orDash(s.Subject))
	row("created", s.Created)
	row("issued", s.Issued)
	row("idle deadline", s.IdleDeadline)
	row("expires", s.Expires)
	if s.Primary {
		row("key", s.KeyID+" (primary)")
	} else {
		row("key", s.KeyID+" (not primary: the application reissues the token under the primary key on its next write)")
	}
	if len(s.Metadata) == 0 {
		row("metadata", "-")
	}
	for i, k := range slices.Sorted(maps.Keys(s.Metadata)) {
		name := ""
		if i == 0 {
			name = "metadata"
		}
		row(name, k+"="+s.Metadata[k])
	}
	if string(s.Data) == "null" {
		row("data", "-")
	} else {
		row("data", string(s.Data))
	}
	return tw.Flush()
}

// refused reports a token the store refused (or any other error): with
// --json, the class and reason also go to standard output.
func (c *cli) refused(err error, tok, keyringPath string, asJSON bool) error {
	class := tokenClass(err)
	if class == "" {
		return err
	}
	if asJSON {
		var reason string
		if r := inspect.ReasonOf(err); r != inspect.ReasonNone {
			reason = r.String()
		}
		if jerr := c.printJSON(refusedJSON{Error: class, Reason: reason}); jerr != nil {
			return jerr
		}
	}
	return rejection(err, tok, keyringPath)
}

// printable returns s, or s quoted as a Go string if it holds characters
// that are not printable (control characters, terminal escapes, invalid
// UTF-8): subjects and metadata can come from clients (a user agent), and
// must not drive the operator's terminal.
func printable(s string) string {
	for _, r := range s {
		if !unicode.IsPrint(r) || r == utf8.RuneError {
			return strconv.Quote(s)
		}
	}
	return s
}

// orDash returns s, or "-" when it is empty.
func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
