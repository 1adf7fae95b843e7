//go:build !race

package middleware_test

// raceEnabled is true when the race detector is on.
const raceEnabled = false
