package gorilla

import (
	"context"
	"crypto/aes"
	"encoding/base64"
	"encoding/gob"
	"errors"
	"fmt"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/gorilla/securecookie"

	"github.com/crumbhq/crumb/cookie"
	"github.com/crumbhq/crumb/internal/token"
)

// LegacyOptions describe the gorilla/securecookie codec — or the
// gorilla/sessions CookieStore — whose cookies a Legacy reads: its keys,
// serializer and limits. Only HashKey is required (or Codec).
type LegacyOptions struct {
	// HashKey is the application's HMAC key: the first key given to
	// securecookie.New or sessions.NewCookieStore. Required, unless Codec
	// is set and the application has no securecookie cookies left.
	HashKey []byte

	// BlockKey is the application's encryption key, the second of the
	// pair, if it had one: 16, 24 or 32 bytes (AES-128, -192 or -256).
	// Empty means the cookies were authenticated but not encrypted.
	BlockKey []byte

	// Serializer is the one the application used: Gob (the default, as
	// gorilla's) or JSON (securecookie.JSONEncoder).
	Serializer Serializer

	// MaxAge is how long after it was last written a cookie is accepted,
	// as securecookie's MaxAge. Default DefaultMaxAge (30 days,
	// securecookie's and CookieStore's default); whole seconds. A negative
	// value accepts cookies of any age, as securecookie's MaxAge(0) does:
	// use it only if the application had that setting, because a copy of
	// a legacy cookie would then never stop being accepted while Legacy is
	// configured.
	MaxAge time.Duration

	// MaxLength caps a cookie value, in characters. Default
	// DefaultMaxLength (4096, securecookie's).
	MaxLength int

	// Subject picks the crumb session's subject — the user ID that
	// middleware.Session.Subject returns and cookie.Store.RevokeSubject
	// matches — from the legacy session's values; SubjectKey("user_id")
	// takes it from one value. It must return "" (anonymous) or at most
	// 255 bytes of UTF-8. Default none: every migrated session is
	// anonymous, its values only data.
	Subject func(values map[interface{}]interface{}) string

	// Codec, if set, makes Legacy read the cookies crumb's Codec wrote as
	// well: for an application that put the Codec in its CookieStore
	// first and now moves on to crumb's middleware. Its sessions become
	// crumb sessions by the same rules; its own MaxAge applies to them.
	Codec *Codec
}

// Legacy reads cookies written by gorilla/securecookie — and so by a
// gorilla/sessions CookieStore — with the application's keys (and those of
// crumb's Codec, with LegacyOptions.Codec), for migrating to crumb without
// logging anybody out: as Options.Legacy of the middleware, it turns a
// valid legacy cookie into a crumb session. The cookie is verified by
// securecookie itself (HMAC-SHA256, then AES-CTR decryption if there is a
// block key), so only authenticated bytes are ever deserialized. A Legacy
// is safe for concurrent use.
type Legacy struct {
	sc      *securecookie.SecureCookie // nil: Codec cookies only
	codec   *Codec                     // nil: securecookie cookies only
	ser     Serializer
	maxAge  int64 // seconds; 0: any age
	maxLen  int
	subject func(map[interface{}]interface{}) string
}

var _ cookie.LegacyReader = (*Legacy)(nil)

// LegacySession is a legacy cookie's session, as Legacy.Read finds it.
type LegacySession struct {
	// Written is when the application last wrote the cookie: the
	// timestamp securecookie authenticates with it, whole seconds.
	Written time.Time

	// Values are the session's values as deserialized: a gorilla
	// session's map with gob (or a map with string keys that securecookie
	// was given directly), the members of the object with JSON.
	Values map[interface{}]interface{}

	// Subject is what LegacyOptions.Subject picked from Values, or "".
	Subject string

	// Data is what the crumb session gets: Values under string keys,
	// converted so that they serialize to JSON (see the package
	// documentation). Never nil.
	Data map[string]any

	// Dropped describes each value of Values that Data leaves out, naming
	// its key and type, never its value; sorted. Empty when everything
	// was carried over.
	Dropped []string
}

