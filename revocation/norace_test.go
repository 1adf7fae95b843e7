//go:build !race

package revocation

// raceEnabled is true when the race detector is on.
const raceEnabled = false
