package keyring

import (
	"encoding/base64"
	"fmt"
	"os"
	"strings"
	"unicode"
)

// EnvVar is the conventional name of the environment variable holding a
// keyring, for LoadEnv.
const EnvVar = "CRUMB_KEYRING"

// ParseEnv parses a keyring from the value of an environment variable. Two
// forms are accepted:
//
//   - the JSON keyring document of Unmarshal, if the value (after leading
//     white space) starts with '{';
//   - the compact form written by FormatEnv: entries "id:state:secret",
//     where id is 8 lower-case hex digits, state is primary, active or
//     retired, and secret is 43 characters of unpadded base64url; entries
//     are separated by commas and/or white space, for example
//     "8f3a2c1d:primary:<secret>,0a0b0c0d:active:<secret>".
//
// The compact form has no times. Errors wrap ErrBadFile (and the more
// specific sentinel, if any), name entries by 1-based position and ID, and
// never contain secret material.
func ParseEnv(value string) (*Ring, error) {
	if len(value) > maxFileSize {
		return nil, fmt.Errorf("%w: value larger than %d bytes", ErrBadFile, maxFileSize)
	}
	trimmed := strings.TrimSpace(value)
	if strings.HasPrefix(trimmed, "{") {
		return Unmarshal([]byte(trimmed))
	}
	entries := strings.FieldsFunc(trimmed, func(r rune) bool { return r == ',' || unicode.IsSpace(r) })
	if len(entries) == 0 {
		return nil, badFile(ErrNoKeys)
	}
	keys := make([]Key, len(entries))
	for i, e := range entries {
		parts := strings.Split(e, ":")
		if len(parts) != 3 {
			return nil, fmt.Errorf("%w: entry %d: want id:state:secret, got %d colon-separated parts", ErrBadFile, i+1, len(parts))
		}
		k, err := parseKey(parts[0], parts[1], parts[2])
		if err != nil {
			return nil, fmt.Errorf("%w: entry %d%w", ErrBadFile, i+1, err)
		}
		keys[i] = k
	}
	return ringFromDocument(keys)
}

// FormatEnv returns r in the compact environment form read by ParseEnv:
// "id:state:secret" entries separated by commas, in ring order. Times are
// not included.
//
// The result contains every key's secret: put it only where secrets belong
// (a secret store, a protected environment file), never in logs. A nil ring
// formats as "".
func FormatEnv(r *Ring) string {
	if r == nil {
		return ""
	}
	var b strings.Builder
	for i := range r.entries {
		k := &r.entries[i].key
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(FormatID(k.ID))
		b.WriteByte(':')
		b.WriteString(k.State.String())
		b.WriteByte(':')
		b.WriteString(base64.RawURLEncoding.EncodeToString(k.secret()[:]))
	}
	return b.String()
}

// LoadEnv reads the environment variable name (usually EnvVar) and parses it
// with ParseEnv. An unset or empty (or all white space) variable is an error
// wrapping ErrNoKeys. Errors name the variable, never its value.
func LoadEnv(name string) (*Ring, error) {
	value, ok := os.LookupEnv(name)
	if !ok {
		return nil, fmt.Errorf("%w: environment variable %s is not set", ErrNoKeys, name)
	}
	if strings.TrimSpace(value) == "" {
		return nil, fmt.Errorf("%w: environment variable %s is empty", ErrNoKeys, name)
	}
	r, err := ParseEnv(value)
	if err != nil {
		return nil, withPath("$"+name, err)
	}
	return r, nil
}
