package revocation

import "errors"

// Sentinel errors. Functions wrap them with details (which file, which
// process), so test for them with [errors.Is]. No error message contains a
// full session ID or a subject.
var (
	// ErrClosed reports a revocation on a closed set.
	ErrClosed = errors.New("revocation: set closed")

	// ErrLocked reports a file that another process, or another set in
	// this process, holds for itself (a Redis set's outbox, which belongs
	// to one set at a time).
	ErrLocked = errors.New("revocation: file locked")

	// ErrCorrupt reports a file that is not a crumb revocation log: a
	// header of something else, a version this package does not know, or
	// not a regular file at all (a directory, a named pipe, a device). The
	// file is left untouched. A torn or corrupt record after a good header
	// is not an error: it is skipped and the log rewritten (see the
	// package doc).
	ErrCorrupt = errors.New("revocation: not a crumb revocation log")

	// ErrBadSubject reports a revocation whose subject is empty or longer
	// than MaxSubjectLen bytes. A session without a subject carries no
	// authority, so it needs no revocation (see the package doc).
	ErrBadSubject = errors.New("revocation: subject must be 1 to 1024 bytes")

	// ErrBadSession reports a session revocation without the session's
	// created-at: a collapse of the subject's entries revokes sessions by
	// their created-at, so without it the revocation could be lost.
	ErrBadSession = errors.New("revocation: a session revocation needs the session's created-at")

	// ErrDegraded is wrapped by Health when the set acknowledges and
	// enforces revocations but under conditions an operator should know
	// about: it is near its capacity and collapses subjects' entries to
	// make room, or revocations wait to be shared with the other
	// instances. It is a warning, not an outage.
	ErrDegraded = errors.New("revocation: degraded")

	// ErrPending is wrapped by a Revoke method whose revocation is durable
	// and in force on this instance, but not yet shared with the other
	// instances (the shared store is unreachable from here): they enforce
	// it once it is delivered. Tell the user the logout is in effect here
	// and pending elsewhere.
	ErrPending = errors.New("revocation: not yet delivered to the other instances")
)
