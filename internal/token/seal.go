package token

import (
	"slices"
	"sync"

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
// Seal makes one allocation, the string: the envelope is built in a pooled
// buffer (see envelopeBuffers).
func Seal(r *keyring.Ring, cd *codec.Codec, purpose string, c *Claims, payload []byte, maxLen int) (string, error) {
	if err := c.Validate(); err != nil {
		return "", err
	}
	if len(payload) > cd.MaxDecoded() {
		return "", &SizeError{Reason: ReasonPayloadTooLarge, Size: len(payload), Max: cd.MaxDecoded()}
	}
	const hs = envelope.HeaderSize
	size := hs + claimsLen(c) + cd.MaxEncodedLen(len(payload)) + envelope.TagSize + envelope.ADSpare(purpose)
	bp := envelopeBuffers.Get().(*[]byte)
	buf := slices.Grow((*bp)[:0], size)[:hs]
	pt := BuildPlaintext(buf[hs:], c, payload, cd)
	// The plaintext sits right after the header space, so Ring.Seal writes
	// the header in front of it and encrypts in place.
	env := r.Seal(buf[:0], pt, purpose)
	defer putEnvelopeBuffer(bp, env, size)
	if n := encodedLen(len(env)); n > maxLen {
		return "", &SizeError{Reason: ReasonTokenTooLarge, Size: n, Max: maxLen}
	}
	return encode(env), nil
}

// envelopeBuffers holds the buffers Seal builds envelopes in: a token is a
// copy (its base64 encoding), so the buffer is free again once it is made.
var envelopeBuffers = sync.Pool{New: func() any { b := make([]byte, 0, 2<<10); return &b }}

// maxPooledEnvelope caps the buffers kept in envelopeBuffers, in bytes.
const maxPooledEnvelope = 16 << 10

// putEnvelopeBuffer returns to the pool the buffer of env, which Seal built
// in at most size bytes. env itself is header, ciphertext and tag (the
// plaintext was encrypted in place); what the codec may have written past
// it is cleared, so a pooled buffer holds no session data.
func putEnvelopeBuffer(bp *[]byte, env []byte, size int) {
	buf := env[:cap(env)]
	if cap(buf) > maxPooledEnvelope {
		return
	}
	clear(buf[len(env):min(size, cap(buf))])
	*bp = buf[:0]
	envelopeBuffers.Put(bp)
}