// NewLegacy returns a Legacy for the options, or an error wrapping
// ErrBadOptions. The keys are copied.
//
// With Gob, NewLegacy registers []interface{} with encoding/gob, as
// gorilla/sessions does when it is imported: gorilla's flashes are stored
// as one, and an application that has moved to crumb may no longer import
// gorilla/sessions. The application's own types that its gorilla sessions
// held must stay registered (gob.Register) for as long as it reads legacy
// cookies; a cookie holding a type that is not is not migrated
// (ErrDeserialize).
func NewLegacy(o LegacyOptions) (*Legacy, error) {
	if o.MaxAge == 0 {
		o.MaxAge = DefaultMaxAge
	}
	if o.MaxLength == 0 {
		o.MaxLength = DefaultMaxLength
	}
	switch {
	case len(o.HashKey) == 0 && o.Codec == nil:
		return nil, fmt.Errorf("%w: HashKey is required", ErrBadOptions)
	case len(o.HashKey) == 0 && len(o.BlockKey) != 0:
		return nil, fmt.Errorf("%w: BlockKey without HashKey", ErrBadOptions)
	case len(o.BlockKey) != 0 && len(o.BlockKey) != 16 && len(o.BlockKey) != 24 && len(o.BlockKey) != 32:
		return nil, fmt.Errorf("%w: BlockKey must be 16, 24 or 32 bytes (AES-128, -192, -256), not %d", ErrBadOptions, len(o.BlockKey))
	case !o.Serializer.valid():
		return nil, fmt.Errorf("%w: unknown serializer %v", ErrBadOptions, o.Serializer)
	case o.MaxAge > 0 && (o.MaxAge < time.Second || o.MaxAge%time.Second != 0):
		return nil, fmt.Errorf("%w: MaxAge must be whole seconds, at least 1 s (negative: any age)", ErrBadOptions)
	case o.MaxLength < 0:
		return nil, fmt.Errorf("%w: MaxLength must be positive", ErrBadOptions)
	}
	var blockKey []byte
	if len(o.BlockKey) > 0 {
		blockKey = append([]byte(nil), o.BlockKey...)
		if _, err := aes.NewCipher(blockKey); err != nil { // lengths are checked: never fails
			return nil, fmt.Errorf("%w: BlockKey: %v", ErrBadOptions, err)
		}
	}
	l := &Legacy{codec: o.Codec, ser: o.Serializer, maxLen: o.MaxLength, subject: o.Subject}
	if len(o.HashKey) > 0 {
		// securecookie checks the HMAC and decrypts; the age is checked
		// here, on the authenticated timestamp (MaxAge(0): none there), so
		// that an expired cookie is told apart from a forged one;
		// deserializing is done here too, with securecookie's own
		// serializers, once the age passed.
		l.sc = securecookie.New(append([]byte(nil), o.HashKey...), blockKey).
			SetSerializer(securecookie.NopEncoder{}).
			MaxAge(0).
			MaxLength(o.MaxLength)
	}
	if o.Serializer == Gob || o.Codec != nil && o.Codec.ser == Gob {
		// gorilla/sessions stores flashes as []interface{} and registers it
		// in its init; an application that moved to crumb may no longer
		// import it, and would fail to read every session with a flash.
		// Registering the same type under the same name again is a no-op.
		gob.Register([]interface{}{})
	}
	if o.MaxAge > 0 {
		l.maxAge = int64(o.MaxAge / time.Second)
	}
	return l, nil
}

// MaxAge returns how long after it was written a legacy cookie is
// accepted, or a negative duration for any age. The middleware requires
// cookie.Options.SubjectRevocation to cover it, so that logging out
// everywhere stays in force as long as a legacy cookie could be replayed.
func (l *Legacy) MaxAge() time.Duration {
	if l.maxAge <= 0 {
		return -1
	}
	return time.Duration(l.maxAge) * time.Second
}

// Read verifies and decodes the value of the legacy cookie name. It fails
// with an error matching cookie.ErrTooLarge (longer than MaxLength),
// cookie.ErrInvalid (tampered, malformed, written with other keys or for
// another cookie name: securecookie's reason is in the message),
// cookie.ErrExpired (older than MaxAge), ErrDeserialize (authentic, but
// not a map the serializer can decode; a gob type not registered) or
// ErrSubject.
func (l *Legacy) Read(name, value string) (*LegacySession, error) {
	values, written, err := l.open(name, value)
	if err != nil {
		return nil, err
	}
	s := &LegacySession{Written: time.Unix(written, 0), Values: values}
	if l.subject != nil {
		s.Subject = l.subject(values)
		if len(s.Subject) > token.MaxSubjectLen || !utf8.ValidString(s.Subject) {
			return nil, fmt.Errorf("%w: at most %d bytes of UTF-8", ErrSubject, token.MaxSubjectLen)
		}
	}
	s.Data, s.Dropped = sessionData(values)
	return s, nil
}

