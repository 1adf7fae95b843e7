//go:build unix

package revocation

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
)

// durableSupported reports whether durable mode works on this system.
const durableSupported = true

// lockFile takes an exclusive flock on logPath+".lock", a file of its own
// so that it survives the renames of compaction, and writes this process's
// PID into it. flock belongs to the open file, so a second Local in the
// same process is refused just like another process. The kernel drops the
// lock when the process dies, even by SIGKILL; the file itself stays.
func lockFile(logPath string) (*os.File, error) {
	path := logPath + ".lock"
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("revocation: opening lock file: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			holder := "another Local"
			if b, rerr := os.ReadFile(path); rerr == nil {
				if pid, perr := strconv.Atoi(strings.TrimSpace(string(b))); perr == nil {
					holder = "process " + strconv.Itoa(pid)
				}
			}
			return nil, fmt.Errorf("%w: %s is in use by %s (lock file %s); only one Local may open a log", ErrLocked, logPath, holder, path)
		}
		return nil, fmt.Errorf("revocation: locking %s: %w", path, err)
	}
	pid := []byte(strconv.Itoa(os.Getpid()) + "\n")
	if err := f.Truncate(0); err == nil {
		f.WriteAt(pid, 0) // informative only: the lock is the flock
	}
	return f, nil
}

// unlockFile releases a lock taken by lockFile.
func unlockFile(f *os.File) {
	syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
	f.Close()
}
