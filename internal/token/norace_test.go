//go:build !race

package token_test

// raceEnabled is true under the race detector.
const raceEnabled = false
