//go:build race

package revocation

// raceEnabled is true when the race detector is on. It then instruments
// every memory access and allocates shadow memory, so allocation counts and
// heap measurements are meaningless.
const raceEnabled = true
