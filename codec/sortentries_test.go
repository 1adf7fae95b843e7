package codec

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// TestSortedEntries holds sortedEntries to slices.Sort on maps of every
// size up to past the insertion sort's, with keys that share 8-byte
// prefixes, are prefixes of each other, and hold zero and high bytes, and
// checks that each value stays with its key.
func TestSortedEntries(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	alphabet := []byte{0, 1, 'a', 'b', 0x7f, 0x80, 0xff}
	for n := range 70 {
		for range 50 {
			m := map[string]int{}
			for len(m) < n {
				k := []byte("prefix__"[:r.IntN(9)])
				for range r.IntN(4) {
					k = append(k, alphabet[r.IntN(len(alphabet))])
				}
				m[string(k)] = r.Int()
			}
			var kbuf [32]string
			var vbuf [32]int
			got, vals := sortedEntries(kbuf[:], vbuf[:], m)
			want := make([]string, 0, n)
			for k := range m {
				want = append(want, k)
			}
			slices.Sort(want)
			if !slices.Equal(got, want) {
				t.Fatalf("%d keys: got %q, want %q", n, got, want)
			}
			if len(vals) != len(got) {
				t.Fatalf("%d keys: %d values", n, len(vals))
			}
			for i, k := range got {
				if vals[i] != m[k] {
					t.Fatalf("%d keys: value %d of key %q is %d, want %d", n, i, k, vals[i], m[k])
				}
			}
		}
	}
}
