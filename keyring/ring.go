package keyring

import (
	"crypto/cipher"
	"crypto/fips140"
	"fmt"
	"log/slog"
	"strings"

	"golang.org/x/crypto/chacha20poly1305"
)

// MaxKeys is the most keys a ring holds. Rotation adds one key at a time
// and retired keys can be removed once their tokens have expired, so real
// rings hold a handful; the cap bounds the work a hostile keyring file or
// environment value can cause.
const MaxKeys = 256

// Ring is an immutable set of keys: exactly one primary key, which seals,
// plus any number of active keys, which only open, and retired keys, which
// refuse. A Ring never changes after NewRing, so it is safe for concurrent
// use; rotating keys means building a new Ring and swapping it in (Watcher
// does that for a keyring file).
//
// The zero Ring is not usable; make one with NewRing, Unmarshal, LoadFile,
// ParseEnv or LoadEnv. Printing or logging a Ring shows key IDs and states,
// never secrets.
type Ring struct {
	entries []entry // in the order given to NewRing
	primary int     // index of the primary key in entries
}

// entry is a key and its cipher, built once by NewRing. The cipher holds the
// secret, so it is concealed from reflection like the secret itself.
type entry struct {
	key  Key
	aead concealed[cipher.AEAD]
}

// Source is anything that provides the current ring. Consumers (the cookie
// store, middleware) hold a Source rather than a *Ring so that a Watcher can
// swap rings under them; a *Ring is a Source that never changes.
type Source interface {
	// Ring returns the ring to use now. It must be cheap and safe for
	// concurrent use, and never return nil.
	Ring() *Ring
}

var (
	_ Source = (*Ring)(nil)
	_ Source = (*Watcher)(nil)
)

// NewRing builds a ring from keys, kept in the given order. It checks that
// there is at least one key (ErrNoKeys) and at most MaxKeys, that every key
// has a non-zero ID, a known state and a secret (ErrBadKey), that IDs are
// unique (ErrDuplicateID)
// and that exactly one key is primary (ErrNoPrimary, ErrMultiplePrimary). It
// builds one XChaCha20-Poly1305 cipher per key up front, so sealing and
// opening never fail for configuration reasons later.
//
// In FIPS 140-only mode (GODEBUG=fips140=only) XChaCha20-Poly1305 is not
// allowed and NewRing returns an error wrapping ErrFIPS.
//
// Errors name keys by their 1-based position and ID, as in "key 2 (id
// 8f3a2c1d)", and never contain secrets.
func NewRing(keys ...Key) (*Ring, error) {
	if fips140.Enforced() {
		return nil, ErrFIPS
	}
	if len(keys) == 0 {
		return nil, ErrNoKeys
	}
	if len(keys) > MaxKeys {
		return nil, fmt.Errorf("%w: %d keys, at most %d (remove retired keys whose tokens have expired)", ErrBadKey, len(keys), MaxKeys)
	}
	r := &Ring{entries: make([]entry, len(keys)), primary: -1}
	for i, k := range keys {
		where := keyWhere(i, k.ID)
		switch {
		case k.ID == 0:
			return nil, fmt.Errorf("%w: key %d: id must not be zero", ErrBadKey, i+1)
		case !k.State.valid():
			return nil, fmt.Errorf("%w: %s: invalid %v", ErrBadKey, where, k.State)
		case k.secret == nil:
			return nil, fmt.Errorf("%w: %s: no secret (make keys with NewKey, KeyFromSecret or KeyFromPassphrase)", ErrBadKey, where)
		}
		for j := range i {
			if keys[j].ID == k.ID {
				return nil, fmt.Errorf("%w: keys %d and %d (id %s)", ErrDuplicateID, j+1, i+1, FormatID(k.ID))
			}
		}
		if k.State == StatePrimary {
			if r.primary >= 0 {
				return nil, fmt.Errorf("%w: %s and %s", ErrMultiplePrimary, keyWhere(r.primary, keys[r.primary].ID), where)
			}
			r.primary = i
		}
		aead, err := chacha20poly1305.NewX(k.secret()[:])
		if err != nil {
			// Unreachable: the secret has the right size and FIPS mode was
			// checked above. Never include err's operands.
			return nil, fmt.Errorf("%w: %s: %v", ErrBadKey, where, err)
		}
		r.entries[i] = entry{key: k, aead: conceal(aead)}
	}
	if r.primary < 0 {
		return nil, fmt.Errorf("%w: %d keys, none of them primary", ErrNoPrimary, len(keys))
	}
	return r, nil
}

