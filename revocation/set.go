package revocation

import (
	"context"
	"fmt"
	"time"
)

// ID is a 128-bit session ID, the random ID inside every crumb token.
type ID = [16]byte

// Session names the session a revocation is for. Subject and Created must
// be the session's own, from its token: the set keeps a bounded number of
// entries per subject, and a subject whose entries it collapses (see the
// package doc) has its sessions revoked by their created-at.
type Session struct {
	ID      ID        // the session ID
	Subject string    // whom the session belongs to: 1 to MaxSubjectLen bytes
	Created time.Time // the session's created-at, which never moves on reissue; after 1970
}

// Validate reports whether s can be revoked: ErrBadSubject for a subject
// that is empty or longer than MaxSubjectLen (a session without a subject
// carries no authority and needs no revocation), ErrBadSession for a
// created-at at or before the Unix epoch. Set implementations call it.
func (s Session) Validate() error {
	if s.Subject == "" || len(s.Subject) > MaxSubjectLen {
		return fmt.Errorf("%w: a session revocation needs the session's subject; a session without one carries no authority and needs no revocation", ErrBadSubject)
	}
	if s.Created.Unix() <= 0 {
		return ErrBadSession
	}
	return nil
}

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
// rejected as expired anyway, so the entry may be dropped. Revoking with an
// until already in the past is a no-op that returns nil.
//
// A revocation is never refused because the set is full: past its bounds a
// set collapses a subject's entries into one subject entry, which revokes
// more, never less (see the package doc). A Revoke method that returns nil
// has made the revocation durable where the set is durable, and in force on
// this instance; an error wrapping ErrPending means it is durable and in
// force here but not yet shared with the other instances. Any other error
// means it was not acknowledged.
type Set interface {
	// RevokeSession revokes every token of session s until `until`. It is
	// idempotent; a second call keeps the later until. s.Subject must not
	// be empty (ErrBadSubject): a session without a subject carries no
	// authority and needs no revocation.
	RevokeSession(ctx context.Context, s Session, until time.Time) error

	// RevokeIssuedBefore revokes the tokens of session s issued before
	// `before`, but only from `effective` on (a grace window for requests
	// already in flight with the previous token), until `until`. Strict
	// reissue mode calls it on every reissue with before = the new token's
	// issued-at. A token once revoked by it never becomes valid again through
	// a later call for the same session. s.Subject must not be empty.
	RevokeIssuedBefore(ctx context.Context, s Session, before, effective, until time.Time) error

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

	// Health returns nil when the set acknowledges and enforces
	// revocations normally; an error wrapping ErrDegraded when it does but
	// an operator should know something (it is near its capacity and
	// collapses subjects' entries to make room, or revocations wait to be
	// shared with other instances); and any other error when it cannot
	// acknowledge revocations (for example, its durable file failed and
	// has not recovered yet, or the set was closed).
	Health(ctx context.Context) error

	// Close stops background work and releases files. It is idempotent.
	// After Close, the Revoke methods return ErrClosed; Check keeps
	// answering from memory.
	Close() error
}

// Stats is a snapshot of a Set. Counters count since the set was opened,
// not since its durable file was created.
type Stats struct {
	Sessions      int    // live RevokeSession entries
	Tokens        int    // live RevokeIssuedBefore entries
	Subjects      int    // live subject entries: RevokeSubject's, and those of collapses
	Capacity      int    // the entries, over all three kinds, past which the set collapses subjects
	MaxPerSubject int    // the session and issued-before entries one subject may hold
	Revoked       uint64 // acknowledged Revoke* calls (those that returned nil, no-ops included)
	Pruned        uint64 // entries removed by pruning
	// Collapses counts the subjects whose entries were collapsed into one
	// subject entry, because the subject reached MaxPerSubject or the set
	// its Capacity; CapacityCollapses counts those of the second kind.
	Collapses         uint64
	CapacityCollapses uint64
	Compactions       uint64 // durable log rewrites, recoveries included
	Recoveries        uint64 // durable log failures recovered from without a restart
	LogBytes          int64  // current size of the durable log in bytes; 0 in memory-only mode
}
