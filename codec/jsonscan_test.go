package codec

import (
	"math/rand/v2"
	"testing"
)

// TestStringRun holds the word-at-a-time scan to a byte-at-a-time one on
// random strings rich in the bytes that matter, at every start offset.
func TestStringRun(t *testing.T) {
	naive := func(b []byte, i int) (int, bool) {
		high := false
		for ; i < len(b); i++ {
			c := b[i]
			if c == '"' || c == '\\' || c < 0x20 {
				break
			}
			high = high || c >= 0x80
		}
		return i, high
	}
	alphabet := []byte{'a', 'Z', '0', ' ', '"', '\\', 0, 0x1f, 0x20, 0x21, 0x7f, 0x80, 0xc3, 0xff, '!', '#', '[', ']'}
	r := rand.New(rand.NewPCG(3, 4))
	for range 20000 {
		b := make([]byte, r.IntN(40))
		for j := range b {
			if r.IntN(4) == 0 {
				b[j] = alphabet[r.IntN(len(alphabet))]
			} else {
				b[j] = 'a' + byte(r.IntN(26))
			}
		}
		for i := 0; i <= len(b); i++ {
			gi, gh := stringRun(b, i)
			wi, wh := naive(b, i)
			if gi != wi || gh != wh {
				t.Fatalf("stringRun(%q, %d) = %d, %v; want %d, %v", b, i, gi, gh, wi, wh)
			}
		}
	}
}
