//go:build !unix

package redisset

import (
	"fmt"
	"os"
)

// lockOutbox fails: the outbox needs flock, so a unix system (or
// Options.NoOutbox).
func lockOutbox(_ *os.File, path string) error {
	return fmt.Errorf("%w: %s: an outbox needs a unix system (or use NoOutbox)", ErrOutbox, path)
}

func unlockOutbox(f *os.File) { f.Close() }
