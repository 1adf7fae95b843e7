package token

import (
	"github.com/crumbhq/crumb/codec"
	"github.com/crumbhq/crumb/internal/envelope"
	"github.com/crumbhq/crumb/keyring"
)

const (
	// DefaultMaxLen is the default cap on a token, in characters: room for a
	// session split over two browser cookies, and below nginx's 8 KiB
	// request-line and header-line default.
	DefaultMaxLen = 8 << 10
	// MinLen is the shortest well-formed token, in characters: the
	// encoding of an envelope around the smallest claims (one-byte times, no
	// subject, no metadata, no body).
	MinLen = ((envelope.Overhead+minClaims)*8 + 5) / 6
)

// BuildPlaintext writes the plaintext of a token into buf's storage (from
// index 0, growing it if needed) and returns it: claims, then the body the
// codec makes of payload (compressed when it pays, padded so that the whole
// plaintext is a multiple of the padding bucket). It sets c.Format to the
// codec's choice. c must be valid (Claims.Validate).
func BuildPlaintext(buf []byte, c *Claims, payload []byte, cd *codec.Codec) []byte {
	pt, f := cd.Encode(AppendClaims(buf[:0], c), payload)
	c.Format = f
	pt[0] = flags(c) // the flags byte records the codec's choice
	return pt
}

// Seal returns the token for claims c and payload: plaintext built by the
// codec, sealed under the ring's primary key for purpose, base64url-encoded.
// It sets c.Format. It fails if c is invalid (an issuer bug, not an input
// error), and with a *SizeError (matching ErrTooLarge) if the payload
// exceeds the codec's cap or the token would exceed maxLen characters: it
// never issues a token its own reader would reject.
//
// Seal makes two allocations: the envelope buffer and the string.
func Seal(r *keyring.Ring, cd *codec.Codec, purpose string, c *Claims, payload []byte, maxLen int) (string, error) {
	if err := c.Validate(); err != nil {
		return "", err
	}
	if len(payload) > cd.MaxDecoded() {
		return "", &SizeError{Reason: ReasonPayloadTooLarge, Size: len(payload), Max: cd.MaxDecoded()}
	}
	const hs = envelope.HeaderSize
	size := hs + claimsLen(c) + cd.MaxEncodedLen(len(payload)) + envelope.TagSize + envelope.ADSpare(purpose)
	buf := make([]byte, hs, size)
	pt := BuildPlaintext(buf[hs:], c, payload, cd)
	// The plaintext sits right after the header space, so Ring.Seal writes
	// the header in front of it and encrypts in place.
	env := r.Seal(buf[:0], pt, purpose)
	if n := encodedLen(len(env)); n > maxLen {
		return "", &SizeError{Reason: ReasonTokenTooLarge, Size: n, Max: maxLen}
	}
	return encode(env), nil
}
