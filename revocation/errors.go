package revocation

import "errors"

// Sentinel errors. Functions wrap them with details (which file, which
// process), so test for them with [errors.Is]. No error message contains a
// full session ID or a subject.
var (
	// ErrFull reports a revocation refused because the set holds
	// LocalOptions.MaxEntries live entries even after pruning the expired
	// ones. The set never evicts a live entry to make room: raise the
	// capacity, or shorten the lifetime of the tokens.
	ErrFull = errors.New("revocation: set full")

	// ErrClosed reports a revocation on a closed set.
	ErrClosed = errors.New("revocation: set closed")

	// ErrLocked reports a durable log that another Local, in this process or
	// another, holds open.
	ErrLocked = errors.New("revocation: log file locked")

	// ErrCorrupt reports a file whose header is not that of a crumb
	// revocation log (or of a version this package does not know). The file
	// is left untouched. A torn or corrupt record after a good header is not
	// an error: it is skipped and the log rewritten (see the package doc).
	ErrCorrupt = errors.New("revocation: not a crumb revocation log")

	// ErrBadSubject reports a RevokeSubject call with an empty subject or
	// one longer than MaxSubjectLen bytes.
	ErrBadSubject = errors.New("revocation: subject must be 1 to 1024 bytes")
)
