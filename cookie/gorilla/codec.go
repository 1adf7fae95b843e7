package gorilla

import (
	"crypto/rand"
	"fmt"
	"strings"
	"time"

	"github.com/gorilla/securecookie"

	"github.com/crumbhq/crumb/codec"
	"github.com/crumbhq/crumb/internal/envelope"
	"github.com/crumbhq/crumb/internal/token"
	"github.com/crumbhq/crumb/keyring"
)

// Defaults, those of gorilla/securecookie and gorilla/sessions.
const (
	// DefaultMaxAge is how long a cookie stays valid after it was written:
	// 30 days, securecookie's default and the Max-Age of gorilla's
	// CookieStore.
	DefaultMaxAge = 30 * 24 * time.Hour

	// DefaultMaxLength caps a cookie value, in characters: 4096, as
	// securecookie does, because browsers keep no more of a cookie (name
	// and value together).
	DefaultMaxLength = 4096
)

// CodecOptions configure a Codec. Only Keys is required.
type CodecOptions struct {
	// Keys provides the keyring: a *keyring.Ring, or a *keyring.Watcher to
	// rotate keys without a restart. Required.
	Keys keyring.Source

	// Audience, when set, is authenticated with every cookie besides its
	// name, as in cookie.Options: apps with the same keys and cookie name
	// but different audiences cannot read each other's cookies.
	Audience string

	// MaxAge is how long a cookie is accepted after it was written (each
	// save writes it anew, so a session used within MaxAge lives on), as
	// securecookie's MaxAge. Default DefaultMaxAge (30 days); whole
	// seconds. gorilla's CookieStore.MaxAge does not reach this Codec (it
	// sets only securecookie's own): keep the two equal by hand.
	MaxAge time.Duration

	// Codec compresses and bounds the serialized values. Default codec.New
	// with zero options: compression when it pays, a 64 KiB cap on decoded
	// values. Pass the one your crumb store uses, if any: a codec holds
	// several MiB once used. Use codec.CompressOff for sessions that mix
	// secrets with attacker-influenced values (see package codec).
	Codec *codec.Codec

	// Serializer turns values into bytes. Default Gob, as gorilla's.
	Serializer Serializer

	// MaxLength caps a cookie value, in characters, when encoding and
	// decoding. Default DefaultMaxLength (4096).
	MaxLength int
}

// Codec seals cookie values as crumb tokens: XChaCha20-Poly1305 under a
// keyring with key IDs, compressed when that pays, bound to the cookie name.
// It implements securecookie.Codec, so a gorilla/sessions CookieStore can
// use it in its Codecs. A Codec is immutable and safe for concurrent use.
type Codec struct {
	keys     keyring.Source
	audience string
	maxAge   int64 // seconds
	codec    *codec.Codec
	ser      Serializer
	maxLen   int
}

var _ securecookie.Codec = (*Codec)(nil)

// NewCodec returns a Codec for the options, or an error wrapping
// ErrBadOptions.
func NewCodec(o CodecOptions) (*Codec, error) {
	if o.MaxAge == 0 {
		o.MaxAge = DefaultMaxAge
	}
	if o.MaxLength == 0 {
		o.MaxLength = DefaultMaxLength
	}
	switch {
	case !hasRing(o.Keys):
		return nil, fmt.Errorf("%w: Keys is required (a *keyring.Ring or a running *keyring.Watcher)", ErrBadOptions)
	case o.MaxAge < time.Second || o.MaxAge%time.Second != 0:
		return nil, fmt.Errorf("%w: MaxAge must be whole seconds, at least 1 s", ErrBadOptions)
	case !o.Serializer.valid():
		return nil, fmt.Errorf("%w: unknown serializer %v", ErrBadOptions, o.Serializer)
	case o.MaxLength < token.MinLen:
		return nil, fmt.Errorf("%w: MaxLength %d is below the shortest token (%d)", ErrBadOptions, o.MaxLength, token.MinLen)
	case len(o.Audience)+1 >= envelope.MaxPurposeLen:
		return nil, fmt.Errorf("%w: Audience is longer than %d bytes", ErrBadOptions, envelope.MaxPurposeLen-2)
	}
	if o.Codec == nil {
		var err error
		if o.Codec, err = codec.New(codec.Options{}); err != nil {
			return nil, err
		}
	}
	return &Codec{
		keys: o.Keys, audience: o.Audience, maxAge: int64(o.MaxAge / time.Second),
		codec: o.Codec, ser: o.Serializer, maxLen: o.MaxLength,
	}, nil
}

// hasRing reports whether src provides a ring: not nil, nor a typed nil
// that would panic on first use.
func hasRing(src keyring.Source) (ok bool) {
	if src == nil {
		return false
	}
	defer func() {
		if recover() != nil {
			ok = false
		}
	}()
	return src.Ring() != nil
}

