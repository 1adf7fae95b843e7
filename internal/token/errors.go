package token

import (
	"errors"
	"fmt"
)

// The error classes a token can fail with. The cookie package re-exports
// them, so their messages carry its name.
var (
	// ErrNotFound is the parent of ErrExpired and ErrRevoked: for a caller
	// that only asks "is there a session", both mean no.
	ErrNotFound = errors.New("cookie: session not found")
	// ErrInvalid covers every integrity failure (tampered, malformed,
	// non-canonical, unknown or retired key, wrong purpose, wrong version,
	// issued in the future) with one message, so that nothing a client sees
	// tells the reasons apart.
	ErrInvalid = errors.New("cookie: invalid session token")
	// ErrExpired means the idle deadline or the absolute expiry has passed.
	ErrExpired error = &childError{"cookie: session expired", ErrNotFound}
	// ErrRevoked means the session ID, or every session of its subject, was
	// revoked.
	ErrRevoked error = &childError{"cookie: session revoked", ErrNotFound}
	// ErrTooLarge means the token, or its decoded payload, exceeds a size
	// cap.
	ErrTooLarge = errors.New("cookie: session token too large")
)

// childError is a sentinel that also matches its parent with errors.Is.
type childError struct {
	msg    string
	parent error
}

func (e *childError) Error() string { return e.msg }
func (e *childError) Unwrap() error { return e.parent }

// Reason says exactly why a token was rejected. It is for metrics and
// tests, never for clients: every invalid reason has the same message.
type Reason uint8

// Reasons, grouped by the class they belong to.
const (
	ReasonNone Reason = iota
	// ErrInvalid
	ReasonEncoding   // not strict canonical base64url, or too short to be a token
	ReasonVersion    // version byte is not 0x01
	ReasonUnknownKey // key ID not in the ring
	ReasonRetiredKey // key ID belongs to a retired key
	ReasonAuth       // authentication failed: tampered, or wrong purpose
	ReasonClaims     // authenticated but malformed claims (or body framing)
	ReasonFuture     // issued-at beyond now + skew
	ReasonDictionary // compressed with a dictionary that is not registered
	ReasonSerializer // serializer ID not accepted (used by the cookie layer)
	// ErrExpired
	ReasonIdleExpired
	ReasonAbsoluteExpired
	// ErrRevoked
	ReasonRevoked        // the session ID is revoked
	ReasonSubjectRevoked // every session of the subject created before a time is revoked
	// ErrTooLarge
	ReasonTokenTooLarge   // the token string exceeds the cap
	ReasonPayloadTooLarge // the decoded payload exceeds the cap
	numReasons
)

var reasonNames = [numReasons]string{
	"none", "encoding", "version", "unknown key", "retired key", "authentication", "claims",
	"issued in the future", "unknown dictionary", "serializer", "idle expired", "absolute expired",
	"revoked", "subject revoked", "token too large", "payload too large",
}

// String returns the reason's name, as used in test vectors ("unknown key").
func (r Reason) String() string {
	if r < numReasons {
		return reasonNames[r]
	}
	return "unknown reason"
}

// ParseReason returns the reason named s.
func ParseReason(s string) (Reason, bool) {
	for i, n := range reasonNames {
		if n == s {
			return Reason(i), true
		}
	}
	return 0, false
}

// Class returns the error class of the reason.
func (r Reason) Class() error {
	switch {
	case r == ReasonNone || r >= numReasons:
		return nil
	case r <= ReasonSerializer:
		return ErrInvalid
	case r <= ReasonAbsoluteExpired:
		return ErrExpired
	case r <= ReasonSubjectRevoked:
		return ErrRevoked
	}
	return ErrTooLarge
}

// rejectError is a rejection with its reason. Error() is the class message
// alone; Unwrap leads to the class, so errors.Is works on classes.
type rejectError struct{ reason Reason }

func (e *rejectError) Error() string { return e.reason.Class().Error() }
func (e *rejectError) Unwrap() error { return e.reason.Class() }

// rejects holds one immutable error per reason, so rejecting a token does not
// allocate.
var rejects = func() (r [numReasons]*rejectError) {
	for i := range r {
		r[i] = &rejectError{Reason(i)}
	}
	return r
}()

func reject(r Reason) error { return rejects[r] }

// Reject returns the error for a rejection decided outside this package
// (revocation, serializer): the class error carrying the reason, without
// allocating.
func Reject(r Reason) error {
	if r == ReasonNone || r >= numReasons {
		panic("token: Reject needs a rejection reason")
	}
	return rejects[r]
}

// ReasonOf returns the reason behind a rejection error, or ReasonNone.
func ReasonOf(err error) Reason {
	var e *rejectError
	if errors.As(err, &e) {
		return e.reason
	}
	return ReasonNone
}

// SizeError is Seal's error for a payload or a token over its cap: the
// rejection (ReasonPayloadTooLarge or ReasonTokenTooLarge, matching
// ErrTooLarge) with the sizes.
type SizeError struct {
	Reason Reason // ReasonPayloadTooLarge (bytes) or ReasonTokenTooLarge (characters)
	Size   int    // the payload's bytes or the token's characters
	Max    int    // the cap
}

// Error is the rejection's message with the sizes.
func (e *SizeError) Error() string {
	if e.Reason == ReasonPayloadTooLarge {
		return fmt.Sprintf("%v: payload of %d bytes, cap %d", reject(e.Reason), e.Size, e.Max)
	}
	return fmt.Sprintf("%v: %d characters, cap %d", reject(e.Reason), e.Size, e.Max)
}

// Unwrap returns the rejection, so that errors.Is matches ErrTooLarge and
// ReasonOf finds the reason.
func (e *SizeError) Unwrap() error { return reject(e.Reason) }
