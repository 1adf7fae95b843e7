//go:build unix

package revocation

import (
	"errors"
	"fmt"
	"os"
	"syscall"
	"time"
)

// durableSupported reports whether durable mode works on this system.
const durableSupported = true

// The ways to lock the log's lock file: shared to read what other
// processes appended, exclusive to append, compact or initialise.
const (
	lockShared    = syscall.LOCK_SH
	lockExclusive = syscall.LOCK_EX
)

// openLockFile opens (creating it 0600) the lock file of a log. It never
// follows a symbolic link — a link planted there could otherwise point the
// lock at any file — and never writes to the file: only its flock matters.
func openLockFile(path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|syscall.O_NOFOLLOW|syscall.O_NONBLOCK, 0o600)
	if errors.Is(err, syscall.ELOOP) {
		return nil, fmt.Errorf("revocation: the lock file %s is a symbolic link; refusing to follow it (remove it: it is recreated)", path)
	}
	if err != nil {
		return nil, fmt.Errorf("revocation: opening the lock file: %w", err)
	}
	if fi, err := f.Stat(); err != nil || !fi.Mode().IsRegular() {
		f.Close()
		return nil, fmt.Errorf("revocation: the lock file %s is not a regular file; refusing to use it", path)
	}
	return f, nil
}

// flockWait takes the flock how on f, waiting up to wait while another
// process holds it. Processes of this version hold it only to append a
// batch or compact; a crumb older than 0.2 holds it exclusively for as long
// as it runs.
func flockWait(f *os.File, how int, wait time.Duration) error {
	deadline := time.Now().Add(wait)
	for pause := time.Millisecond; ; pause = min(2*pause, 50*time.Millisecond) {
		err := syscall.Flock(int(f.Fd()), how|syscall.LOCK_NB)
		if err == nil {
			return nil
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) && !errors.Is(err, syscall.EINTR) {
			return fmt.Errorf("revocation: locking %s: %w", f.Name(), err)
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%w: %s stayed locked by another process for %s (a crumb older than 0.2 keeps it locked while it runs: stop it, or give each its own log)", ErrLocked, f.Name(), wait)
		}
		time.Sleep(pause)
	}
}

// funlock releases a lock taken by flockWait.
func funlock(f *os.File) { _ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN) }

// openLogFile opens the log at path for appending (creating it 0600 when
// create is set) and checks that it is a regular file: a named pipe would
// block the open and a device would be read without end, so neither is
// ever read. O_NONBLOCK makes opening a pipe return at once; it changes
// nothing for a regular file.
func openLogFile(path string, create bool) (*os.File, os.FileInfo, error) {
	flags := os.O_RDWR | os.O_APPEND | syscall.O_NONBLOCK
	if create {
		flags |= os.O_CREATE
	}
	f, err := os.OpenFile(path, flags, 0o600)
	if errors.Is(err, syscall.EISDIR) {
		return nil, nil, fmt.Errorf("%w: %s is a directory, not a regular file", ErrCorrupt, path)
	}
	if err != nil {
		return nil, nil, fmt.Errorf("revocation: opening log: %w", err)
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, nil, fmt.Errorf("revocation: opening log: %w", err)
	}
	if !fi.Mode().IsRegular() {
		f.Close()
		return nil, nil, fmt.Errorf("%w: %s is a %s, not a regular file; it was left untouched", ErrCorrupt, path, fileType(fi.Mode()))
	}
	return f, fi, nil
}

// checkLogPath refuses a log path that exists and is not a regular file,
// before anything is created beside it: openLog would otherwise create the
// lock file first — in /dev, for a device — or fail to create it there
// with an error that does not say what is wrong.
func checkLogPath(path string) error {
	fi, err := os.Stat(path)
	if err != nil || fi.Mode().IsRegular() {
		return nil // missing (created later) or regular; openLogFile checks again
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
