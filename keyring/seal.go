package keyring

import (
	"crypto/rand"

	"github.com/crumbhq/crumb/internal/envelope"
)

// Seal appends to dst the token format v1 envelope of plaintext, sealed
// under the primary key with a fresh 24-byte nonce from crypto/rand, and
// returns the extended slice. The envelope is
// envelope.Overhead (45) bytes longer than plaintext:
//
//	version (1) || key ID (4) || nonce (24) || ciphertext || tag (16)
//
// purpose, typically the cookie name plus an optional application label, is
// authenticated with the header; Open must be given the same purpose.
//
// To seal in place, plaintext may alias dst[len(dst)+envelope.HeaderSize:]
// exactly; it must not overlap dst otherwise. When cap(dst) leaves room for
// the whole envelope Seal does not allocate.
//
// Seal panics if len(purpose) > envelope.MaxPurposeLen (255 bytes): that is
// a configuration error for the caller to validate up front.
func (r *Ring) Seal(dst, plaintext []byte, purpose string) []byte {
	if len(purpose) > envelope.MaxPurposeLen {
		panic("keyring: purpose longer than 255 bytes")
	}
	if len(r.entries) == 0 {
		panic("keyring: Seal on a Ring not made by NewRing")
	}
	p := &r.entries[r.primary]
	var nonce [envelope.NonceSize]byte
	rand.Read(nonce[:]) // never fails: crypto/rand crashes the program instead
	return envelope.Seal(dst, p.aead(), p.key.ID, nonce[:], plaintext, purpose)
}

// Opened says which key opened an envelope.
type Opened struct {
	// KeyID is the ID of the key that opened the envelope.
	KeyID uint32
	// Primary is true when that key is the ring's primary key. When it is
	// false the token was sealed under a key that has since been demoted,
	// and the caller should reissue it under the primary on its next write.
	Primary bool
}

// Open authenticates and decrypts the envelope env sealed by Seal with the
// same purpose, appends the plaintext to dst and returns the extended slice
// and the key that opened it. dst may be env[envelope.HeaderSize:envelope.HeaderSize]
// to open in place; when it has room, Open does not allocate.
//
// The key is selected by the ID in the header: Open makes at most one AEAD
// attempt and never tries other keys. Envelopes under unknown and retired
// keys are refused without any cryptographic work.
//
// Every failure (input too short, wrong version, unknown key, retired key,
// failed authentication, wrong purpose) returns the same ErrInvalid, so that
// callers cannot leak which check failed. When opening in place fails, the
// ciphertext part of env may have been overwritten.
func (r *Ring) Open(dst, env []byte, purpose string) ([]byte, Opened, error) {
	version, id, ok := envelope.ParseHeader(env)
	if !ok || version != envelope.Version || len(purpose) > envelope.MaxPurposeLen {
		return nil, Opened{}, ErrInvalid
	}
	i := r.index(id)
	if i < 0 || r.entries[i].key.State == StateRetired {
		return nil, Opened{}, ErrInvalid
	}
	out, err := envelope.Open(dst, r.entries[i].aead(), env, purpose)
	if err != nil {
		return nil, Opened{}, ErrInvalid
	}
	return out, Opened{KeyID: id, Primary: i == r.primary}, nil
}
