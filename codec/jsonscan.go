package codec

import (
	"encoding/binary"
	"math/bits"
)

// stringRun returns the index of the first byte at or after i that is not
// a plain string byte — a quote, a backslash or a control character — or
// len(b), and whether a byte of 0x80 or more came before it. It looks at
// eight bytes at a time: session values are mostly long strings (tokens,
// IDs, URLs) that the parser only has to step over.
func stringRun(b []byte, i int) (int, bool) {
	const lo, hi = 0x0101010101010101, 0x8080808080808080
	var high uint64
	for ; i+8 <= len(b); i += 8 {
		x := binary.LittleEndian.Uint64(b[i:])
		q, bs := x^(lo*'"'), x^(lo*'\\')
		// The lowest flagged byte is exact: a false flag can only follow a
		// true one (a borrow runs upwards).
		if m := ((q - lo) &^ q) | ((bs - lo) &^ bs) | ((x - lo*0x20) &^ x); m&hi != 0 {
			n := bits.TrailingZeros64(m&hi) >> 3
			high |= x & hi & (1<<(8*n) - 1)
			return i + n, high != 0
		}
		high |= x & hi
	}
	for ; i < len(b); i++ {
		if c := b[i]; c == '"' || c == '\\' || c < 0x20 {
			break
		} else if c >= 0x80 {
			high = 1
		}
	}
	return i, high != 0
}
