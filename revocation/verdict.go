package revocation

import "strconv"

// Verdict is the outcome of Set.Check.
type Verdict uint8

// The verdicts of Set.Check. Only NotRevoked lets a token through.
const (
	// NotRevoked: no entry applies to the token.
	NotRevoked Verdict = iota
	// SessionRevoked: every token of the session ID is revoked (logout).
	SessionRevoked
	// TokenRevoked: this older token of the session was revoked by a reissue
	// in strict mode (RevokeIssuedBefore).
	TokenRevoked
	// SubjectRevoked: every session of the subject created before a time is
	// revoked ("log out everywhere", RevokeSubject).
	SubjectRevoked
)

// String returns a lower-case name such as "session revoked", or
// "Verdict(n)" for an unknown value.
func (v Verdict) String() string {
	switch v {
	case NotRevoked:
		return "not revoked"
	case SessionRevoked:
		return "session revoked"
	case TokenRevoked:
		return "token revoked"
	case SubjectRevoked:
		return "subject revoked"
	}
	return "Verdict(" + strconv.Itoa(int(v)) + ")"
}
