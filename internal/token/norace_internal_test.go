//go:build !race

package token

// raceEnabled is true under the race detector.
const raceEnabled = false
