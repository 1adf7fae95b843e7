//go:build !unix

package revocation

import (
	"errors"
	"os"
)

// durableSupported reports whether durable mode works on this system.
const durableSupported = false

// lockFile fails: durable mode locks its log with flock, which needs a unix
// system.
func lockFile(string) (*os.File, error) {
	return nil, errors.New("revocation: durable mode (LocalOptions.Path) needs a unix system for its file lock; use memory-only mode here")
}

func unlockFile(*os.File) {}
