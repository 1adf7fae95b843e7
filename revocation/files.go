package revocation

import (
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/crumbhq/crumb/internal/safefile"
)

// durableSupported reports whether durable mode works on this system.
const durableSupported = safefile.Supported

// The ways to lock the log's lock file: shared to read what other
// processes appended, exclusive to append, compact or initialise.
const (
	lockShared    = false
	lockExclusive = true
)

// fileError words an error of the safefile package for this package: a
// path that is not a regular file matches ErrCorrupt, a system without
// file locks says what to use instead.
func fileError(doing string, err error) error {
	switch {
	case errors.Is(err, safefile.ErrNotRegular):
		return fmt.Errorf("%w: %v", ErrCorrupt, err)
	case errors.Is(err, safefile.ErrUnsupported):
		return errors.New("revocation: durable mode (LocalOptions.Path) needs a unix system for its file lock; use memory-only mode here")
	}
	return fmt.Errorf("revocation: %s: %w", doing, err)
}

// openLockFile opens (creating it 0600) the lock file of a log, never
// following a symbolic link.
func openLockFile(path string) (*os.File, error) {
	f, err := safefile.OpenLock(path)
	if err != nil {
		return nil, fileError("the lock file", err)
	}
	return f, nil
}

// flockWait takes the lock of f, exclusive or shared, waiting up to wait
// while another process holds it. Processes of this version hold it only
// to append a batch or compact; a crumb older than 0.2 holds it
// exclusively for as long as it runs.
func flockWait(f *os.File, exclusive bool, wait time.Duration) error {
	deadline := time.Now().Add(wait)
	for pause := time.Millisecond; ; pause = min(2*pause, 50*time.Millisecond) {
		err := safefile.TryLock(f, exclusive)
		if err == nil {
			return nil
		}
		if !errors.Is(err, safefile.ErrWouldBlock) {
			return fileError("locking the log", err)
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%w: %s stayed locked by another process for %s (a crumb older than 0.2 keeps it locked while it runs: stop it, or give each its own log)", ErrLocked, f.Name(), wait)
		}
		time.Sleep(pause)
	}
}

// funlock releases a lock taken by flockWait.
func funlock(f *os.File) { safefile.Unlock(f) }

// openLogFile opens the log at path for appending (creating it 0600 when
// create is set) and checks that it is a regular file: a named pipe or a
// device is never read, and gives an error matching ErrCorrupt.
func openLogFile(path string, create bool) (*os.File, os.FileInfo, error) {
	flags := os.O_RDWR | os.O_APPEND
	if create {
		flags |= os.O_CREATE
	}
	f, fi, err := safefile.OpenRegular(path, flags)
	if err != nil {
		return nil, nil, fileError("opening log", err)
	}
	return f, fi, nil
}

// checkLogPath refuses a log path that exists and is not a regular file,
// before anything is created beside it: openLog would otherwise create the
// lock file first — in /dev, for a device — or fail to create it there
// with an error that does not say what is wrong.
func checkLogPath(path string) error {
	if !durableSupported {
		return fileError("", safefile.ErrUnsupported)
	}
	if err := safefile.CheckRegular(path); err != nil {
		return fileError("", err)
	}
	return nil
}
