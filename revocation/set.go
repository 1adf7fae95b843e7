package revocation

import (
	"context"
	"time"
)

// ID is a 128-bit session ID, the random ID inside every crumb token.
type ID = [16]byte

// Query describes one token for Set.Check. All times are compared at
// one-second resolution (see the package doc).
type Query struct {
	ID      ID        // the session ID
	Subject string    // the session's subject; "" when the session has none
	Created time.Time // the session's created-at, which never moves on reissue
	Issued  time.Time // this token's issued-at
}

// Set is the server-side revocation set: the small piece of state that makes
// logout real for stateless sessions. Implementations must be safe for
// concurrent use.
//
// Every entry carries the time until which it matters, normally the revoked
// token's absolute expiry plus the clock-skew leeway. After that the token is
// rejected as expired anyway, so the entry may be dropped: the set stays
// small by construction. Revoking with an until already in the past is a
// no-op that returns nil.
type Set interface {
	// RevokeSession revokes every token of session id until `until`. It is
	// idempotent; a second call keeps the later until.
	RevokeSession(ctx context.Context, id ID, until time.Time) error

	// RevokeIssuedBefore revokes the tokens of session id issued before
	// `before`, but only from `effective` on (a grace window for requests
	// already in flight with the previous token), until `until`. Strict
	// reissue mode calls it on every reissue with before = the new token's
	// issued-at. A token once revoked by it never becomes valid again through
	// a later call for the same session.
	RevokeIssuedBefore(ctx context.Context, id ID, before, effective, until time.Time) error

	// RevokeSubject revokes every session of subject whose created-at is
	// before `before`, until `until` ("log out everywhere"). subject must not
	// be empty. A second call keeps the later before and the later until.
	RevokeSubject(ctx context.Context, subject string, before, until time.Time) error

	// Check reports whether the token q is revoked at time now. It is a
	// local lookup (no I/O), O(1) and allocation-free. When several verdicts
	// apply it reports the first of SessionRevoked, TokenRevoked,
	// SubjectRevoked.
	Check(ctx context.Context, q Query, now time.Time) (Verdict, error)

	// Prune drops the entries whose until is before now and returns how
	// many it removed.
	Prune(ctx context.Context, now time.Time) (int, error)

	// Stats returns a snapshot of the set's size and counters.
	Stats() Stats

	// Health returns nil when the set can acknowledge revocations, or the
	// reason it cannot (for example, the durable file failed, or the set
	// was closed).
	Health(ctx context.Context) error

	// Close stops background work and releases files. It is idempotent.
	// After Close, the Revoke methods return ErrClosed; Check keeps
	// answering from memory.
	Close() error
}

// Stats is a snapshot of a Set. Counters count since the set was opened
// (NewLocal), not since the durable file was created.
type Stats struct {
	Sessions    int    // live RevokeSession entries
	Tokens      int    // live RevokeIssuedBefore entries
	Subjects    int    // live RevokeSubject entries
	Capacity    int    // maximum total entries over all three kinds
	Revoked     uint64 // acknowledged Revoke* calls (those that returned nil, no-ops included)
	Pruned      uint64 // entries removed by pruning
	Compactions uint64 // durable log rewrites, recoveries included
	LogBytes    int64  // current size of the durable log in bytes; 0 in memory-only mode
}
