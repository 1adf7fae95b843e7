package vectors

import (
	"encoding/binary"
	"fmt"
)

// s2Block assembles an S2 block element by element, exactly as SPEC.md §5.2
// describes the format, so a vector can use an element the encoder in
// klauspost/compress would not choose (a literal with a 4-byte length, a
// repeat with a 3-byte length, a copy reaching into the dictionary at a given
// output position). It also keeps its own model of the decoded output (the
// vector's expected payload), computed from the same text: history is the
// dictionary content followed by the output, and every copy reads byte by
// byte from `offset` bytes before the current position. The model applies no
// validity rule, so invalid blocks can be assembled too; TestS2Blocks checks
// the model of every valid block against klauspost/compress's decoder.
type s2Block struct {
	dict   []byte // dictionary content, nil for none
	out    []byte // the model's decoded output
	elems  []byte
	repeat int // the current repeat offset
}

func newS2Block(content []byte) *s2Block {
	return &s2Block{dict: content, repeat: len(content)}
}

// lit appends a literal. extra is how many length bytes follow the tag:
// 0 (lengths 1 to 60) or 1 to 4, which may be more than the length needs.
func (a *s2Block) lit(b []byte, extra int) *s2Block {
	m := len(b) - 1
	switch {
	case extra == 0 && m < 60:
		a.elems = append(a.elems, byte(m<<2))
	case extra >= 1 && extra <= 4 && uint64(m) < 1<<(8*extra):
		a.elems = append(a.elems, byte((59+extra)<<2))
		for i := range extra {
			a.elems = append(a.elems, byte(m>>(8*i)))
		}
	default:
		panic(fmt.Sprintf("s2Block: literal of %d bytes with %d length bytes", len(b), extra))
	}
	a.elems = append(a.elems, b...)
	a.out = append(a.out, b...)
	return a
}

// copy1 appends a copy with a 1-byte offset: length 4 to 11, offset 1 to
// 2047 (the offset's top 3 bits go in the tag).
func (a *s2Block) copy1(offset, n int) *s2Block {
	if n < 4 || n > 11 || offset < 1 || offset > 2047 {
		panic("s2Block: copy1 out of range")
	}
	a.elems = append(a.elems, byte(0x01|(n-4)<<2|(offset>>8)<<5), byte(offset))
	return a.copy(offset, n)
}

// copy2 appends a copy with a 2-byte little-endian offset: length 1 to 64.
func (a *s2Block) copy2(offset, n int) *s2Block {
	if n < 1 || n > 64 || offset < 0 || offset > 0xffff {
		panic("s2Block: copy2 out of range")
	}
	a.elems = append(a.elems, byte(0x02|(n-1)<<2), byte(offset), byte(offset>>8))
	return a.copy(offset, n)
}

// copy4 appends a copy with a 4-byte little-endian offset: length 1 to 64.
func (a *s2Block) copy4(offset, n int) *s2Block {
	if n < 1 || n > 64 || offset < 0 {
		panic("s2Block: copy4 out of range")
	}
	a.elems = append(a.elems, byte(0x03|(n-1)<<2))
	a.elems = binary.LittleEndian.AppendUint32(a.elems, uint32(offset))
	return a.copy(offset, n)
}

// rep appends a repeat (a copy with a 1-byte offset of 0) of n bytes with
// the given 3-bit length code: codes 0 to 4 are lengths 4 to 8; 5 is 8 plus
// one byte, 6 is 260 plus two bytes, 7 is 65,540 plus three bytes.
func (a *s2Block) rep(n, code int) *s2Block {
	base := map[int]int{5: 8, 6: 260, 7: 65540}
	a.elems = append(a.elems, byte(0x01|code<<2), 0)
	switch {
	case code <= 4:
		if n != code+4 {
			panic("s2Block: repeat length does not match its code")
		}
	default:
		v := n - base[code]
		if v < 0 || v >= 1<<(8*(code-4)) {
			panic("s2Block: repeat length out of its code's range")
		}
		for i := range code - 4 {
			a.elems = append(a.elems, byte(v>>(8*i)))
		}
	}
	return a.copyFrom(a.repeat, n)
}

func (a *s2Block) copy(offset, n int) *s2Block {
	a.repeat = offset
	return a.copyFrom(offset, n)
}

func (a *s2Block) copyFrom(offset, n int) *s2Block {
	for range n {
		// Position in history (dictionary content, then output).
		p := len(a.dict) + len(a.out) - offset
		var b byte
		switch {
		case p < 0: // before the history: invalid, the model writes a zero
		case p < len(a.dict):
			b = a.dict[p]
		case p-len(a.dict) < len(a.out):
			b = a.out[p-len(a.dict)]
		}
		a.out = append(a.out, b)
	}
	return a
}

// data returns the block: the decoded length as a varint, then the
// elements.
func (a *s2Block) data() []byte {
	return append(binary.AppendUvarint(nil, uint64(len(a.out))), a.elems...)
}

// body returns a whole compressed body (SPEC.md §5.2): the dictionary ID,
// then the block.
func (a *s2Block) body(dict uint32) []byte {
	return append(binary.AppendUvarint(nil, uint64(dict)), a.data()...)
}
