package safefile

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
)

// ErrNotRegular is matched by the error for a path that exists and is not a
// regular file (a directory, a named pipe, a device, a socket): such a
// file is never read or written.
var ErrNotRegular = errors.New("not a regular file")

// ErrUnsupported is returned on systems without the file lock durable
// stores need (those that are not Unix).
var ErrUnsupported = errors.New("durable files need a Unix system for their file lock")

// ErrWouldBlock is matched by the error of TryLock when another open file
// holds a conflicting lock.
var ErrWouldBlock = errors.New("locked by another open file")

// notRegularError says what a path is, instead of a regular file.
type notRegularError struct {
	path, what string
}

func (e *notRegularError) Error() string {
	return e.path + " is a " + e.what + ", not a regular file; it was left untouched"
}

func (e *notRegularError) Is(target error) bool { return target == ErrNotRegular }

// CheckRegular refuses a path that exists and is not a regular file, with an
// error matching ErrNotRegular. A missing path is fine: it is created later,
// and OpenRegular checks again. Call it before creating anything beside
// the path (a lock file in /dev, for a device).
func CheckRegular(path string) error {
	fi, err := os.Stat(path)
	if err != nil || fi.Mode().IsRegular() {
		return nil
	}
	return &notRegularError{path: path, what: fileType(fi.Mode())}
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

// SyncDir fsyncs a directory, making a create or rename in it durable.
func SyncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}

// RemoveTemps removes the regular files beside path whose names start with
// path's name followed by suffix: the temporary files of rewrites that a
// crash interrupted. The caller must hold the lock that rewrites take. It
// returns the names it removed.
func RemoveTemps(path, suffix string) []string {
	dir, base := filepath.Split(path)
	entries, err := os.ReadDir(filepath.Clean(dir))
	if err != nil {
		return nil
	}
	var removed []string
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), base+suffix) && e.Type().IsRegular() {
			if err := os.Remove(filepath.Join(dir, e.Name())); err == nil {
				removed = append(removed, e.Name())
			}
		}
	}
	return removed
}
