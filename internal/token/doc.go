// Package token implements crumb token format v1 (SPEC.md at the repository
// root): the claims, the strict base64url token string, sealing, and the
// read pipeline in the order the specification fixes:
//
//	Unseal      size cap, canonical base64url, version, key by ID, one AEAD open, claims
//	CheckTime   issued-at within the skew, absolute expiry, idle deadline
//	(revocation, supplied by the caller)
//	DecodeBody  padding, dictionary, bounded decompression
//
// Open runs them all. Every rejection is one of four error classes
// (ErrInvalid, ErrExpired, ErrRevoked, ErrTooLarge) whose messages say
// nothing more; ReasonOf recovers the exact reason for metrics and tests.
//
// The package is internal: the cookie package is its public face and
// re-exports the error classes.
package token
