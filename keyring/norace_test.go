//go:build !race

package keyring

// raceEnabled is true when the race detector is on.
const raceEnabled = false
