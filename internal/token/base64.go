package token

import (
	"encoding/base64"
	"unsafe"
)

// b64 is strict base64url without padding: Strict rejects non-zero trailing
// bits, so every accepted string is the one canonical encoding of its bytes.
var b64 = base64.RawURLEncoding.Strict()

// decode returns the bytes of a canonical base64url string (no padding, no
// other characters, zero trailing bits) in a new buffer with spare bytes of
// capacity, or ok false.
func decode(s string, spare int) (_ []byte, ok bool) {
	buf := make([]byte, b64.DecodedLen(len(s)), b64.DecodedLen(len(s))+spare)
	n, err := b64.Decode(buf, unsafe.Slice(unsafe.StringData(s), len(s)))
	// The decoder rejects every character outside the alphabet ('=' too, as
	// padding is off) except '\r' and '\n', which it silently skips. A
	// skipped character is the only way the canonical encoding of the
	// decoded bytes can be shorter than s, so this O(1) check rejects them.
	if err != nil || b64.EncodedLen(n) != len(s) {
		return nil, false
	}
	return buf[:n], true
}

// encode returns the base64url encoding of b as a string, with one
// allocation: the string shares the freshly allocated, never modified buffer.
func encode(b []byte) string {
	out := make([]byte, b64.EncodedLen(len(b)))
	b64.Encode(out, b)
	return unsafe.String(unsafe.SliceData(out), len(out))
}

// encodedLen returns the length of the token for n envelope bytes.
func encodedLen(n int) int { return b64.EncodedLen(n) }
