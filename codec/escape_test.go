package codec

import (
	"encoding/binary"
	"math/rand/v2"
	"testing"
)

// TestMayNeedEscape compares mayNeedEscape with a byte-by-byte check: every
// byte value at every position among safe bytes, pairs of unsafe and safe
// neighbours (borrows across bytes), and random words.
func TestMayNeedEscape(t *testing.T) {
	safe := func(b byte) bool {
		return b >= 0x20 && b < 0x80 && b != '"' && b != '\\' && b != '<' && b != '>' && b != '&'
	}
	want := func(w [8]byte) bool {
		for _, b := range w {
			if !safe(b) {
				return true
			}
		}
		return false
	}
	check := func(w [8]byte) {
		t.Helper()
		if got := mayNeedEscape(binary.LittleEndian.Uint64(w[:])); got != want(w) {
			t.Fatalf("mayNeedEscape(%q) = %v, want %v", w[:], got, want(w))
		}
	}
	for pos := range 8 {
		for v := range 256 {
			w := [8]byte{'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'}
			w[pos] = byte(v)
			check(w)
			for _, n := range []byte{0x00, 0x1f, 0x20, 0x21, 0x7f, 0x80, 0xff} {
				if pos < 7 {
					w2 := w
					w2[pos+1] = n
					check(w2)
				}
			}
		}
	}
	r := rand.New(rand.NewPCG(1, 2))
	for range 1 << 20 {
		var w [8]byte
		binary.LittleEndian.PutUint64(w[:], r.Uint64())
		check(w)
		for i := range w { // mostly printable, as strings are
			if r.IntN(8) != 0 {
				w[i] = byte(0x20 + r.IntN(0x60))
			}
		}
		check(w)
	}
}