// keyWhere names the i-th key (0-based) for error messages: "key 2 (id 8f3a2c1d)".
func keyWhere(i int, id uint32) string {
	return fmt.Sprintf("key %d (id %s)", i+1, FormatID(id))
}

// Primary returns the primary key, the one Seal uses.
func (r *Ring) Primary() Key {
	return r.entries[r.primary].key
}

// Key returns the key with the given ID, whatever its state, and whether the
// ring has one.
func (r *Ring) Key(id uint32) (Key, bool) {
	if i := r.index(id); i >= 0 {
		return r.entries[i].key, true
	}
	return Key{}, false
}

// index returns the position of the key with ID id, or -1. Rings hold a
// handful of keys, so a linear scan beats a map.
func (r *Ring) index(id uint32) int {
	for i := range r.entries {
		if r.entries[i].key.ID == id {
			return i
		}
	}
	return -1
}

// Keys returns a copy of the ring's keys in their order. Changing the copy
// does not change the ring; pass it (modified) to NewRing to rotate.
func (r *Ring) Keys() []Key {
	keys := make([]Key, len(r.entries))
	for i := range r.entries {
		keys[i] = r.entries[i].key
	}
	return keys
}

// Len returns the number of keys in the ring, whatever their state.
func (r *Ring) Len() int {
	return len(r.entries)
}

// Ring returns r itself: a Ring is a Source that never changes.
func (r *Ring) Ring() *Ring {
	return r
}

// String returns a short description listing IDs and states, such as
// "keyring.Ring[8f3a2c1d primary, 0a0b0c0d active]". It never includes
// secrets.
func (r *Ring) String() string {
	if r == nil {
		return "<nil>"
	}
	var b strings.Builder
	b.WriteString("keyring.Ring[")
	for i := range r.entries {
		if i > 0 {
			b.WriteString(", ")
		}
		k := &r.entries[i].key
		b.WriteString(FormatID(k.ID) + " " + k.State.String())
	}
	b.WriteString("]")
	return b.String()
}

// detail returns the %+v and %#v form.
func (r *Ring) detail() string {
	if r == nil {
		return "(*keyring.Ring)(nil)"
	}
	var b strings.Builder
	b.WriteString("&keyring.Ring{Keys: [")
	for i := range r.entries {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(r.entries[i].key.detail())
	}
	b.WriteString("]}")
	return b.String()
}

// Format implements fmt.Formatter with the same rules as Key.Format: %+v and
// %#v list every key in detail with secrets redacted, %q quotes String, and
// every other verb prints String.
func (r *Ring) Format(f fmt.State, verb rune) {
	formatRedacted(f, verb, r.String, r.detail)
}

// LogValue implements slog.LogValuer: a group with the primary key's ID and
// a "keys" list such as "8f3a2c1d:primary 0a0b0c0d:active". It never
// includes secrets.
func (r *Ring) LogValue() slog.Value {
	if r == nil {
		return slog.StringValue("<nil>")
	}
	var b strings.Builder
	for i := range r.entries {
		if i > 0 {
			b.WriteByte(' ')
		}
		k := &r.entries[i].key
		b.WriteString(FormatID(k.ID) + ":" + k.State.String())
	}
	return slog.GroupValue(
		slog.String("primary", FormatID(r.Primary().ID)),
		slog.String("keys", b.String()),
	)
}
