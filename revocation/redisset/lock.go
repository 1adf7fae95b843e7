package redisset

import (
	"errors"
	"fmt"
	"os"

	"github.com/crumbhq/crumb/internal/safefile"
	"github.com/crumbhq/crumb/revocation"
)

// openOutboxFile opens (creating it 0600) the outbox file at path, refusing
// a path that is not a regular file: a named pipe or a device is never
// read.
func openOutboxFile(path string) (*os.File, error) {
	f, _, err := safefile.OpenRegular(path, os.O_RDWR|os.O_CREATE|os.O_APPEND)
	if errors.Is(err, safefile.ErrUnsupported) {
		return nil, fmt.Errorf("%w: %s: an outbox needs a unix system (or use NoOutbox)", ErrOutbox, path)
	}
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrOutbox, err)
	}
	return f, nil
}

// lockOutbox takes an exclusive lock on the outbox file itself (the outbox
// is truncated in place, never renamed). The lock belongs to the open
// file, so a second Set in the same process is refused like another
// process; the kernel drops it when the process dies.
func lockOutbox(f *os.File, path string) error {
	err := safefile.TryLock(f, true)
	if errors.Is(err, safefile.ErrWouldBlock) {
		return fmt.Errorf("%w: outbox %s is in use by another Set (in this process or another); give each node its own", revocation.ErrLocked, path)
	}
	if err != nil {
		// (Without file locks, openOutboxFile has refused already.)
		return fmt.Errorf("%w: %w", ErrOutbox, err)
	}
	return nil
}

// unlockOutbox releases the lock and closes the file.
func unlockOutbox(f *os.File) {
	safefile.Unlock(f)
	f.Close()
}
