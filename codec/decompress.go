package codec

import (
	"encoding/binary"
	"fmt"
	"slices"

	"github.com/klauspost/compress/s2"
	"github.com/klauspost/compress/zstd"
)

// checkDecodedLen enforces the two rules on a declared payload size: at most
// the cap, and longer than the compressed body it came from (a body is
// compressed only when that pays, so anything else is not canonical).
func (c *Codec) checkDecodedLen(n uint64, bodyLen int) error {
	if n > uint64(c.maxDecoded) {
		return ErrTooLarge
	}
	if n <= uint64(bodyLen) {
		return fmt.Errorf("%w: compressed body not smaller than its payload", ErrCorrupt)
	}
	return nil
}

// decodeS2 decodes an S2 block after checking its declared length — a
// minimal varint, within the cap — so a bomb costs no allocation.
func (c *Codec) decodeS2(dst, data []byte, d *Dictionary, bodyLen int) ([]byte, error) {
	declared, vn := binary.Uvarint(data)
	if vn <= 0 || vn != uvarintLen(declared) {
		return nil, fmt.Errorf("%w: s2: bad length prefix", ErrCorrupt)
	}
	if err := c.checkDecodedLen(declared, bodyLen); err != nil {
		return nil, err
	}
	n := int(declared)
	var err error
	start := len(dst)
	dst = slices.Grow(dst, n)
	out := dst[start : start+n]
	if d != nil {
		out, err = d.s2.Decode(out, data)
	} else {
		out, err = s2.Decode(out, data)
	}
	if err != nil || len(out) != n {
		return nil, fmt.Errorf("%w: s2: %v", ErrCorrupt, err)
	}
	return dst[:start+n], nil
}

// decodeZstd decodes one Zstandard frame. The frame header is read first: it
// must be single-segment (so it declares its content size and needs no
// window beyond it), within the cap, name the same dictionary as the body,
// and be the only thing in data. The decoder is then limited to exactly that
// many bytes (cap-limited DecodeAll, MaxMemory and MaxWindow set from the
// cap).
func (c *Codec) decodeZstd(dst, data []byte, id uint32, bodyLen int) ([]byte, error) {
	var h zstd.Header
	if err := h.Decode(data); err != nil {
		return nil, fmt.Errorf("%w: zstd header: %v", ErrCorrupt, err)
	}
	switch {
	case h.Skippable:
		return nil, fmt.Errorf("%w: zstd: skippable frame", ErrCorrupt)
	case !h.SingleSegment || !h.HasFCS:
		return nil, fmt.Errorf("%w: zstd: frame must be single-segment with its content size", ErrCorrupt)
	case h.DictionaryID != id:
		return nil, fmt.Errorf("%w: zstd: frame dictionary %d, body says %d", ErrCorrupt, h.DictionaryID, id)
	case !oneZstdFrame(data, &h):
		return nil, fmt.Errorf("%w: zstd: data after the frame", ErrCorrupt)
	}
	if err := c.checkDecodedLen(h.FrameContentSize, bodyLen); err != nil {
		return nil, err
	}
	n := int(h.FrameContentSize)
	start := len(dst)
	dst = slices.Grow(dst, n)
	// The declared size is within the cap, so a decoder error here (including
	// ErrDecoderSizeExceeded: more data than declared, or a second frame) is
	// a malformed body, not an oversize one.
	out, err := c.zdec.DecodeAll(data, dst[start:start:start+n])
	if err != nil {
		return nil, fmt.Errorf("%w: zstd: %v", ErrCorrupt, err)
	}
	if len(out) != n {
		return nil, fmt.Errorf("%w: zstd: %d bytes decoded, frame declared %d", ErrCorrupt, len(out), n)
	}
	if &out[0] != &dst[start : start+n][0] { // the cap limit keeps DecodeAll in place; stay correct if not
		copy(dst[start:start+n], out)
	}
	return dst[:start+n], nil
}

// oneZstdFrame reports whether data is exactly one frame: walking the block
// headers (RFC 8878 §3.1.1.2) from the end of the frame header to the last
// block, plus the optional checksum, ends at the end of data. DecodeAll
// would otherwise also decode a second frame, and an empty or skippable one
// adds no bytes, so the length check alone cannot see it.
func oneZstdFrame(data []byte, h *zstd.Header) bool {
	i := h.HeaderSize
	for {
		if i+3 > len(data) {
			return false
		}
		bh := int(data[i]) | int(data[i+1])<<8 | int(data[i+2])<<16
		i += 3
		switch bh >> 1 & 3 { // Block_Type
		case 0, 2: // Raw_Block, Compressed_Block: Block_Size bytes follow
			i += bh >> 3
		case 1: // RLE_Block: one byte follows
			i++
		default: // reserved
			return false
		}
		if bh&1 == 1 { // Last_Block
			break
		}
	}
	if h.HasCheckSum {
		i += 4
	}
	return i == len(data)
}
