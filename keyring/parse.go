package keyring

import (
	"bytes"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
)

// docParser reads a keyring document token by token, which lets it reject
// duplicate and case-folded field names that encoding/json would accept.
type docParser struct {
	dec  *json.Decoder
	data []byte
}

// errorf returns an error wrapping ErrBadFile.
func (p *docParser) errorf(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrBadFile}, args...)...)
}

// token returns the next token, turning syntax errors into messages that
// give a position but never quote the input.
func (p *docParser) token() (json.Token, error) {
	t, err := p.dec.Token()
	if err == nil {
		return t, nil
	}
	var se *json.SyntaxError
	switch {
	case errors.As(err, &se):
		line, col := lineColumn(p.data, se.Offset)
		return nil, p.errorf("JSON syntax error at line %d, column %d", line, col)
	case err == io.EOF || errors.Is(err, io.ErrUnexpectedEOF):
		return nil, p.errorf("unexpected end of input")
	}
	return nil, p.errorf("%v", err)
}

// lineColumn converts a byte offset into 1-based line and column numbers.
func lineColumn(data []byte, offset int64) (line, col int) {
	if offset > int64(len(data)) {
		offset = int64(len(data))
	}
	before := data[:offset]
	line = 1 + bytes.Count(before, []byte{'\n'})
	col = int(offset) - (bytes.LastIndexByte(before, '\n') + 1)
	if col < 1 {
		col = 1
	}
	return line, col
}

// delim reads the next token and checks that it is d.
func (p *docParser) delim(d json.Delim, what string) error {
	t, err := p.token()
	if err != nil {
		return err
	}
	if t != d {
		return p.errorf("%s", what)
	}
	return nil
}

// name reads an object member name and checks it against the allowed names
// and those already seen in the same object.
func (p *docParser) name(where string, allowed []string, seen map[string]bool) (string, error) {
	t, err := p.token()
	if err != nil {
		return "", err
	}
	name, _ := t.(string) // Token only returns a string in name position
	known := false
	for _, a := range allowed {
		known = known || name == a
	}
	switch {
	case !known && len(name) <= 16:
		return "", p.errorf("%sunknown field %q", where, name)
	case !known:
		// A long name might be a misplaced secret: do not quote it.
		return "", p.errorf("%sunknown field (%d characters long)", where, len(name))
	case seen[name]:
		return "", p.errorf("%sduplicate field %q", where, name)
	}
	seen[name] = true
	return name, nil
}

// document parses the whole input and returns its keys, not yet validated
// as a ring.
func (p *docParser) document() ([]Key, error) {
	if err := p.delim('{', "the document must be a JSON object"); err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	var keys []Key
	for p.dec.More() {
		name, err := p.name("", []string{"crumb_keyring", "keys"}, seen)
		if err != nil {
			return nil, err
		}
		switch name {
		case "crumb_keyring":
			t, err := p.token()
			if err != nil {
				return nil, err
			}
			if n, ok := t.(json.Number); !ok || n != "1" {
				return nil, p.errorf("unsupported \"crumb_keyring\" version (want the number %d)", fileVersion)
			}
		case "keys":
			if keys, err = p.keys(); err != nil {
				return nil, err
			}
		}
	}
	if err := p.delim('}', "the document must be a JSON object"); err != nil {
		return nil, err
	}
	if _, err := p.dec.Token(); err != io.EOF {
		return nil, p.errorf("unexpected data after the document")
	}
	if !seen["crumb_keyring"] {
		return nil, p.errorf("missing \"crumb_keyring\" (the format version, 1)")
	}
	if !seen["keys"] {
		return nil, p.errorf("missing \"keys\"")
	}
	return keys, nil
}

// keyFields are the member names of a key object.
var keyFields = []string{"id", "state", "secret", "created", "promoted", "demoted"}

