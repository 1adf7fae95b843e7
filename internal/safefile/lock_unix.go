//go:build unix

package safefile

import (
	"errors"
	"fmt"
	"os"
	"syscall"
)

// Supported reports whether durable files work on this system.
const Supported = true

// OpenLock opens (creating it 0600) the lock file at path. It never follows
// a symbolic link — a link planted there could otherwise point the lock at
// any file — and never writes to the file: only its lock matters.
func OpenLock(path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|syscall.O_NOFOLLOW|syscall.O_NONBLOCK, 0o600)
	if errors.Is(err, syscall.ELOOP) {
		return nil, fmt.Errorf("the lock file %s is a symbolic link; refusing to follow it (remove it: it is recreated)", path)
	}
	if err != nil {
		return nil, fmt.Errorf("opening the lock file: %w", err)
	}
	if fi, err := f.Stat(); err != nil || !fi.Mode().IsRegular() {
		f.Close()
		return nil, fmt.Errorf("the lock file %s is not a regular file; refusing to use it", path)
	}
	return f, nil
}

// TryLock takes the flock of f, exclusive or shared, without waiting: it
// fails with an error matching ErrWouldBlock while another open file holds
// a conflicting one. The lock belongs to the open file description: a
// second open of the same file is refused, in this process as in another,
// and closing f releases it.
func TryLock(f *os.File, exclusive bool) error {
	how := syscall.LOCK_SH
	if exclusive {
		how = syscall.LOCK_EX
	}
	for range 100 { // EINTR only; bounded all the same
		err := syscall.Flock(int(f.Fd()), how|syscall.LOCK_NB)
		switch {
		case err == nil:
			return nil
		case errors.Is(err, syscall.EWOULDBLOCK):
			return fmt.Errorf("%s: %w", f.Name(), ErrWouldBlock)
		case !errors.Is(err, syscall.EINTR):
			return fmt.Errorf("locking %s: %w", f.Name(), err)
		}
	}
	return fmt.Errorf("locking %s: interrupted", f.Name())
}

// Unlock releases a lock taken by TryLock.
func Unlock(f *os.File) { _ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN) }

// OpenRegular opens the file at path with flags (os.O_RDONLY, or
// os.O_RDWR|os.O_APPEND with os.O_CREATE to create it 0600) and checks
// that it is a regular file: a named pipe would block the open and a
// device would be read without end, so neither is ever read. A path that
// is not a regular file gives an error matching ErrNotRegular. O_NONBLOCK
// makes opening a named pipe return at once; it changes nothing for a
// regular file.
func OpenRegular(path string, flags int) (*os.File, os.FileInfo, error) {
	f, err := os.OpenFile(path, flags|syscall.O_NONBLOCK, 0o600)
	if errors.Is(err, syscall.EISDIR) {
		return nil, nil, &notRegularError{path: path, what: "directory"}
	}
	if err != nil {
		return nil, nil, err
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, nil, err
	}
	if !fi.Mode().IsRegular() {
		f.Close()
		return nil, nil, &notRegularError{path: path, what: fileType(fi.Mode())}
	}
	return f, fi, nil
}
