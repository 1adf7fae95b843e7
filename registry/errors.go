package registry

import "errors"

// Sentinel errors. Functions wrap them with details, so test for them with
// [errors.Is]. No error message contains a session ID, a subject or a label.
var (
	// ErrBadEntry reports an entry outside the limits (see Entry.Validate).
	ErrBadEntry = errors.New("registry: bad entry")

	// ErrClosed reports a call on a closed registry.
	ErrClosed = errors.New("registry: closed")

	// ErrLocked reports a durable file that another registry holds: one
	// process at a time writes a registry file.
	ErrLocked = errors.New("registry: file locked by another process")

	// ErrCorrupt reports a file that is not a crumb session registry, or
	// not a regular file. The file is left untouched.
	ErrCorrupt = errors.New("registry: not a crumb session registry file")

	// ErrReadOnly reports a change asked of a registry opened read-only.
	ErrReadOnly = errors.New("registry: opened read-only")

	// ErrUnavailable reports a registry that cannot answer: its durable
	// file failed, or its server cannot be reached.
	ErrUnavailable = errors.New("registry: unavailable")
)
