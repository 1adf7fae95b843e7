package gorilla

import (
	"errors"

	"github.com/gorilla/securecookie"
)

// Errors of this package. Reading also fails with crumb's error classes:
// cookie.ErrInvalid for anything tampered, malformed, under another key or
// cookie name; cookie.ErrExpired (which matches cookie.ErrNotFound) past
// MaxAge; cookie.ErrTooLarge past MaxLength. Test for all of them with
// errors.Is. No message contains a key, a cookie value or a session value.
var (
	// ErrBadOptions is returned by NewCodec and NewLegacy for invalid
	// options.
	ErrBadOptions = errors.New("gorilla: bad options")

	// ErrSerialize means Codec.Encode could not serialize the value: a type
	// gob does not know (gob.Register it), or, with the JSON serializer, a
	// map key that is not a string or a value encoding/json refuses.
	ErrSerialize = errors.New("gorilla: value cannot be serialized")

	// ErrDeserialize means an authentic cookie did not deserialize into the
	// destination: a gob type the program has not registered, a destination
	// of another type, or a legacy cookie holding something other than a
	// map.
	ErrDeserialize = errors.New("gorilla: value cannot be deserialized")

	// ErrSubject means LegacyOptions.Subject returned a subject crumb cannot
	// carry (more than 255 bytes, or not UTF-8). The legacy cookie is not
	// migrated: better logged out than logged in as someone else.
	ErrSubject = errors.New("gorilla: legacy session's subject is not valid")
)

// codecError is what Codec.Encode and Codec.Decode return: it wraps the
// sentinel (errors.Is works) and implements securecookie.Error, so that
// code inspecting gorilla's errors — IsDecode on the MultiError that
// securecookie.DecodeMulti and sessions.CookieStore return — keeps working.
type codecError struct {
	decode bool  // a cookie that did not decode; otherwise a usage error
	err    error // the message, wrapping the sentinel or error class
	cause  error // the underlying library's error (gob, json), if any
}

var _ securecookie.Error = (*codecError)(nil)

func (e *codecError) Error() string    { return e.err.Error() }
func (e *codecError) Unwrap() error    { return e.err }
func (e *codecError) IsUsage() bool    { return !e.decode }
func (e *codecError) IsDecode() bool   { return e.decode }
func (e *codecError) IsInternal() bool { return false }
func (e *codecError) Cause() error     { return e.cause }
