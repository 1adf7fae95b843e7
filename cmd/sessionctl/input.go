package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/crumbhq/crumb/cookie"
)

// Input bounds. Nothing is read past them, from a file or standard input.
const (
	// maxDataInput caps session data given to mint, in bytes. The codec
	// refuses more than 64 KiB of decoded data anyway; this bounds the read.
	maxDataInput = 1 << 20
	// tokenSlack is how much white space around a token is tolerated on
	// top of the token cap (a trailing newline, a pasted indentation).
	tokenSlack = 1 << 10
	// maxInspectLen caps the tokens inspect looks at, in characters: well
	// past cookie.DefaultMaxTokenLen, so that an oversized token can be
	// inspected to see why it was refused.
	maxInspectLen = 64 << 10
)

// errInputTooLarge reports input longer than its bound.
var errInputTooLarge = errors.New("input too large")

// readBounded reads all of r, failing with errInputTooLarge past max bytes.
func readBounded(r io.Reader, max int) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, int64(max)+1))
	if err != nil {
		return nil, err
	}
	if len(b) > max {
		return nil, errInputTooLarge
	}
	return b, nil
}

// readFileBounded reads the file at path, failing past max bytes.
func readFileBounded(path string, max int) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := readBounded(f, max)
	if errors.Is(err, errInputTooLarge) {
		return nil, fmt.Errorf("%s: larger than %d bytes", path, max)
	}
	return b, err
}

// readToken returns the token given as the only positional argument, or read
// from standard input when it is "-" or absent, without surrounding white
// space. A token longer than max characters is an error wrapping
// cookie.ErrTooLarge.
func (c *cli) readToken(pos []string, max int) (string, error) {
	var tok string
	if len(pos) == 0 || pos[0] == "-" {
		b, err := readBounded(c.stdin, max+tokenSlack)
		if errors.Is(err, errInputTooLarge) {
			return "", fmt.Errorf("%w: standard input holds more than %d bytes", cookie.ErrTooLarge, max+tokenSlack)
		}
		if err != nil {
			return "", fmt.Errorf("reading the token from standard input: %w", err)
		}
		tok = string(bytes.TrimSpace(b))
		if tok == "" {
			return "", withHints(errors.New("no token: standard input is empty"),
				"pass the token as an argument, or pipe it in: `sessionctl mint … | sessionctl decode …`")
		}
	} else {
		tok = strings.TrimSpace(pos[0])
		if tok == "" {
			return "", usageErrorf("", "the token argument is empty")
		}
	}
	if len(tok) > max {
		return "", fmt.Errorf("%w: %d characters, more than the %d allowed", cookie.ErrTooLarge, len(tok), max)
	}
	return tok, nil
}

// readData returns the bytes of a --data value: the JSON itself, @FILE for a
// file's content, or - for standard input; at most maxDataInput bytes.
func (c *cli) readData(spec string) ([]byte, error) {
	var b []byte
	var err error
	switch {
	case spec == "-":
		b, err = readBounded(c.stdin, maxDataInput)
		if errors.Is(err, errInputTooLarge) {
			err = fmt.Errorf("standard input: larger than %d bytes", maxDataInput)
		}
	case strings.HasPrefix(spec, "@"):
		b, err = readFileBounded(c.path(spec[1:]), maxDataInput)
	default:
		b = []byte(spec)
		if len(b) > maxDataInput {
			err = fmt.Errorf("--data is larger than %d bytes", maxDataInput)
		}
	}
	if err != nil {
		return nil, fmt.Errorf("reading --data: %w", err)
	}
	return b, nil
}
