package keyring

import (
	"crypto/rand"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"
)

// SecretSize is the size of a key's secret in bytes: a 256-bit
// XChaCha20-Poly1305 key.
const SecretSize = 32

// Key is one key of a ring: a random ID, a state and a secret. The secret is
// unexported, cannot be read back through the API, and is never printed: Key
// implements fmt.Formatter, slog.LogValuer and json.Marshaler so that every
// way of showing a Key shows only its ID, state and times.
//
// Keys are made by NewKey, KeyFromSecret or KeyFromPassphrase; a Key written
// as a composite literal has no secret and NewRing rejects it. The exported
// fields may be changed on a copy (to promote, demote or retire it) before
// building a new Ring; copies share the secret, which is never modified.
// Keys are not comparable with ==; compare their IDs.
type Key struct {
	// ID identifies the key in the token header. It is random, never zero,
	// and unique within a ring. Text forms show it as 8 lower-case hex
	// digits (see FormatID).
	ID uint32
	// State says what the key may do: seal and open (StatePrimary), open
	// only (StateActive), or nothing (StateRetired).
	State State
	// Created is when the key was generated, in UTC; zero if unknown.
	Created time.Time
	// Promoted is when the key last became primary; zero if never.
	Promoted time.Time
	// Demoted is when the key last stopped being primary; zero if never.
	// Tokens sealed under the key may live until Demoted plus the maximum
	// session lifetime, so a key must not be retired before then.
	Demoted time.Time

	secret concealed[*secretBytes] // nil for a Key not made by this package
}

// NewKey generates a key in the given state with a random non-zero ID and a
// random secret, both from crypto/rand. Created is the current time in UTC,
// truncated to whole seconds; for a primary key Promoted is set to the same
// time. The ID is random, so it can (with probability 2⁻³² per pair) collide
// with a key already in a ring; NewRing reports that, and callers adding a
// key to an existing ring should generate again.
func NewKey(state State) (Key, error) {
	if !state.valid() {
		return Key{}, fmt.Errorf("%w: invalid %v", ErrBadKey, state)
	}
	s := new(secretBytes)
	rand.Read(s[:]) // never fails: crypto/rand crashes the program instead
	k := Key{ID: randomID(), State: state, Created: time.Now().UTC().Truncate(time.Second), secret: conceal(s)}
	if state == StatePrimary {
		k.Promoted = k.Created
	}
	return k, nil
}

// randomID returns a uniformly random non-zero uint32 from crypto/rand.
func randomID() uint32 {
	var b [4]byte
	for {
		rand.Read(b[:])
		if id := binary.BigEndian.Uint32(b[:]); id != 0 {
			return id
		}
	}
}

// KeyFromSecret makes a key from an existing secret, for example one read
// from a secrets manager. secret must be exactly SecretSize bytes and is
// copied; id must not be zero; state must be a known state. The times are
// left zero. Errors wrap ErrBadKey and do not contain the secret.
func KeyFromSecret(id uint32, state State, secret []byte) (Key, error) {
	if id == 0 {
		return Key{}, fmt.Errorf("%w: id must not be zero", ErrBadKey)
	}
	if !state.valid() {
		return Key{}, fmt.Errorf("%w: id %s: invalid %v", ErrBadKey, FormatID(id), state)
	}
	if len(secret) != SecretSize {
		return Key{}, fmt.Errorf("%w: id %s: secret is %d bytes, want %d", ErrBadKey, FormatID(id), len(secret), SecretSize)
	}
	s := new(secretBytes)
	copy(s[:], secret)
	return Key{ID: id, State: state, secret: conceal(s)}, nil
}

// FormatID returns id as 8 lower-case hex digits, the form used in files,
// logs and messages.
func FormatID(id uint32) string {
	var b [8]byte
	return string(appendID(b[:0], id))
}

// appendID appends the 8 lower-case hex digits of id to b.
func appendID(b []byte, id uint32) []byte {
	const digits = "0123456789abcdef"
	for shift := 28; shift >= 0; shift -= 4 {
		b = append(b, digits[id>>uint(shift)&0xf])
	}
	return b
}

// ParseID parses a key ID written as exactly 8 lower-case hex digits, as
// FormatID writes it. It rejects upper case, prefixes, signs, other lengths
// and "00000000" (zero is never a key ID). Errors wrap ErrBadKey and do not
// quote the input.
func ParseID(s string) (uint32, error) {
	if len(s) != 8 {
		return 0, fmt.Errorf("%w: key id must be 8 lower-case hex digits, got %d characters", ErrBadKey, len(s))
	}
	var id uint32
	for i := 0; i < len(s); i++ {
		c := s[i]
		var v byte
		switch {
		case '0' <= c && c <= '9':
			v = c - '0'
		case 'a' <= c && c <= 'f':
			v = c - 'a' + 10
		default:
			return 0, fmt.Errorf("%w: key id must be 8 lower-case hex digits", ErrBadKey)
		}
		id = id<<4 | uint32(v)
	}
	if id == 0 {
		return 0, fmt.Errorf("%w: key id must not be zero", ErrBadKey)
	}
	return id, nil
}

