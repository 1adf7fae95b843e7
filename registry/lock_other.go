//go:build !unix

package registry

import "os"

// durableSupported reports whether durable mode works on this system.
const durableSupported = false

func openLockFile(string) (*os.File, error)                          { return nil, errNotDurable }
func tryLock(*os.File, string) error                                 { return errNotDurable }
func openDataFile(string, bool, bool) (*os.File, os.FileInfo, error) { return nil, nil, errNotDurable }
func checkPath(string) error                                         { return errNotDurable }
