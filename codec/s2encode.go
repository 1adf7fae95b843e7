package codec

import (
	"encoding/binary"
	"math/bits"
	"sync"
)

// crumb's own S2 block encoder for sessions compressed with a dictionary.
//
// klauspost/compress's dictionary encoder clears a 64 KiB hash table on
// every call, which is most of its cost on a session of a few hundred bytes
// (about 0.5 µs of 0.7 µs on 150 bytes). This encoder keeps the
// dictionary's table in the Dictionary (built once, read-only afterwards)
// and sizes the table of the payload's own positions to the payload, which
// makes it about twice as fast on small sessions; its scan is slower, so
// Encode uses it up to s2OwnUpTo bytes only. It
// writes the block format of SPEC.md §5.2.1 and obeys its dictionary rules
// (a copy from the dictionary never crosses into the output; payloads of 64
// KiB and more go to klauspost's encoder, so no copy from the dictionary
// can start past 64 KiB); klauspost's decoder reads what it writes, which
// the tests and FuzzS2Encode check.

const (
	s2MinMatch = 4
	// s2DictTableBits sizes the dictionary's hash table (2^14 entries of 2
	// bytes: 32 KiB per dictionary).
	s2DictTableBits = 14
	// s2MaxOwnInput is the largest payload this encoder takes: every
	// position, and so every copy's start, stays below 64 KiB.
	s2MaxOwnInput = 1<<16 - 1
	// s2MaxTableBits bounds the payload's hash table (2^14 entries).
	s2MaxTableBits = 14
	// s2OwnUpTo is the largest payload Encode gives this encoder; larger
	// ones go to klauspost's, whose fixed cost (clearing its table) is
	// then paid back by a faster scan. Measured on sessiongen JSON with
	// dictionary 1 (BenchmarkS2Dict): 256 bytes 0.36 µs against 0.69 µs,
	// 512 bytes 0.70 against 0.88, 768 bytes 1.18 against 1.10.
	s2OwnUpTo = 640
)

// s2Table is the hash table of the payload's positions, pooled so that a
// call clears only the part its payload uses.
type s2Table [1 << s2MaxTableBits]uint16

var s2Tables = sync.Pool{New: func() any { return new(s2Table) }}

func s2Hash(u uint32, tableBits uint) uint32 { return (u * 0x1e35a7bd) >> (32 - tableBits) }

func load32(b []byte, i int) uint32 { return binary.LittleEndian.Uint32(b[i:]) }

// s2DictTable indexes every position of content at which s2MinMatch bytes
// start, later positions winning (their offsets are shorter).
func s2DictTable(content []byte) *[1 << s2DictTableBits]uint16 {
	t := new([1 << s2DictTableBits]uint16)
	for i := 0; i+s2MinMatch <= len(content); i++ {
		t[s2Hash(load32(content, i), s2DictTableBits)] = uint16(i)
	}
	return t
}

// s2Encoder writes one block.
type s2Encoder struct {
	dst  []byte
	dict []byte
	rep  int // the repeat offset, 0 while there is none
}

// appendS2Dict appends to dst the S2 block of src with the dictionary d
// (content and its table), or returns nil when the block would not be
// shorter than src: the caller then stores src uncompressed. len(src) must
// be at most s2MaxOwnInput.
func appendS2Dict(dst, src []byte, d *Dictionary) []byte {
	start := len(dst)
	dst = binary.AppendUvarint(dst, uint64(len(src)))
	// The block must end before this to be worth it (the caller also needs
	// the dictionary ID, so this is a bound, not the rule).
	limit := start + len(src)
	n := len(src)
	e := s2Encoder{dst: dst, dict: d.content, rep: len(d.content)}
	if n < s2MinMatch+1 {
		return nil
	}
	tableBits := uint(min(max(bits.Len(uint(n)), 8), s2MaxTableBits))
	table := s2Tables.Get().(*s2Table)
	defer s2Tables.Put(table)
	t := table[:1<<tableBits]
	clear(t)
	dt := d.s2Table
	L := len(e.dict)

	nextEmit, s := 0, 0
	sLimit := n - s2MinMatch
	for s <= sLimit {
		cv := load32(src, s)
		// Right after a copy (or at the start), the repeat offset first: a
		// match there costs the fewest bytes, and continues the structure
		// just matched (or, at the start, the dictionary's first bytes).
		if s == nextEmit {
			if m, ok := e.matchAt(src, s, e.rep, cv); ok {
				s, nextEmit = e.emit(src, nextEmit, s, m, e.rep)
				if len(e.dst) >= limit {
					return nil
				}
				continue
			}
		}
		h := s2Hash(cv, tableBits)
		c := int(t[h])
		t[h] = uint16(s)
		offset := 0
		if c < s && load32(src, c) == cv {
			offset = s - c
		} else if dc := int(dt[s2Hash(cv, s2DictTableBits)]); dc+s2MinMatch <= L && load32(e.dict, dc) == cv {
			offset = s + L - dc
		}
		if offset == 0 {
			s += 1 + (s-nextEmit)>>4 // skip faster through data that does not match
			continue
		}
		m, _ := e.matchAt(src, s, offset, cv)
		// Extend backwards over bytes that would otherwise be literals,
		// staying in the part of the history the match started in (a
		// payload match must not start in the dictionary: it would cross).
		inDict := s < offset
		for s > nextEmit {
			q := L + s - 1 - offset // the source of the byte before, in history
			if q < 0 || (!inDict && q < L) || e.byteAt(src, s-1, offset) != src[s-1] {
				break
			}
			s--
			m++
		}
		s, nextEmit = e.emit(src, nextEmit, s, m, offset)
		if len(e.dst) >= limit {
			return nil
		}
		// Index a position inside the match so the next one can find it.
		if s-2 > 0 && s-2 <= sLimit {
			t[s2Hash(load32(src, s-2), tableBits)] = uint16(s - 2)
		}
	}
	if nextEmit < n {
		e.literal(src[nextEmit:])
	}
	if len(e.dst) >= limit {
		return nil
	}
	return e.dst
}