// String returns a short description such as "key 8f3a2c1d (primary)". It
// never includes the secret.
func (k Key) String() string {
	return "key " + FormatID(k.ID) + " (" + k.State.String() + ")"
}

// detail returns the %+v and %#v form: all fields, zero times left out, the
// secret redacted.
func (k Key) detail() string {
	var b strings.Builder
	b.WriteString("keyring.Key{ID: ")
	b.WriteString(FormatID(k.ID))
	b.WriteString(", State: ")
	b.WriteString(k.State.String())
	for _, t := range [...]struct {
		name string
		t    time.Time
	}{{"Created", k.Created}, {"Promoted", k.Promoted}, {"Demoted", k.Demoted}} {
		if !t.t.IsZero() {
			b.WriteString(", " + t.name + ": " + t.t.Format(time.RFC3339Nano))
		}
	}
	if k.secret == nil {
		b.WriteString(", Secret: <none>}")
	} else {
		b.WriteString(", Secret: " + redacted + "}")
	}
	return b.String()
}

// Format implements fmt.Formatter so that no verb can reach the secret
// through reflection: %+v and %#v print all fields with the secret redacted,
// %q prints the quoted String, and every other verb (%v, %s, %d, %x, …)
// prints String, honouring width and flags as %s would.
func (k Key) Format(f fmt.State, verb rune) {
	formatRedacted(f, verb, k.String, k.detail)
}

// formatRedacted implements Format for Key and Ring.
func formatRedacted(f fmt.State, verb rune, short, detail func() string) {
	switch {
	case verb == 'v' && (f.Flag('#') || f.Flag('+')):
		io.WriteString(f, detail())
	case verb == 'q':
		fmt.Fprintf(f, fmt.FormatString(f, 'q'), short())
	default:
		fmt.Fprintf(f, fmt.FormatString(f, 's'), short())
	}
}

// LogValue implements slog.LogValuer: a group with the ID, the state and the
// non-zero times. It never includes the secret.
func (k Key) LogValue() slog.Value {
	attrs := make([]slog.Attr, 0, 5)
	attrs = append(attrs, slog.String("id", FormatID(k.ID)), slog.String("state", k.State.String()))
	if !k.Created.IsZero() {
		attrs = append(attrs, slog.Time("created", k.Created))
	}
	if !k.Promoted.IsZero() {
		attrs = append(attrs, slog.Time("promoted", k.Promoted))
	}
	if !k.Demoted.IsZero() {
		attrs = append(attrs, slog.Time("demoted", k.Demoted))
	}
	return slog.GroupValue(attrs...)
}

// keyJSON is the JSON form of a Key without its secret.
type keyJSON struct {
	ID       string    `json:"id"`
	State    string    `json:"state"`
	Created  time.Time `json:"created,omitzero"`
	Promoted time.Time `json:"promoted,omitzero"`
	Demoted  time.Time `json:"demoted,omitzero"`
}

// MarshalJSON implements json.Marshaler: an object with "id" (8 hex digits),
// "state" and the non-zero times, and never the secret. It is for status
// pages and logs; Marshal writes keyring files, secrets included.
func (k Key) MarshalJSON() ([]byte, error) {
	return json.Marshal(keyJSON{ID: FormatID(k.ID), State: k.State.String(), Created: k.Created, Promoted: k.Promoted, Demoted: k.Demoted})
}

// redacted is what every printed form shows instead of a secret.
const redacted = "<redacted>"

// concealed holds a value where reflection cannot print it. fmt calls
// Key.Format only where it can reach the method; a Key in an unexported
// struct field, or any value printed with a verb fmt considers bad, is
// printed by walking its fields with reflection, which follows pointers and
// interfaces (and so would reach a secret array, or the key inside an AEAD).
// fmt, and reflective dumpers such as go-spew, print a func only as an
// address, so secrets and ciphers live behind one.
type concealed[T any] func() T

// conceal returns a concealed holding v.
func conceal[T any](v T) concealed[T] { return func() T { return v } }

// secretBytes holds a key's secret. Key keeps it concealed; as a second line
// of defence the type redacts itself wherever fmt, encoding/json, encoding
// (text) or log/slog call its methods. (fmt does not call methods when it
// reports a bad verb, such as %w outside Errorf: that is why the concealment
// is the first line.)
type secretBytes [SecretSize]byte

// Format implements fmt.Formatter: every verb prints "<redacted>".
func (secretBytes) Format(f fmt.State, verb rune) { io.WriteString(f, redacted) }

// String returns "<redacted>".
func (secretBytes) String() string { return redacted }

// GoString returns "<redacted>".
func (secretBytes) GoString() string { return redacted }

// MarshalText returns "<redacted>", so JSON and other text encodings never
// see the bytes.
func (secretBytes) MarshalText() ([]byte, error) { return []byte(redacted), nil }

// LogValue returns "<redacted>".
func (secretBytes) LogValue() slog.Value { return slog.StringValue(redacted) }
