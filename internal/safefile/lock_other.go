//go:build !unix

package safefile

import "os"

// Supported reports whether durable files work on this system.
const Supported = false

// OpenLock fails with ErrUnsupported on this system.
func OpenLock(string) (*os.File, error) { return nil, ErrUnsupported }

// TryLock fails with ErrUnsupported on this system.
func TryLock(*os.File, bool) error { return ErrUnsupported }

// Unlock does nothing on this system.
func Unlock(*os.File) {}

// OpenRegular fails with ErrUnsupported on this system.
func OpenRegular(string, int) (*os.File, os.FileInfo, error) { return nil, nil, ErrUnsupported }
