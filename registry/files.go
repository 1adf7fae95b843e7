package registry

import (
	"errors"
	"fmt"
	"os"

	"github.com/crumbhq/crumb/internal/safefile"
)

// durableSupported reports whether durable mode works on this system.
const durableSupported = safefile.Supported

// errNotDurable is returned where durable mode is not supported.
var errNotDurable = errors.New("registry: a durable file (LocalOptions.Path) needs a unix system for its lock; use memory-only mode here")

// fileError words an error of the safefile package for this package: a
// path that is not a regular file matches ErrCorrupt, a system without
// file locks says what to use instead.
func fileError(doing string, err error) error {
	switch {
	case errors.Is(err, safefile.ErrNotRegular):
		return fmt.Errorf("%w: %v", ErrCorrupt, err)
	case errors.Is(err, safefile.ErrUnsupported):
		return errNotDurable
	}
	return fmt.Errorf("registry: %s: %w", doing, err)
}

// openLockFile opens (creating it 0600) the lock file of a registry file,
// never following a symbolic link.
func openLockFile(path string) (*os.File, error) {
	f, err := safefile.OpenLock(path)
	if err != nil {
		return nil, fileError("the lock file", err)
	}
	return f, nil
}

// tryLock takes the exclusive lock of lock, the lock file of the registry
// file at path, without waiting. The lock belongs to the open file
// description: a second registry on the same path is refused, in this
// process as in another, and closing lock releases it.
func tryLock(lock *os.File, path string) error {
	err := safefile.TryLock(lock, true)
	if errors.Is(err, safefile.ErrWouldBlock) {
		return fmt.Errorf("%w: %s is open for writing elsewhere (stop that process first, or open it with ReadOnly to list its sessions)", ErrLocked, path)
	}
	if err != nil {
		return fileError("locking the session registry file", err)
	}
	return nil
}

// openDataFile opens the registry file at path — to append to it, creating
// it 0600 when create is set, or to read it when readOnly is set — and
// checks that it is a regular file: a named pipe or a device is never
// read, and gives an error matching ErrCorrupt.
func openDataFile(path string, create, readOnly bool) (*os.File, os.FileInfo, error) {
	flags := os.O_RDWR | os.O_APPEND
	if readOnly {
		flags = os.O_RDONLY
	} else if create {
		flags |= os.O_CREATE
	}
	f, fi, err := safefile.OpenRegular(path, flags)
	if err != nil {
		return nil, nil, fileError("opening the session registry file", err)
	}
	return f, fi, nil
}

// checkPath refuses a path that exists and is not a regular file, before
// anything is created beside it (the lock file, in /dev for a device).
func checkPath(path string) error {
	if !durableSupported {
		return errNotDurable
	}
	if err := safefile.CheckRegular(path); err != nil {
		return fileError("", err)
	}
	return nil
}