// purpose returns the sealing purpose for a cookie name, as cookie.Store
// builds it (SPEC.md §3.4): the name, then NUL and the audience if any.
func (c *Codec) purpose(name string) (string, error) {
	switch {
	case name == "" || strings.IndexByte(name, 0) >= 0:
		return "", &codecError{err: fmt.Errorf("%w: a cookie name must not be empty nor hold a NUL byte", ErrBadOptions)}
	case len(name)+1+len(c.audience) > envelope.MaxPurposeLen:
		return "", &codecError{err: fmt.Errorf("%w: cookie name and audience together exceed %d bytes", ErrBadOptions, envelope.MaxPurposeLen-1)}
	}
	if c.audience == "" {
		return name, nil
	}
	return name + "\x00" + c.audience, nil
}

// Encode serializes value and seals it for the cookie name: a token with a
// new random session ID, issued now, valid for MaxAge. A value the
// serializer refuses fails with ErrSerialize, one that makes the cookie
// longer than MaxLength (or its serialized form longer than the codec's
// cap) with cookie.ErrTooLarge; both are securecookie usage errors.
func (c *Codec) Encode(name string, value any) (string, error) {
	purpose, err := c.purpose(name)
	if err != nil {
		return "", err
	}
	payload, err := c.ser.marshal(value)
	if err != nil {
		return "", &codecError{err: fmt.Errorf("%w: %s", ErrSerialize, encodeProblem(c.ser, err)), cause: err}
	}
	now := time.Now().Unix()
	cl := token.Claims{
		Created: now, Issued: now, Expires: now + c.maxAge, IdleDeadline: now + c.maxAge,
		Serializer: codec.RawID, // gorilla's values, not a crumb session: see Decode
	}
	rand.Read(cl.SessionID[:]) // never fails: crypto/rand crashes the program instead
	tok, err := token.Seal(c.keys.Ring(), c.codec, purpose, &cl, payload, c.maxLen)
	if err != nil {
		return "", &codecError{err: fmt.Errorf("gorilla: encoding cookie %q: %w", name, err)}
	}
	return tok, nil
}

// Decode opens the cookie value sealed for name and deserializes it into
// dst, a pointer (gorilla/sessions passes its *map[interface{}]interface{};
// with gob, anything gob decodes into works, with JSON anything
// encoding/json does). Only a token that authenticates under its key ID
// with one AEAD attempt, for this name and audience, within MaxAge is
// deserialized: attacker-made bytes never reach gob or encoding/json, and
// the decoded size is capped by the codec. dst is left alone on every
// failure but ErrDeserialize.
//
// Errors match cookie.ErrInvalid, cookie.ErrExpired, cookie.ErrTooLarge or
// ErrDeserialize with errors.Is, and are securecookie decode errors
// (IsDecode); securecookie.DecodeMulti returns them in its MultiError,
// which errors.Is does not look into.
//
// The Codec's tokens mark their payload as raw (SPEC.md §4.1): they hold
// gorilla's values, not a crumb session, so a cookie.Store refuses them,
// and Decode refuses the Store's tokens. LegacyOptions.Codec reads them
// into crumb sessions.
func (c *Codec) Decode(name, value string, dst any) error {
	_, err := c.open(name, value, dst)
	return err
}

// open is Decode, returning when the token was issued (unix seconds).
func (c *Codec) open(name, value string, dst any) (int64, error) {
	purpose, err := c.purpose(name)
	if err != nil {
		return 0, err
	}
	var o token.Opened
	if err := token.Unseal(c.keys.Ring(), purpose, value, c.maxLen, &o); err != nil {
		return 0, decodeError(err)
	}
	now := time.Now()
	if err := token.CheckTime(&o.Claims, now, token.DefaultSkew); err != nil {
		return 0, decodeError(err)
	}
	// A cookie lives no longer than the current MaxAge allows, so
	// shortening it applies at once.
	if now.Unix() >= o.Created+c.maxAge {
		return 0, decodeError(token.Reject(token.ReasonAbsoluteExpired))
	}
	payload, err := token.DecodeBody(c.codec, &o)
	if err != nil {
		return 0, decodeError(err)
	}
	if o.Serializer != codec.RawID {
		return 0, decodeError(token.Reject(token.ReasonSerializer))
	}
	if err := c.ser.unmarshal(payload, dst); err != nil {
		return 0, &codecError{decode: true, err: fmt.Errorf("%w: %s", ErrDeserialize, problem(c.ser, err)), cause: err}
	}
	return o.Issued, nil
}

// decodeError wraps a token rejection (cookie.ErrInvalid and the other
// classes, whose messages say nothing of the token) as a decode error.
func decodeError(err error) error {
	return &codecError{decode: true, err: fmt.Errorf("gorilla: %w", err)}
}
