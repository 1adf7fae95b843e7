package keyring

import (
	"errors"
	"strings"
)

// Sentinel errors. Functions wrap them with details (which key, which field),
// so test for them with [errors.Is]. No error message ever contains secret
// material.
var (
	// ErrInvalid is the one error Ring.Open returns for every envelope that
	// does not open: too short, wrong version, unknown key ID, retired key,
	// failed authentication, wrong purpose. It is never wrapped with details,
	// so that nothing a client can observe tells these cases apart.
	ErrInvalid = errors.New("keyring: invalid token envelope")

	// ErrNoKeys reports a ring, keyring document or environment variable
	// without any key.
	ErrNoKeys = errors.New("keyring: no keys")

	// ErrNoPrimary reports a set of keys none of which is primary.
	ErrNoPrimary = errors.New("keyring: no primary key")

	// ErrMultiplePrimary reports a set of keys with more than one primary.
	ErrMultiplePrimary = errors.New("keyring: more than one primary key")

	// ErrDuplicateID reports two keys with the same ID in one ring.
	ErrDuplicateID = errors.New("keyring: duplicate key id")

	// ErrBadKey reports a malformed key: a zero or badly formatted ID, a
	// secret of the wrong length or encoding, an unknown state, or a Key value
	// that was not made by NewKey, KeyFromSecret or KeyFromPassphrase.
	ErrBadKey = errors.New("keyring: bad key")

	// ErrBadFile reports a keyring document, from a file or an environment
	// variable, that does not parse or does not describe a valid ring. It is
	// returned together with the more specific sentinel when there is one
	// (errors.Is matches both).
	ErrBadFile = errors.New("keyring: malformed keyring")

	// ErrFIPS reports that XChaCha20-Poly1305, the only cipher of crumb token
	// format v1, cannot be used because the program runs in FIPS 140-only
	// mode (GODEBUG=fips140=only).
	ErrFIPS = errors.New("keyring: XChaCha20-Poly1305 is not allowed in FIPS 140-only mode (GODEBUG=fips140=only); crumb token format v1 requires it")

	// ErrWeakPassphrase reports a passphrase shorter than MinPassphraseLen.
	ErrWeakPassphrase = errors.New("keyring: passphrase too short")
)

// multiError reads as msg and matches every error in errs with errors.Is and
// errors.As. It lets a keyring document error say "malformed keyring" once
// while still matching both ErrBadFile and, say, ErrNoPrimary.
type multiError struct {
	msg  string
	errs []error
}

func (e *multiError) Error() string   { return e.msg }
func (e *multiError) Unwrap() []error { return e.errs }

// badFile wraps err, typically from NewRing, so that it also matches
// ErrBadFile. The message keeps a single "keyring: malformed keyring" prefix.
func badFile(err error) error {
	if errors.Is(err, ErrBadFile) {
		return err
	}
	detail := strings.TrimPrefix(err.Error(), "keyring: ")
	return &multiError{msg: ErrBadFile.Error() + ": " + detail, errs: []error{ErrBadFile, err}}
}
