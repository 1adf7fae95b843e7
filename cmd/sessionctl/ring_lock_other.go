//go:build !unix

package main

// lockKeyring does nothing where flock is unavailable: the re-read before
// the replacement still catches most concurrent rotations.
func lockKeyring(string) (func(), error) { return func() {}, nil }
