//go:build unix

package registry

import (
	"errors"
	"fmt"
	"os"
	"syscall"
)

// durableSupported reports whether durable mode works on this system.
const durableSupported = true

// openLockFile opens (creating it 0600) the lock file of a registry file.
// It never follows a symbolic link — a link planted there could otherwise
// point the lock at any file — and never writes to the file: only its
// flock matters.
func openLockFile(path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|syscall.O_NOFOLLOW|syscall.O_NONBLOCK, 0o600)
	if errors.Is(err, syscall.ELOOP) {
		return nil, fmt.Errorf("registry: the lock file %s is a symbolic link; refusing to follow it (remove it: it is recreated)", path)
	}
	if err != nil {
		return nil, fmt.Errorf("registry: opening the lock file: %w", err)
	}
	if fi, err := f.Stat(); err != nil || !fi.Mode().IsRegular() {
		f.Close()
		return nil, fmt.Errorf("registry: the lock file %s is not a regular file; refusing to use it", path)
	}
	return f, nil
}

// tryLock takes the exclusive flock of lock, the lock file of the
// registry file at path, without waiting. The flock belongs to the open
// file description: a second registry on the same path is refused, in
// this process as in another, and closing lock releases it.
func tryLock(lock *os.File, path string) error {
	for range 100 { // EINTR only; bounded all the same
		err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		switch {
		case err == nil:
			return nil
		case errors.Is(err, syscall.EWOULDBLOCK):
			return fmt.Errorf("%w: %s is open for writing elsewhere (stop that process first, or open it with ReadOnly to list its sessions)", ErrLocked, path)
		case !errors.Is(err, syscall.EINTR):
			return fmt.Errorf("registry: locking %s: %w", lock.Name(), err)
		}
	}
	return fmt.Errorf("registry: locking %s: interrupted", lock.Name())
}

// openDataFile opens the registry file at path — to append to it, creating
// it 0600 when create is set, or to read it when readOnly is set — and
// checks that it is a regular file. O_NONBLOCK makes opening a named pipe
// return at once; it changes nothing for a regular file.
func openDataFile(path string, create, readOnly bool) (*os.File, os.FileInfo, error) {
	flags := os.O_RDWR | os.O_APPEND | syscall.O_NONBLOCK
	if readOnly {
		flags = os.O_RDONLY | syscall.O_NONBLOCK
	} else if create {
		flags |= os.O_CREATE
	}
	f, err := os.OpenFile(path, flags, 0o600)
	if errors.Is(err, syscall.EISDIR) {
		return nil, nil, fmt.Errorf("%w: %s is a directory, not a regular file", ErrCorrupt, path)
	}
	if err != nil {
		return nil, nil, fmt.Errorf("registry: opening the session registry file: %w", err)
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, nil, fmt.Errorf("registry: opening the session registry file: %w", err)
	}
	if !fi.Mode().IsRegular() {
		f.Close()
		return nil, nil, fmt.Errorf("%w: %s is a %s, not a regular file; it was left untouched", ErrCorrupt, path, fileType(fi.Mode()))
	}
	return f, fi, nil
}

// checkPath refuses a path that exists and is not a regular file, before
// anything is created beside it (the lock file, in /dev for a device).
func checkPath(path string) error {
	fi, err := os.Stat(path)
	if err != nil || fi.Mode().IsRegular() {
		return nil // missing (created later) or regular; openDataFile checks again
	}
	return fmt.Errorf("%w: %s is a %s, not a regular file; it was left untouched", ErrCorrupt, path, fileType(fi.Mode()))
}

// fileType names the type of a file that is not a regular one.
func fileType(m os.FileMode) string {
	switch {
	case m&os.ModeNamedPipe != 0:
		return "named pipe"
	case m&os.ModeCharDevice != 0:
		return "character device"
	case m&os.ModeDevice != 0:
		return "block device"
	case m&os.ModeSocket != 0:
		return "socket"
	case m.IsDir():
		return "directory"
	}
	return "special file"
}
