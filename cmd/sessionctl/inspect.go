package main

import (
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/crumbhq/crumb/cookie"
	"github.com/crumbhq/crumb/inspect"
	"github.com/crumbhq/crumb/keyring"
)

const inspectUsage = `Usage:
    sessionctl inspect [--json] [TOKEN|-]

Shows what anyone holding a token can read without the keys: the format
version, the ID of the key that sealed it (as in the keyring file), its length
in characters and in decoded bytes, and the sizes of its parts (header,
ciphertext, tag). Nothing is decrypted and no keyring is needed: the claims and
the data stay sealed. The token is the argument, or is read from standard
input when the argument is - or absent.

A string that is not canonical unpadded base64url, too short to be a token, or
of another format version is an error (exit status 1).

Options:
    --json   print {"version", "key_id", "length", "bytes", "header",
             "ciphertext", "tag"}, lengths in characters and sizes in bytes

Examples:
    sessionctl inspect AQ8jLB0…
    sessionctl mint --keyring keyring.json --name session | sessionctl inspect --json
`

// inspectJSON is the output of inspect --json.
type inspectJSON struct {
	Version    int    `json:"version"`
	KeyID      string `json:"key_id"`
	Length     int    `json:"length"`
	Bytes      int    `json:"bytes"`
	Header     int    `json:"header"`
	Ciphertext int    `json:"ciphertext"`
	Tag        int    `json:"tag"`
}

func runInspect(c *cli, args []string) error {
	fset := newFlagSet("inspect")
	asJSON := fset.Bool("json", false, "")
	pos, err := parseArgs(fset, args)
	if err != nil {
		return err
	}
	if err := wantArgs(pos, 0, 1, "TOKEN"); err != nil {
		return err
	}
	tok, err := c.readToken(pos, maxInspectLen)
	if errors.Is(err, cookie.ErrTooLarge) {
		return fmt.Errorf("not a crumb token: longer than %d characters", maxInspectLen)
	}
	if err != nil {
		return err
	}
	if _, err := decodeToken(tok); err != nil {
		return err // with hints on what is wrong with the string
	}
	h, err := inspect.ParseHeader(tok, maxInspectLen)
	if h.Version != 0 && h.Version != inspect.FormatVersion {
		return failf([]string{"this sessionctl reads token format version 1 only"},
			"unknown token format version %d", h.Version)
	}
	if err != nil {
		return fmt.Errorf("not a crumb token: %w", err)
	}
	if len(tok) > cookie.DefaultMaxTokenLen {
		c.warnf("the token is longer than %d characters: a store with the default options refuses it as too large", cookie.DefaultMaxTokenLen)
	}
	out := inspectJSON{
		Version: h.Version, KeyID: keyring.FormatID(h.KeyID),
		Length: h.Length, Bytes: h.Size,
		Header: inspect.HeaderSize, Ciphertext: h.Ciphertext, Tag: inspect.TagSize,
	}
	if *asJSON {
		return c.printJSON(out)
	}
	tw := tabwriter.NewWriter(c.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "format version\t%d\n", out.Version)
	fmt.Fprintf(tw, "key id\t%s\n", out.KeyID)
	fmt.Fprintf(tw, "length\t%d characters\n", out.Length)
	fmt.Fprintf(tw, "decoded\t%d bytes\n", out.Bytes)
	fmt.Fprintf(tw, "header\t%d bytes (version 1, key ID %d, nonce %d)\n", out.Header, inspect.KeyIDSize, inspect.NonceSize)
	fmt.Fprintf(tw, "ciphertext\t%d bytes (claims and data, encrypted)\n", out.Ciphertext)
	fmt.Fprintf(tw, "tag\t%d bytes\n", out.Tag)
	return tw.Flush()
}

// strictBase64 is the token alphabet: base64url without padding, with no
// non-zero trailing bits (SPEC.md §7).
var strictBase64 = base64.RawURLEncoding.Strict()

// decodeToken returns the envelope of a token: its canonical base64url
// decoding, at least as long as the shortest token. It reads no key.
func decodeToken(tok string) ([]byte, error) {
	if len(tok) < inspect.MinTokenLen {
		return nil, fmt.Errorf("not a crumb token: %d characters, and the shortest token has %d", len(tok), inspect.MinTokenLen)
	}
	env, err := strictBase64.DecodeString(tok)
	// The decoder skips '\r' and '\n': a token holding one is not canonical.
	if err != nil || strictBase64.EncodedLen(len(env)) != len(tok) {
		var hints []string
		switch {
		case strings.ContainsAny(tok, "\"' "):
			hints = append(hints, "remove the quotes and spaces around and inside the token")
		case strings.ContainsAny(tok, "=;"):
			hints = append(hints, "pass the cookie's value only, without its name (NAME=VALUE) or attributes")
		case strings.ContainsAny(tok, "+/"):
			hints = append(hints, "tokens use the URL-safe alphabet (- and _), never + and /")
		case strings.Contains(tok, "%"):
			hints = append(hints, "the token looks URL-encoded: decode it first")
		}
		return nil, withHints(errors.New("not a crumb token: not canonical unpadded base64url"), hints...)
	}
	return env, nil
}
