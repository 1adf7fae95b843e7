// Package envelope implements the binary envelope of crumb token format v1:
//
//	envelope = version (1 byte, 0x01) || key ID (4 bytes, big-endian) || nonce (24 bytes) || ciphertext || tag (16 bytes)
//
// sealed with XChaCha20-Poly1305 under the associated data
//
//	ad = version || key ID || nonce || purpose
//
// (the whole 29-byte header followed by the purpose string). See SPEC.md.
//
// The package takes the nonce as an argument so that the test-vector generator
// can be deterministic; keyring.Ring is the only production caller and always
// passes 24 bytes from crypto/rand.
package envelope

import (
	"crypto/cipher"
	"encoding/binary"
	"errors"
	"sync"
)

const (
	// Version is the format version byte of token format v1.
	Version = 0x01
	// KeyIDSize is the size of the key ID in bytes.
	KeyIDSize = 4
	// NonceSize is the size of the XChaCha20-Poly1305 nonce in bytes.
	NonceSize = 24
	// HeaderSize is the size of the header in bytes: version, key ID, nonce.
	HeaderSize = 1 + KeyIDSize + NonceSize
	// TagSize is the size of the Poly1305 authentication tag in bytes.
	TagSize = 16
	// Overhead is the number of bytes an envelope adds to its plaintext.
	Overhead = HeaderSize + TagSize
	// MaxPurposeLen is the longest purpose string accepted, in bytes.
	MaxPurposeLen = 255
)

// ErrOpen is returned for every envelope that does not open: too short,
// wrong version, or failed authentication. Callers must not tell these apart
// in anything a client can observe.
var ErrOpen = errors.New("envelope: message authentication failed")

// ParseHeader returns the version and key ID of an envelope. ok is false when
// b is shorter than an envelope can be (header plus tag).
func ParseHeader(b []byte) (version byte, keyID uint32, ok bool) {
	if len(b) < Overhead {
		return 0, 0, false
	}
	return b[0], binary.BigEndian.Uint32(b[1:5]), true
}

// adPool holds associated-data scratch buffers so that sealing and opening
// do not allocate: the AEAD interface makes any local buffer escape.
var adPool = sync.Pool{New: func() any { b := make([]byte, 0, HeaderSize+MaxPurposeLen); return &b }}

// ADSpare is how much spare capacity, beyond what an envelope needs, lets
// Seal and Open build the associated data in the caller's buffer instead of
// a pooled one (saving a pool round trip per call).
func ADSpare(purpose string) int { return HeaderSize + len(purpose) }

// ad returns header || purpose, built in buf's spare capacity from index off
// when there is room (pooled is then nil), else in a pooled buffer the
// caller returns with adPool.Put(pooled).
func ad(buf []byte, off int, header []byte, purpose string) (ad []byte, pooled *[]byte) {
	if cap(buf)-off >= HeaderSize+len(purpose) {
		return append(append(buf[off:off], header...), purpose...), nil
	}
	p := adPool.Get().(*[]byte)
	*p = append(append((*p)[:0], header...), purpose...)
	return *p, p
}

// Seal appends the envelope of plaintext to dst and returns the extended
// slice. nonce must be NonceSize fresh random bytes. plaintext may alias
// dst[len(dst)+HeaderSize:] exactly (in-place sealing), and must not overlap
// dst otherwise. When dst has ADSpare(purpose) bytes of capacity beyond the
// envelope, Seal uses them as scratch. purpose must be at most MaxPurposeLen
// bytes; longer purposes panic, as they are a configuration error the
// caller validates up front.
func Seal(dst []byte, aead cipher.AEAD, keyID uint32, nonce []byte, plaintext []byte, purpose string) []byte {
	if len(nonce) != NonceSize || len(purpose) > MaxPurposeLen {
		panic("envelope: bad nonce or purpose length")
	}
	start := len(dst)
	dst = append(dst, Version, byte(keyID>>24), byte(keyID>>16), byte(keyID>>8), byte(keyID))
	dst = append(dst, nonce...)
	header := dst[start : start+HeaderSize]
	a, pooled := ad(dst, start+HeaderSize+len(plaintext)+TagSize, header, purpose)
	dst = aead.Seal(dst, header[1+KeyIDSize:], plaintext, a)
	if pooled != nil {
		adPool.Put(pooled)
	}
	return dst
}

// Open authenticates and decrypts the envelope b with aead, appending the
// plaintext to dst. dst may be b[HeaderSize:HeaderSize] to open in place.
// When b has ADSpare(purpose) bytes of spare capacity, Open uses them as
// scratch. It does not check the key ID: the caller selected aead by it.
// Every failure is ErrOpen.
func Open(dst []byte, aead cipher.AEAD, b []byte, purpose string) ([]byte, error) {
	if len(b) < Overhead || b[0] != Version || len(purpose) > MaxPurposeLen {
		return nil, ErrOpen
	}
	header := b[:HeaderSize]
	a, pooled := ad(b, len(b), header, purpose)
	out, err := aead.Open(dst, header[1+KeyIDSize:], b[HeaderSize:], a)
	if pooled != nil {
		adPool.Put(pooled)
	}
	if err != nil {
		return nil, ErrOpen
	}
	return out, nil
}
