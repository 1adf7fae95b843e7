// Package inspect tells what a crumb token is without opening it, and why
// one was refused: the header anyone holding a token can read (format
// version, key ID, nonce, sizes, tag) and the exact reason behind an error
// of cookie.Store.Read. It is for tools and operators — sessionctl is built
// on it — not for request handling, where every integrity failure must stay
// one opaque error.
package inspect

import (
	"encoding/base64"
	"fmt"

	"github.com/crumbhq/crumb/internal/envelope"
	"github.com/crumbhq/crumb/internal/token"
)

const (
	// FormatVersion is the token format version crumb reads and writes.
	FormatVersion = envelope.Version
	// MinTokenLen is the length, in characters, of the shortest token.
	MinTokenLen = token.MinLen
	// DefaultMaxLen is the default cap on a token, in characters, as
	// cookie.DefaultMaxTokenLen.
	DefaultMaxLen = token.DefaultMaxLen
)

// Sizes of the parts of a token's envelope, in bytes.
const (
	HeaderSize = envelope.HeaderSize // version, key ID and nonce
	KeyIDSize  = envelope.KeyIDSize
	NonceSize  = envelope.NonceSize
	TagSize    = envelope.TagSize
)

// Reason says exactly why a token was refused. It is for the server's own
// use — metrics (cookie.Stats counts them), logs and tools — never for
// clients: every integrity failure has the same message. ReasonOf finds it
// in an error of cookie.Store.Read.
type Reason = token.Reason

// The reasons, grouped by the error class they belong to.
const (
	ReasonNone = token.ReasonNone
	// ErrInvalid
	ReasonEncoding   = token.ReasonEncoding   // not canonical base64url, or too short to be a token
	ReasonVersion    = token.ReasonVersion    // another format version
	ReasonUnknownKey = token.ReasonUnknownKey // the key ID is not in the keyring
	ReasonRetiredKey = token.ReasonRetiredKey // the key was retired
	ReasonAuth       = token.ReasonAuth       // authentication failed: changed, or another cookie name or audience
	ReasonClaims     = token.ReasonClaims     // authentic, with malformed claims
	ReasonFuture     = token.ReasonFuture     // issued in the future, beyond the skew
	ReasonDictionary = token.ReasonDictionary // compressed with a dictionary this reader does not have
	ReasonSerializer = token.ReasonSerializer // data in a serializer the store does not read
	// ErrExpired
	ReasonIdleExpired     = token.ReasonIdleExpired
	ReasonAbsoluteExpired = token.ReasonAbsoluteExpired
	// ErrRevoked
	ReasonRevoked        = token.ReasonRevoked        // the session was revoked
	ReasonSubjectRevoked = token.ReasonSubjectRevoked // its user was logged out everywhere
	// ErrTooLarge
	ReasonTokenTooLarge   = token.ReasonTokenTooLarge
	ReasonPayloadTooLarge = token.ReasonPayloadTooLarge
)

// ReasonOf returns the reason behind an error of cookie.Store.Read (or
// Touch, Update…), or ReasonNone for an error that is not a token's
// refusal.
func ReasonOf(err error) Reason { return token.ReasonOf(err) }

// Header is what anyone holding a token can read without a key: the
// format version, the ID of the key that sealed it, the nonce, the sizes of
// its parts and the tag. The claims and the data stay sealed.
type Header struct {
	Version    int    // FormatVersion for a token this package reads
	KeyID      uint32 // the keyring's ID of the key that sealed it
	Nonce      []byte // NonceSize random bytes, new for every token
	Tag        []byte // TagSize bytes of Poly1305 tag
	Length     int    // characters
	Size       int    // decoded bytes
	Ciphertext int    // bytes of encrypted claims and data
}

// ParseHeader reads the header of a token without any key. It fails, with
// an error matching cookie.ErrInvalid, for a string that is not canonical
// unpadded base64url, is shorter than the shortest token (MinTokenLen), or
// has another format version than FormatVersion (the header then holds
// that version and the key ID); and with an error matching
// cookie.ErrTooLarge for one over maxLen characters (0: DefaultMaxLen). It
// decides nothing about the token's authenticity: cookie.Store.Read does.
func ParseHeader(tok string, maxLen int) (Header, error) {
	if maxLen <= 0 {
		maxLen = DefaultMaxLen
	}
	switch {
	case len(tok) > maxLen:
		return Header{}, fmt.Errorf("%w: %d characters, cap %d", token.ErrTooLarge, len(tok), maxLen)
	case len(tok) < MinTokenLen:
		return Header{}, fmt.Errorf("%w: %d characters, and the shortest token has %d", token.ErrInvalid, len(tok), MinTokenLen)
	}
	strict := base64.RawURLEncoding.Strict()
	env, err := strict.DecodeString(tok)
	// The decoder skips '\r' and '\n': a token holding one is not canonical.
	if err != nil || strict.EncodedLen(len(env)) != len(tok) {
		return Header{}, fmt.Errorf("%w: not canonical unpadded base64url", token.ErrInvalid)
	}
	version, keyID, ok := envelope.ParseHeader(env)
	if !ok {
		return Header{}, fmt.Errorf("%w: too short to be a token", token.ErrInvalid)
	}
	if version != envelope.Version {
		h := Header{Version: int(version), KeyID: keyID, Length: len(tok), Size: len(env)}
		return h, fmt.Errorf("%w: token format version %d, and this reader knows %d", token.ErrInvalid, version, envelope.Version)
	}
	return Header{
		Version: int(version), KeyID: keyID,
		Nonce:      env[1+KeyIDSize : HeaderSize],
		Tag:        env[len(env)-TagSize:],
		Length:     len(tok),
		Size:       len(env),
		Ciphertext: len(env) - envelope.Overhead,
	}, nil
}
