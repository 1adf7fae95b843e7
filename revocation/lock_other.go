//go:build !unix

package revocation

import (
	"errors"
	"os"
	"time"
)

// durableSupported reports whether durable mode works on this system.
const durableSupported = false

const (
	lockShared    = 1
	lockExclusive = 2
)

var errNoDurable = errors.New("revocation: durable mode (LocalOptions.Path) needs a unix system for its file lock; use memory-only mode here")

func openLockFile(string) (*os.File, error)                   { return nil, errNoDurable }
func flockWait(*os.File, int, time.Duration) error            { return errNoDurable }
func funlock(*os.File)                                        {}
func openLogFile(string, bool) (*os.File, os.FileInfo, error) { return nil, nil, errNoDurable }
func checkLogPath(string) error                               { return errNoDurable }
