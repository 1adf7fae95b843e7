//go:build unix

package main

import (
	"fmt"
	"os"
	"syscall"
)

// lockKeyring takes an exclusive flock on file+".lock", waiting for another
// sessionctl to finish, and returns the function that releases it. The
// check that the keyring did not change and its replacement happen under
// it, so two rotations at once cannot both succeed with one lost.
func lockKeyring(file string) (func(), error) {
	f, err := os.OpenFile(file+".lock", os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("opening the keyring's lock file: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		f.Close()
		return nil, fmt.Errorf("locking the keyring: %w", err)
	}
	return func() { f.Close() }, nil // closing releases the flock
}
