package keyring

import (
	"crypto/hkdf"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"strings"
)

// MinPassphraseLen is the shortest passphrase KeyFromPassphrase accepts, in
// bytes.
const MinPassphraseLen = 32

// HKDF labels of KeyFromPassphrase. Changing any of them changes every
// derived key: they are part of the format.
const (
	passphraseSalt = "crumb keyring v1"
	passphraseID   = "crumb v1 key id"
	passphraseKey  = "crumb v1 key secret"
)

// KeyFromPassphrase derives a key deterministically from a passphrase, so
// that every node configured with the same passphrase agrees on the key's ID
// and secret without sharing a keyring file. This suits small setups.
//
// The derivation is HKDF-SHA256 (RFC 5869): extract with the salt
// "crumb keyring v1", then expand with the info "crumb v1 key id" to 4 bytes
// for the ID (big-endian; 0 becomes 1) and with the info
// "crumb v1 key secret" to 32 bytes for the secret. The times are zero.
//
// HKDF does no key stretching: it is fast by design, so a guessable
// passphrase is quickly brute-forced offline from a single token. Use only
// high-entropy random passphrases, such as the output of
// `openssl rand -base64 32`, never a human-chosen password. Passphrases
// shorter than MinPassphraseLen (32) bytes are refused with
// ErrWeakPassphrase. Passphrases with leading or trailing white space are
// refused with ErrBadKey, because a stray newline from a file on one node
// would silently derive a different key than on the others; trim it first.
// Errors never contain the passphrase.
func KeyFromPassphrase(passphrase string, state State) (Key, error) {
	if len(passphrase) < MinPassphraseLen {
		return Key{}, fmt.Errorf("%w: %d bytes, want at least %d random bytes (e.g. openssl rand -base64 32)", ErrWeakPassphrase, len(passphrase), MinPassphraseLen)
	}
	if strings.TrimSpace(passphrase) != passphrase {
		return Key{}, fmt.Errorf("%w: passphrase has leading or trailing white space", ErrBadKey)
	}
	if !state.valid() {
		return Key{}, fmt.Errorf("%w: invalid %v", ErrBadKey, state)
	}
	prk, err := hkdf.Extract(sha256.New, []byte(passphrase), []byte(passphraseSalt))
	if err != nil {
		return Key{}, fmt.Errorf("keyring: hkdf: %w", err)
	}
	defer clear(prk)
	idBytes, err := hkdf.Expand(sha256.New, prk, passphraseID, 4)
	if err != nil {
		return Key{}, fmt.Errorf("keyring: hkdf: %w", err)
	}
	secret, err := hkdf.Expand(sha256.New, prk, passphraseKey, SecretSize)
	if err != nil {
		return Key{}, fmt.Errorf("keyring: hkdf: %w", err)
	}
	defer clear(secret)
	id := binary.BigEndian.Uint32(idBytes)
	if id == 0 {
		id = 1
	}
	return KeyFromSecret(id, state, secret)
}
