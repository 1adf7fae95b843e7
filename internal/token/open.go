package token

import (
	"errors"
	"time"

	"github.com/crumbhq/crumb/codec"
	"github.com/crumbhq/crumb/internal/envelope"
	"github.com/crumbhq/crumb/keyring"
)

// DefaultSkew is the default leeway for an issued-at ahead of the reader's
// clock, in seconds.
const DefaultSkew = 60

// Opened is a token that passed every check up to the body: authenticated,
// well-formed claims.
type Opened struct {
	Claims
	KeyID   uint32
	Primary bool   // sealed under the ring's current primary key
	Body    []byte // still compressed and padded: see DecodeBody
}

// Unseal runs the unauthenticated and cryptographic steps of SPEC.md §8:
// size cap, strict base64url, version, key by ID, one AEAD open, claims. The
// returned strings and body share one buffer allocated for this token.
func Unseal(r *keyring.Ring, purpose, tok string, maxLen int, o *Opened) error {
	*o = Opened{}
	if len(tok) > maxLen {
		return reject(ReasonTokenTooLarge)
	}
	if len(tok) < MinLen {
		return reject(ReasonEncoding)
	}
	env, ok := decode(tok, envelope.ADSpare(purpose)) // spare: scratch for the AEAD's associated data
	if !ok {
		return reject(ReasonEncoding)
	}
	version, id, _ := envelope.ParseHeader(env)
	if version != envelope.Version {
		return reject(ReasonVersion)
	}
	pt, k, err := r.Open(env[envelope.HeaderSize:envelope.HeaderSize], env, purpose)
	if err != nil {
		// The ring gives one opaque error; classify for metrics by looking
		// the key up, which reveals nothing the header did not say.
		switch key, found := r.Key(id); {
		case !found:
			return reject(ReasonUnknownKey)
		case key.State == keyring.StateRetired:
			return reject(ReasonRetiredKey)
		}
		return reject(ReasonAuth)
	}
	body, ok := ParseClaims(pt, &o.Claims)
	if !ok {
		return reject(ReasonClaims)
	}
	o.KeyID, o.Primary, o.Body = k.KeyID, k.Primary, body
	return nil
}

// CheckTime applies the time rules of SPEC.md §8 in order: an issued-at more
// than skew seconds ahead of now is invalid; at or past the absolute expiry,
// or at or past the idle deadline, the token has expired.
func CheckTime(c *Claims, now time.Time, skew int64) error {
	t := now.Unix()
	switch {
	case c.Issued > t+skew:
		return reject(ReasonFuture)
	case t >= c.Expires:
		return reject(ReasonAbsoluteExpired)
	case t >= c.IdleDeadline:
		return reject(ReasonIdleExpired)
	}
	return nil
}

// DecodeBody returns the payload: padding removed and decompressed within the
// codec's cap.
func DecodeBody(cd *codec.Codec, o *Opened) ([]byte, error) {
	p, err := cd.Decode(nil, o.Body, o.Format)
	switch {
	case err == nil:
		return p, nil
	case errors.Is(err, codec.ErrTooLarge):
		return nil, reject(ReasonPayloadTooLarge)
	case errors.Is(err, codec.ErrUnknownDictionary):
		return nil, reject(ReasonDictionary)
	}
	return nil, reject(ReasonClaims)
}

// RevokedFunc reports whether a session is revoked. err is a failure of the
// revocation backend, returned as it is.
type RevokedFunc func(c *Claims) (revoked Reason, err error)

// Params are the inputs of Open besides the token.
type Params struct {
	Ring    *keyring.Ring
	Codec   *codec.Codec
	Purpose string
	Now     time.Time
	Skew    int64       // seconds of leeway for an issued-at ahead of Now
	MaxLen  int         // cap on the token, in characters
	Revoked RevokedFunc // nil: nothing is revoked
}

// Open runs the whole read pipeline of SPEC.md §8 and returns the opened
// token and its payload: Unseal, CheckTime, the revocation check, DecodeBody.
// Nothing is decompressed before authentication, time and revocation pass.
func Open(tok string, p *Params, o *Opened) (payload []byte, err error) {
	if err := Unseal(p.Ring, p.Purpose, tok, p.MaxLen, o); err != nil {
		return nil, err
	}
	if err := CheckTime(&o.Claims, p.Now, p.Skew); err != nil {
		return nil, err
	}
	if p.Revoked != nil {
		reason, err := p.Revoked(&o.Claims)
		if err != nil {
			return nil, err
		}
		if reason != ReasonNone {
			return nil, reject(reason)
		}
	}
	return DecodeBody(p.Codec, o)
}
