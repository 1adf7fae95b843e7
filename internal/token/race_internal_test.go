//go:build race

package token

// raceEnabled is true under the race detector, where sync.Pool drops items
// at random.
const raceEnabled = true