// open authenticates a legacy cookie, checks its age and deserializes its
// values; it returns them and when the cookie was written.
func (l *Legacy) open(name, value string) (map[interface{}]interface{}, int64, error) {
	if l.codec != nil {
		var values map[interface{}]interface{}
		issued, err := l.codec.open(name, value, &values)
		switch {
		case err == nil:
			return values, issued, nil
		case l.sc == nil || !errors.Is(err, token.ErrInvalid) && !errors.Is(err, token.ErrTooLarge):
			// Authentic, or no securecookie to try: this is the answer.
			return nil, 0, err
		}
	}
	if len(value) > l.maxLen {
		return nil, 0, fmt.Errorf("gorilla: legacy cookie of %d characters: %w", len(value), token.ErrTooLarge)
	}
	var raw []byte
	if err := l.sc.Decode(name, value, &raw); err != nil {
		return nil, 0, fmt.Errorf("gorilla: legacy cookie: %w (%v)", token.ErrInvalid, err)
	}
	written, ok := timestamp(value)
	if !ok { // securecookie parsed it: cannot happen
		return nil, 0, fmt.Errorf("gorilla: legacy cookie: %w (timestamp)", token.ErrInvalid)
	}
	now := time.Now().Unix()
	if l.maxAge > 0 && written < now-l.maxAge {
		return nil, 0, fmt.Errorf("gorilla: legacy cookie older than its max age: %w", token.ErrExpired)
	}
	if written > now+token.DefaultSkew {
		// Written in the future: a skewed legacy server or a key holder;
		// such a cookie would escape "log out everywhere" for good.
		return nil, 0, fmt.Errorf("gorilla: legacy cookie written in the future: %w", token.ErrInvalid)
	}
	values, err := l.values(raw)
	if err != nil {
		return nil, 0, err
	}
	return values, written, nil
}

// ReadLegacy implements cookie.LegacyReader (middleware.Options.Legacy): the session of a valid
// legacy cookie, as Read finds it, is the subject and data of a new crumb
// session. Values Data leaves out (see LegacySession.Dropped) are lost; run
// `sessionctl decode` with the legacy flags on a sample cookie to see them
// before switching.
func (l *Legacy) ReadLegacy(_ context.Context, name, value string) (cookie.LegacySession, error) {
	s, err := l.Read(name, value)
	if err != nil {
		return cookie.LegacySession{}, err
	}
	return cookie.LegacySession{Subject: s.Subject, Data: s.Data, Written: s.Written}, nil
}

// timestamp returns the time in an authenticated securecookie value:
// base64url("date|value|mac").
func timestamp(value string) (int64, bool) {
	b, err := base64.URLEncoding.DecodeString(value)
	if err != nil {
		return 0, false
	}
	for i, c := range b {
		if c == '|' {
			t, err := strconv.ParseInt(string(b[:i]), 10, 64)
			return t, err == nil
		}
	}
	return 0, false
}

// values deserializes an authenticated payload into a session's values.
// With gob it takes what gorilla/sessions writes, a
// map[interface{}]interface{}, or a map[string]interface{} or
// map[string]string given to securecookie directly; with JSON, an object.
func (l *Legacy) values(raw []byte) (map[interface{}]interface{}, error) {
	if l.ser == JSON {
		var obj map[string]any
		if err := (securecookie.JSONEncoder{}).Deserialize(raw, &obj); err != nil {
			return nil, fmt.Errorf("%w: %s", ErrDeserialize, problem(l.ser, err))
		}
		values := make(map[interface{}]interface{}, len(obj))
		for k, v := range obj {
			values[k] = v
		}
		return values, nil
	}
	dec := securecookie.GobEncoder{}
	// Into existing maps: gob sizes a map it creates by the length the
	// input claims, which could ask for gigabytes (key holders only, as the
	// bytes are authenticated; nested maps keep that residual risk).
	values := map[interface{}]interface{}{}
	err := dec.Deserialize(raw, &values)
	if err == nil {
		return values, nil
	}
	anyMap := map[string]interface{}{}
	if dec.Deserialize(raw, &anyMap) == nil {
		values = make(map[interface{}]interface{}, len(anyMap))
		for k, v := range anyMap {
			values[k] = v
		}
		return values, nil
	}
	stringMap := map[string]string{}
	if dec.Deserialize(raw, &stringMap) == nil {
		values = make(map[interface{}]interface{}, len(stringMap))
		for k, v := range stringMap {
			values[k] = v
		}
		return values, nil
	}
	return nil, fmt.Errorf("%w: %s", ErrDeserialize, problem(l.ser, err))
}