// keys parses the "keys" array.
func (p *docParser) keys() ([]Key, error) {
	if err := p.delim('[', "\"keys\" must be an array"); err != nil {
		return nil, err
	}
	var keys []Key
	for p.dec.More() {
		k, err := p.key(len(keys))
		if err != nil {
			return nil, err
		}
		keys = append(keys, k)
	}
	if err := p.delim(']', "\"keys\" must be an array"); err != nil {
		return nil, err
	}
	return keys, nil
}

// key parses the i-th (0-based) key object.
func (p *docParser) key(i int) (Key, error) {
	where := fmt.Sprintf("key %d: ", i+1)
	if err := p.delim('{', where+"must be a JSON object"); err != nil {
		return Key{}, err
	}
	seen := map[string]bool{}
	fields := map[string]string{}
	for p.dec.More() {
		name, err := p.name(where, keyFields, seen)
		if err != nil {
			return Key{}, err
		}
		t, err := p.token()
		if err != nil {
			return Key{}, err
		}
		s, ok := t.(string)
		if !ok {
			return Key{}, p.errorf("%s%q must be a string", where, name)
		}
		fields[name] = s
	}
	if err := p.delim('}', where+"must be a JSON object"); err != nil {
		return Key{}, err
	}
	for _, name := range keyFields[:3] {
		if !seen[name] {
			return Key{}, p.errorf("%smissing %q", where, name)
		}
	}
	k, err := parseKey(fields["id"], fields["state"], fields["secret"])
	if err != nil {
		return Key{}, p.errorf("key %d%w", i+1, err)
	}
	where = keyWhere(i, k.ID) + ": "
	for _, f := range [...]struct {
		name string
		t    *time.Time
	}{{"created", &k.Created}, {"promoted", &k.Promoted}, {"demoted", &k.Demoted}} {
		if s, ok := fields[f.name]; ok {
			t, err := time.Parse(time.RFC3339, s)
			if err != nil {
				return Key{}, p.errorf("%s%q is not an RFC 3339 time", where, f.name)
			}
			*f.t = t.UTC()
		}
	}
	return k, nil
}

// keyPartError is an error from parseKey. Its message starts with " (id
// 8f3a2c1d): " once the ID is known, or ": " before, so callers can prefix
// it with where the key is; it matches ErrBadKey.
type keyPartError struct{ msg string }

func (e *keyPartError) Error() string        { return e.msg }
func (e *keyPartError) Is(target error) bool { return target == ErrBadKey }

// parseKey validates the text forms of a key's ID, state and secret, as
// found in a keyring document or the environment form. Its errors never
// quote the secret, nor the ID or state (a misplaced secret could be there).
func parseKey(idText, stateText, secretText string) (Key, error) {
	id, err := ParseID(idText)
	if err != nil {
		return Key{}, &keyPartError{": " + strings.TrimPrefix(err.Error(), ErrBadKey.Error()+": ")}
	}
	where := " (id " + FormatID(id) + "): "
	state, err := ParseState(stateText)
	if err != nil {
		return Key{}, &keyPartError{where + strings.TrimPrefix(err.Error(), ErrBadKey.Error()+": ")}
	}
	secret, err := decodeSecret(secretText)
	if err != nil {
		return Key{}, &keyPartError{where + err.Error()}
	}
	k, err := KeyFromSecret(id, state, secret)
	clear(secret)
	return k, err
}

// decodeSecret decodes a secret written as canonical unpadded base64url
// (RFC 4648 §5) of exactly SecretSize bytes. Its errors never contain the
// input.
func decodeSecret(s string) ([]byte, error) {
	b, err := base64.RawURLEncoding.Strict().DecodeString(s)
	if err != nil {
		return nil, errors.New("secret is not base64url without padding")
	}
	if len(b) != SecretSize {
		clear(b)
		return nil, fmt.Errorf("secret must decode to %d bytes", SecretSize)
	}
	// The decoder skips '\r' and '\n'; re-encoding catches those and any
	// other non-canonical spelling.
	if len(s) != secretTextLen || subtle.ConstantTimeCompare([]byte(base64.RawURLEncoding.EncodeToString(b)), []byte(s)) != 1 {
		clear(b)
		return nil, errors.New("secret is not canonical base64url")
	}
	return b, nil
}
