//go:build race

package keyring

// raceEnabled is true when the race detector is on. sync.Pool then drops
// items at random, so allocation counts are meaningless.
const raceEnabled = true