// byteAt returns the history byte offset positions before output position
// s: the dictionary's or the payload's.
func (e *s2Encoder) byteAt(src []byte, s, offset int) byte {
	if p := s - offset; p >= 0 {
		return src[p]
	}
	return e.dict[len(e.dict)+s-offset]
}

// matchAt returns the length of the match at output position s and offset,
// if it is at least s2MinMatch bytes: it starts inside the history, and if
// it starts in the dictionary it ends there too. cv is load32(src, s).
func (e *s2Encoder) matchAt(src []byte, s, offset int, cv uint32) (int, bool) {
	if offset <= 0 {
		return 0, false
	}
	L := len(e.dict)
	p := L + s - offset
	switch {
	case p < 0:
		return 0, false
	case p < L: // in the dictionary: never past its end
		if p+s2MinMatch > L || load32(e.dict, p) != cv {
			return 0, false
		}
		return s2MinMatch + matchLen(e.dict[p+s2MinMatch:], src[s+s2MinMatch:]), true
	default:
		q := p - L
		if load32(src, q) != cv {
			return 0, false
		}
		return s2MinMatch + matchLen(src[q+s2MinMatch:], src[s+s2MinMatch:]), true
	}
}

// matchLen returns how many leading bytes a and b have in common.
func matchLen(a, b []byte) int {
	n := min(len(a), len(b))
	a, b = a[:n], b[:n]
	i := 0
	for ; i+8 <= n; i += 8 {
		if x := binary.LittleEndian.Uint64(a[i:]) ^ binary.LittleEndian.Uint64(b[i:]); x != 0 {
			return i + bits.TrailingZeros64(x)>>3
		}
	}
	for ; i < n && a[i] == b[i]; i++ {
	}
	return i
}

// emit writes the literals from nextEmit to s, then a copy of m bytes at
// offset, and returns the new position and nextEmit.
func (e *s2Encoder) emit(src []byte, nextEmit, s, m, offset int) (int, int) {
	if nextEmit < s {
		e.literal(src[nextEmit:s])
	}
	e.copy(offset, m)
	return s + m, s + m
}

// literal writes lit as one literal element (len(lit) ≤ 65,536).
func (e *s2Encoder) literal(lit []byte) {
	n := len(lit) - 1
	switch {
	case n < 60:
		e.dst = append(e.dst, byte(n)<<2)
	case n < 1<<8:
		e.dst = append(e.dst, 60<<2, byte(n))
	default:
		e.dst = append(e.dst, 61<<2, byte(n), byte(n>>8))
	}
	e.dst = append(e.dst, lit...)
}

// copy writes a copy of m ≥ 4 bytes at offset: a repeat when offset is the
// repeat offset, else the shortest copy element, continued by a repeat when
// m is longer than that element holds.
func (e *s2Encoder) copy(offset, m int) {
	if offset == e.rep {
		e.repeat(m)
		return
	}
	e.rep = offset
	switch {
	case offset < 1<<11 && m <= 11:
		e.dst = append(e.dst, byte(offset>>8)<<5|byte(m-4)<<2|0x01, byte(offset))
		return
	case offset < 1<<11:
		k := min(11, m-4)
		e.dst = append(e.dst, byte(offset>>8)<<5|byte(k-4)<<2|0x01, byte(offset))
		m -= k
	default:
		k := m
		if m > 64 {
			k = min(64, m-4)
		}
		if offset < 1<<16 {
			e.dst = append(e.dst, byte(k-1)<<2|0x02, byte(offset), byte(offset>>8))
		} else {
			e.dst = append(e.dst, byte(k-1)<<2|0x03, byte(offset), byte(offset>>8), byte(offset>>16), byte(offset>>24))
		}
		m -= k
	}
	if m > 0 {
		e.repeat(m)
	}
}

// repeat writes a repeat of m ≥ 4 bytes (SPEC.md §5.2.1's length codes).
func (e *s2Encoder) repeat(m int) {
	switch {
	case m <= 8:
		e.dst = append(e.dst, byte(m-4)<<2|0x01, 0)
	case m < 260:
		e.dst = append(e.dst, 5<<2|0x01, 0, byte(m-8))
	case m < 65540:
		m -= 260
		e.dst = append(e.dst, 6<<2|0x01, 0, byte(m), byte(m>>8))
	default:
		m -= 65540
		e.dst = append(e.dst, 7<<2|0x01, 0, byte(m), byte(m>>8), byte(m>>16))
	}
}
