package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"time"
	"unicode/utf8"

	"github.com/crumbhq/crumb/cookie"
	"github.com/crumbhq/crumb/keyring"
)

const mintUsage = `Usage:
    sessionctl mint --keyring FILE --name COOKIE [--audience A] [--subject S]
                    [--data JSON|@FILE|-] [--ttl D] [--idle D]
                    [--meta KEY=VALUE]... [--dictionary DICT] [--json]

Creates a session and prints its token, sealed under the keyring's primary key
for the cookie name and audience, as the application's store would: for tests,
for support, or to hand a session to a client. The data is stored as the
application's default JSON serializer stores it, compressed when that pays
(with the built-in dictionary, or the application's own with --dictionary).

Options:
    --keyring FILE       the keyring file (required)
    --name COOKIE        the cookie name the token is for (required)
    --audience A         the audience label, if the application sets one
    --subject S          whom the session belongs to (a user ID; at most 255
                         bytes)
    --data JSON          the session data: a JSON value, normally an object;
                         @FILE reads it from a file, - from standard input
                         (at most 1 MiB; 64 KiB once serialized)
    --ttl D              the absolute lifetime (default 12h0m0s); whole seconds
    --idle D             the idle timeout (default 30m0s, at most --ttl); whole
                         seconds
    --meta KEY=VALUE     session metadata; repeat for more (at most 16 entries,
                         keys of 1 to 64 bytes, values of at most 255)
    --dictionary DICT    compress with the application's dictionary (written by
                         ` + "`sessionctl dict train`" + `) instead of the built-in one
    --json               print {"token", "session_id", "subject", "created",
                         "issued", "idle_deadline", "expires", "key_id"}

Examples:
    sessionctl mint --keyring keyring.json --name session --subject alice
    sessionctl mint --keyring keyring.json --name session --data '{"cart":["SKU-1"]}' --ttl 1h
    sessionctl mint --keyring keyring.json --name session --data @session.json --meta ip=203.0.113.7
    sessionctl mint --keyring keyring.json --name session | sessionctl decode --keyring keyring.json --name session
`

// mintedJSON is the output of mint --json.
type mintedJSON struct {
	Token        string `json:"token"`
	SessionID    string `json:"session_id"`
	Subject      string `json:"subject"`
	Created      string `json:"created"`
	Issued       string `json:"issued"`
	IdleDeadline string `json:"idle_deadline"`
	Expires      string `json:"expires"`
	KeyID        string `json:"key_id"`
}

func runMint(c *cli, args []string) error {
	fset := newFlagSet("mint")
	var sf storeFlags
	sf.register(fset)
	subject := fset.String("subject", "", "")
	dataSpec := fset.String("data", "", "")
	ttl := fset.Duration("ttl", cookie.DefaultAbsoluteTimeout, "")
	idle := fset.Duration("idle", cookie.DefaultIdleTimeout, "")
	meta := metaFlag{}
	fset.Var(meta, "meta", "")
	asJSON := fset.Bool("json", false, "")
	pos, err := parseArgs(fset, args)
	if err != nil {
		return err
	}
	if err := wantArgs(pos, 0, 0, ""); err != nil {
		return err
	}
	if err := sf.check(); err != nil {
		return err
	}
	if err := wholeSeconds("ttl", *ttl, time.Second); err != nil {
		return err
	}
	if err := wholeSeconds("idle", *idle, time.Second); err != nil {
		return err
	}
	idleSet := false
	fset.Visit(func(f *flag.Flag) { idleSet = idleSet || f.Name == "idle" })
	if idleSet && *idle > *ttl {
		return usageErrorf("", "--idle %v is longer than --ttl %v", *idle, *ttl)
	}
	if len(*subject) > cookie.MaxSubjectLen || !utf8.ValidString(*subject) {
		return usageErrorf("", "--subject must be valid UTF-8 of at most %d bytes", cookie.MaxSubjectLen)
	}
	var data json.RawMessage
	if *dataSpec != "" {
		if data, err = c.sessionData(*dataSpec); err != nil {
			return err
		}
	}
	store, ring, closeStore, err := c.openStore(&sf, cookie.Options{AbsoluteTimeout: *ttl, IdleTimeout: min(*idle, *ttl)}, "", false)
	if err != nil {
		return err
	}
	defer closeStore()
	opts := cookie.CreateOptions{Subject: *subject, Metadata: meta}
	if data != nil {
		opts.Data = data
	}
	rec, err := store.NewRecord(opts)
	if err != nil {
		return err
	}
	tok, err := store.Save(c.context(), rec)
	if err != nil {
		if errors.Is(err, cookie.ErrSessionTooLarge) {
			return failf([]string{fmt.Sprintf("session data is capped at 64 KiB once serialized, and a token at %d characters", cookie.DefaultMaxTokenLen)},
				"%w", err)
		}
		return err
	}
	if *asJSON {
		return c.printJSON(mintedJSON{
			Token: tok, SessionID: rec.ID().String(), Subject: rec.Subject(),
			Created: timeText(rec.Created()), Issued: timeText(rec.Issued()),
			IdleDeadline: timeText(rec.IdleDeadline()), Expires: timeText(rec.Expires()),
			KeyID: keyring.FormatID(ring.Primary().ID),
		})
	}
	fmt.Fprintln(c.stdout, tok)
	return nil
}

// sessionData reads and checks the --data value: one JSON value. null means
// no data; a value other than an object is stored, with a warning that the
// application cannot address it by key.
func (c *cli) sessionData(spec string) (json.RawMessage, error) {
	b, err := c.readData(spec)
	if err != nil {
		return nil, err
	}
	b = bytes.TrimSpace(b)
	var v json.RawMessage
	if err := json.Unmarshal(b, &v); err != nil {
		return nil, usageErrorf("", "--data is not valid JSON: %v", err)
	}
	switch {
	case bytes.Equal(b, []byte("null")):
		return nil, nil
	case b[0] != '{':
		c.warnf("--data is not a JSON object: the application can read it only as a whole (cookie.As), not by key")
	}
	return v, nil
}
