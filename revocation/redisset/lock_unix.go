//go:build unix

package redisset

import (
	"errors"
	"fmt"
	"os"
	"syscall"

	"github.com/crumbhq/crumb/revocation"
)

// lockOutbox takes an exclusive flock on the outbox file itself (the
// outbox is truncated in place, never renamed). flock belongs to the open
// file, so a second Set in the same process is refused like another
// process; the kernel drops it when the process dies.
func lockOutbox(f *os.File, path string) error {
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return fmt.Errorf("%w: outbox %s is in use by another Set (in this process or another); give each node its own", revocation.ErrLocked, path)
		}
		return fmt.Errorf("%w: locking %s: %w", ErrOutbox, path, err)
	}
	return nil
}

func unlockOutbox(f *os.File) {
	syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
	f.Close()
}
